"""Cross-references between content files, checked once every file is valid on its own.

Included shared sections, variants' audiences, cited sources, contact roles, images, language
marks (`[words]{lang=en}`) and the output paths of the matrix; then, per booklet as each facility
prints it: wording for the facility's jurisdiction wherever a section varies by jurisdiction, the
jurisdiction's words, sources that apply there, and every contact the booklet refers to (listed or
linked inline) defined by the facility with what the jurisdiction requires of it. Each problem is
located by the value that makes the reference (a YStr knows its file, line, column and key).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from typing import Any

from booklets import paths
from booklets.content import schema
from booklets.content.locate import Locator
from booklets.content.markup import citations_in, lang_mark_problems
from booklets.content.printed import contact_refs, printed_texts
from booklets.content.project import Language, Project, texts
from booklets.content.sections import resolve_sections, words_in
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
            if audience.logo is not None:
                problems += _check_asset(project, audience.logo.src, "logo")
            seen: dict[str, int] = {}
            for i, entry in enumerate(audience.sections):
                if entry.include is not None:
                    sid = entry.include
                    if sid not in language.shared:
                        problems.append(unknown_include(sid, language.shared, lang))
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
        problems += _unknown_jurisdictions(project, language)
    problems += _bad_lang_marks(project)
    if not problems:
        # Every booklet as each facility prints it (needs the sections above to exist).
        problems += _jurisdiction_gaps(project)
        problems += _booklet_references(project)
    problems += _contact_requirements(project)
    return problems + _colliding_outputs(project)


def _bad_lang_marks(project: Project) -> list[Problem]:
    """A `[words]{lang=...}` mark whose language is not a code (`{lang=English}`), in any text."""
    found: list[Any] = [project.booklet.organisation, project.facilities, project.jurisdictions]
    found += [(lang.sources, lang.shared, lang.audiences) for lang in project.languages.values()]
    return [Problem.at(text, message) for text in texts(found) for message in lang_mark_problems(text)]


def _known_jurisdictions(project: Project) -> list[str]:
    folder = project.root / paths.JURISDICTIONS
    return sorted(set(project.jurisdictions) | {p.stem for p in folder.glob("*.yaml")})


def _jurisdiction_maps(language: Language) -> Iterator[tuple[str, dict[Any, Any]]]:
    """Every `jurisdictions:` mapping of a language's sections, with the section's id."""
    for sid, shared in language.shared.items():
        yield sid, shared.jurisdictions
        for variant in shared.variants.values():
            yield sid, variant.jurisdictions
    for audience in language.audiences.values():
        for entry in audience.sections:
            if entry.include is None:
                yield str(entry.id), entry.jurisdictions


def _unknown_jurisdictions(project: Project, language: Language) -> list[Problem]:
    """Jurisdiction ids in sections and sources that name no jurisdiction file."""
    known = _known_jurisdictions(project)
    named: list[Any] = [j for _, mapping in _jurisdiction_maps(language) for j in mapping]
    named += [j for source in language.sources.values() for j in source.jurisdictions]
    problems = []
    for jid in named:
        if jid not in known:
            close = difflib.get_close_matches(jid, known, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"create {paths.jurisdiction_file(jid)}"
            problems.append(Problem.at(jid, f"unknown jurisdiction {jid!r}; {hint}"))
    return problems


def _jurisdiction_gaps(project: Project) -> list[Problem]:
    """A section that varies by jurisdiction must have wording for the jurisdiction of every
    facility a booklet with it is built for (like a missing translation: each gap is listed)."""
    problems = []
    for language in project.languages.values():
        for aid, audience in language.audiences.items():
            for entry in audience.sections:
                maps: list[dict[Any, Any]] = []
                if entry.include is not None:
                    shared = language.shared[entry.include]
                    variant = shared.variants.get(aid)
                    maps += [shared.jurisdictions, variant.jurisdictions if variant else {}]
                else:
                    maps.append(entry.jurisdictions)
                sid = entry.include or entry.id
                for mapping in (m for m in maps if m):
                    first = next(iter(mapping))
                    where = f"{first.file}:{first.line}" if isinstance(first, YStr) else ""
                    key = getattr(first, "key", "").rsplit(".", 1)[0]
                    for fid, facility in project.facilities.items():
                        jid = facility.jurisdiction
                        if jid is None:
                            problems.append(Problem.at(
                                facility.name if isinstance(facility.name, YStr) else None,
                                f"facility {fid!r} declares no jurisdiction, but section {sid!r} varies by "
                                f"jurisdiction ({where}); add `jurisdiction: <id>` "
                                f"(one of: {', '.join(_known_jurisdictions(project))})",
                                key="jurisdiction", file=paths.facility_file(fid)))
                        elif jid not in mapping:
                            problems.append(Problem.at(first, (
                                f"section {sid!r} varies by jurisdiction but has no wording for {jid!r} "
                                f"(facility {fid!r} is there); add `{jid}:` under jurisdictions "
                                f"(`{jid}: {{}}` if the wording above applies there)"), key=key))
    return problems


def _booklet_references(project: Project) -> list[Problem]:
    """Per booklet as each facility prints it: contacts, words and the sources it may cite."""
    problems: list[Problem] = []
    locate = Locator(project.root)
    roles = ", ".join(schema.ROLES)
    for lang, language in project.languages.items():
        for aid in language.audiences:
            for fid, facility in project.facilities.items():
                place = project.place(fid, lang)
                jid = facility.jurisdiction
                for _, section in resolve_sections(language, aid, place):
                    for role in section.contacts:
                        if role not in facility.contacts:
                            problems.append(Problem.at(role, (
                                f"facility {fid!r} has no contact {role!r}; add it to {paths.facility_file(fid)}")))
                for printed in printed_texts(project, lang, aid, fid):
                    text = printed.text
                    for ref in contact_refs(text):
                        at = locate.text(text, text.find(f"#contact-{ref}"), f"#contact-{ref}")
                        if ref not in schema.ROLES:
                            close = difflib.get_close_matches(ref, schema.ROLES, n=1)
                            hint = f"did you mean #contact-{close[0]}?" if close else f"known roles: {roles}"
                            problems.append(_at(text, at, f"link to unknown contact #contact-{ref}; {hint}"))
                        elif ref not in facility.contacts:
                            problems.append(_at(text, at, (
                                f"facility {fid!r} has no contact {ref!r}; add it to {paths.facility_file(fid)}")))
                    for word in words_in(text):
                        if place is None or word not in place.words:
                            at = locate.text(text, text.find("{{"), "{{")
                            fix = (f"add `{word}:` under words in {paths.jurisdiction_file(jid)}" if jid
                                   else f"facility {fid!r} declares no jurisdiction; add `jurisdiction:` "
                                   f"to {paths.facility_file(fid)}")
                            problems.append(_at(text, at, f"{{{{{word}}}}} has no word for facility {fid!r}; {fix}"))
                    for cited in citations_in(text) if printed.markdown else []:
                        source = language.sources.get(cited)
                        if source is None or not source.jurisdictions or jid in source.jurisdictions:
                            continue
                        at = locate.text(text, text.find(f"[^{cited}]"), f"[^{cited}]")
                        there = f"jurisdiction {jid!r}" if jid else "a facility that declares no jurisdiction"
                        problems.append(_at(text, at, (
                            f"cites [^{cited}], a source for {', '.join(source.jurisdictions)} only, in the {aid!r} "
                            f"booklet of facility {fid!r} ({there}); give this jurisdiction its own wording "
                            "(`jurisdictions:`) without it")))
    return problems


def _at(text: Any, at: tuple[int, int], message: str) -> Problem:
    return Problem(getattr(text, "file", ""), at[0], at[1], getattr(text, "key", ""), message)


def _contact_requirements(project: Project) -> list[Problem]:
    """What a facility's jurisdiction requires of its contacts (e.g. a mailing address for outside
    confidential support), at the facility file."""
    problems = []
    for facility in project.facilities.values():
        jid = facility.jurisdiction
        jurisdiction = project.jurisdictions.get(jid) if jid is not None else None
        if jurisdiction is None:
            continue
        rule_file = paths.jurisdiction_file(str(jid))
        for role, parts in jurisdiction.contacts.items():
            contact = facility.contacts.get(role)
            if contact is None:
                problems.append(Problem.at(jid, (
                    f"jurisdiction {jid!r} requires a {role!r} contact with {', '.join(parts)} ({rule_file}:"
                    f"{getattr(role, 'line', 0)}); add `{role}:` to contacts")))
                continue
            name = contact.name if isinstance(contact.name, str) else next(iter(contact.name.values()))
            for part in parts:
                if getattr(contact, part) is None:
                    problems.append(Problem.at(name, (
                        f"jurisdiction {jid!r} requires the {role!r} contact to give its {part} "
                        f"({rule_file}:{getattr(role, 'line', 0)}); add `{part}:`"), key=f"contacts.{role}"))
    return problems


def unknown_include(sid: str, known: Iterable[str], lang: str) -> Problem:
    """`include:` of a section that `lang`'s shared.yaml does not define, with the likely one."""
    close = difflib.get_close_matches(sid, list(known), n=1)
    hint = f"did you mean {close[0]!r}?" if close else f"define it in {paths.shared_file(lang)}"
    return Problem.at(sid, f"section {sid!r} does not exist; {hint}")


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
    for text in (section.title, section.body, section.local, section.callout.body if section.callout else None):
        problems += _unknown_sources(language, text)
    for override in (getattr(section, "jurisdictions", None) or {}).values():
        problems += _check_section(project, language, override)
    if section.image is not None:
        problems += _check_asset(project, section.image.src, "image")
    return problems


def _check_asset(project: Project, src: str, what: str) -> list[Problem]:
    """A file under content/assets/ that a section image or a logo names: there, a plain file,
    and not a link out of the folder. Reported at the YAML value, before anything renders."""
    # content/assets itself must not be a link elsewhere either: resolve only content/.
    assets = project.content_dir.resolve() / "assets"
    target = (assets / src).resolve()
    if not target.is_relative_to(assets):
        return [Problem.at(
            src, f"{what} {paths.asset(src)} is a link to a file outside {paths.ASSETS}/; copy the file in instead")]
    if target.exists() and not target.is_file():
        return [Problem.at(src, f"{what} {paths.asset(src)} is not a plain file (a device, "
                           "FIFO or folder); put the image file there")]
    if not target.is_file():
        return [Problem.at(src, f"{what} {paths.asset(src)} does not exist")]
    return []


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
