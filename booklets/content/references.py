"""Cross-references between content files, checked once every file is valid on its own.

Included shared sections, variants' audiences, cited sources, contact roles, images and the output
paths of the matrix. Each problem is located by the value that makes the reference (a YStr knows
its file, line, column and key).
"""

from __future__ import annotations

import difflib
from typing import Any

from booklets import paths
from booklets.content.markup import citations_in, lang_mark_problems
from booklets.content.project import Language, Project
from booklets.content.yamlload import YStr
from booklets.errors import Problem
from booklets.plan import plan


def check_references(project: Project) -> list[Problem]:
    """Every broken reference of the project."""
    problems: list[Problem] = []
    for lang, language in project.languages.items():
        # A variant may name any audience that has a file, built now or not: narrowing the matrix
        # in booklet.yaml must not break shared sections.
        audiences = set(project.booklet.audiences) | {
            p.stem for p in (project.root / paths.audiences_dir(lang)).glob("*.yaml")
        }
        for shared in language.shared.values():
            for aid in shared.variants:
                if aid not in audiences:
                    problems.append(Problem.at(
                        aid, f"variant for unknown audience {aid!r}; known: {', '.join(sorted(audiences))}"))
            problems += _check_section(project, language, shared)
            for variant in shared.variants.values():
                problems += _check_section(project, language, variant)
        for audience in language.audiences.values():
            seen: dict[str, int] = {}
            for i, entry in enumerate(audience.sections):
                if entry.include is not None:
                    sid = entry.include
                    if sid not in language.shared:
                        close = difflib.get_close_matches(sid, list(language.shared), n=1)
                        hint = (f"did you mean {close[0]!r}?" if close
                                else f"define it in {paths.shared_file(lang)}")
                        problems.append(Problem.at(sid, f"section {sid!r} does not exist; {hint}"))
                        continue
                else:
                    sid = entry.id or ""
                    problems += _check_section(project, language, entry)
                if sid in seen:
                    key = getattr(sid, "key", "").rsplit(".", 1)[0]
                    problems.append(Problem.at(
                        sid, f"section {sid!r} appears twice (first at sections[{seen[sid]}]); keep one", key))
                seen[sid] = i
            if audience.form is not None:
                problems += _unknown_sources(language, audience.form.intro, hint=False)
                problems += _bad_lang_marks(audience.form.intro)
        for source in language.sources.values():
            problems += _bad_lang_marks(source.text)
    return problems + _colliding_outputs(project)


def _bad_lang_marks(text: Any) -> list[Problem]:
    return [Problem.at(text, message) for message in lang_mark_problems(text or "")]


def _unknown_sources(language: Language, text: Any, hint: bool = True) -> list[Problem]:
    found = []
    for cited in citations_in(text or ""):
        if cited not in language.sources:
            close = difflib.get_close_matches(cited, list(language.sources), n=1) if hint else []
            fix = (f"did you mean [^{close[0]}]?" if close
                   else f"add it to {paths.sources_file(language.code)}")
            found.append(Problem.at(text, f"cites unknown source [^{cited}]; {fix}"))
    return found


def _check_section(project: Project, language: Language, section: Any) -> list[Problem]:
    problems = []
    for text in (section.title, section.body, section.callout.body if section.callout else None):
        problems += _unknown_sources(language, text)
    for text in (section.body, section.callout.body if section.callout else None):
        problems += _bad_lang_marks(text)
    for role in section.contacts or []:
        for fid, facility in project.facilities.items():
            if role not in facility.contacts:
                problems.append(Problem.at(
                    role, f"facility {fid!r} has no contact {role!r}; add it to {paths.facility_file(fid)}"))
    if section.image is not None:
        src: YStr = section.image.src
        # content/assets itself must not be a link elsewhere either: resolve only content/.
        assets = project.content_dir.resolve() / "assets"
        target = (assets / src).resolve()
        if not target.is_relative_to(assets):
            problems.append(Problem.at(
                src, f"image {paths.asset(src)} is a link to a file outside {paths.ASSETS}/; copy the file in instead"))
        elif not target.is_file():
            problems.append(Problem.at(src, f"image {paths.asset(src)} does not exist"))
    return problems


def _colliding_outputs(project: Project) -> list[Problem]:
    """Two targets that would write one file: the workers would overwrite each other's PDFs and
    share one build record. Named by their audience and edition, at the matrix in booklet.yaml."""
    problems = []
    booklet = project.booklet
    pairs: set[tuple[str, str, str, str]] = set()
    web = project.web_editions()
    for path, first, second in paths.collisions(plan(booklet), project.derived_suffixes(), web):
        pair = (first.audience, first.edition, second.audience, second.edition)
        if first.edition in web and second.edition in web:
            pair = ("", first.edition, "", second.edition)  # every audience: say it once
        if pair in pairs:  # the same pair in every facility and language, and for each of its files
            continue
        pairs.add(pair)
        where = booklet.editions[booklet.editions.index(second.edition)]
        if first.edition in web and second.edition in web:
            message = (f"editions {first.edition!r} and {second.edition!r} are both web editions "
                       f"(format: html) and would both write {path.name}, a booklet's one web page; "
                       "list one of them in editions")
        else:
            message = (f"audience {first.audience!r} in edition {first.edition!r} and audience "
                       f"{second.audience!r} in edition {second.edition!r} would both write {path.name}; "
                       "rename an audience or an edition (or an edition's impose suffix) so every output "
                       "file has one owner")
        problems.append(Problem.at(where, message, key="editions"))
    return problems
