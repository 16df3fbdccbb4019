"""Content checks (`python build.py check`): is every booklet fit for its readers? No rendering.

For each language, audience and facility, on every text the booklet prints (content/printed.py:
cover, sections with the audience's variant and the facility's jurisdiction applied, form, contact
notes): reading level per part against the audience's `reading_grade`, long sentences where the
target is low, every figure cited, unknown and unused sources, placeholders left, images without
alt text, internal links that lead nowhere, and the terminology checks of check/terms.py. Each
finding names the file, line and key where the text is written, so a shared section is fixed once.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from booklets import paths
from booklets.check.findings import AudienceGrade, CheckReport, Finding, SectionGrade, Severity
from booklets.check.readability import (
    FORMULAS,
    ReadabilityUnavailable,
    Sentence,
    blocks,
    grade,
    sentences,
    split_sentences,
)
from booklets.check.terms import check_terms
from booklets.content import schema as models
from booklets.content.locate import Locator, where
from booklets.content.markup import CITE_RE, citations_in
from booklets.content.printed import booklet_roles, cited_sources, printed_texts
from booklets.content.project import Language, Project, placeholders
from booklets.content.sections import resolve_sections
from booklets.plan import Selection

LONG_SENTENCE_WORDS = 25
"""A sentence longer than this is hard for readers of a low-grade audience."""
LOW_GRADE = 8
"""Audiences whose reading_grade target is at most this get the long-sentence check."""

# A figure is a percentage, a count with thousands separators, any number of four digits or more
# (years included: "in 2015"), a duration ("up to 15 years", "within 30 days") or a rate ("1 in 4").
_FIGURE = re.compile(
    r"\d+(?:[.,]\d+)?\s?(?:%|per\s?cent\b|percent\b|por\s?ciento\b)"
    r"|\b\d{1,3}(?:[,.\u00a0\u202f]\d{3})+\b"
    r"|\b\d{4,}\b"
    r"|\b\d+(?:[.,]\d+)?\s+(?:years?|months?|weeks?|days?|hours?|años?|mes(?:es)?|semanas?|días?|horas?)\b"
    r"|\b\d+\s+(?:in|out\s+of|de\s+cada)\s+\d+\b",
    re.IGNORECASE,
)
# Legal references and phone numbers contain digits but are not figures to source.
_NOT_FIGURE = re.compile(r"§+\s*[\w.()-]+|\+?\b\d{3,5}[\s-]\d{3}[\s-]\d{3,4}\b")
_LINK = re.compile(r"(!?)\[([^\]]*)\]\(\s*([^)\s]*)[^)]*\)")
_LINK_TARGET = re.compile(r"(?<=\])\([^)]*\)")
_SAFE_LINK = re.compile(r"^(https?:|mailto:|tel:)", re.IGNORECASE)
# Upper case only: "todo" is Spanish for "all".
_LEFTOVER = re.compile(r"\b(?:TODO|TBD|FIXME|XXX)\b|[Ll]orem [Ii]psum")
_VAGUE_ALT = re.compile(
    r"^(?:image|picture|photo|graphic|logo|icon|img|figure|imagen|foto)\s*\d*$", re.IGNORECASE)
_IMG_TAG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)


@dataclass(frozen=True)
class TextField:
    """One piece of text a booklet prints; as a YStr it knows where it is written."""

    text: str
    section: str  # the section id, or "cover", "form", "contacts", "booklet"
    prose: bool  # read as running text (bodies, intros, statements, notes), not a heading or name
    data: bool = False  # a facility's names, numbers and addresses: not checked as words or figures

    @property
    def rel(self) -> str:
        return getattr(self.text, "file", "")

    @property
    def key(self) -> str:
        return getattr(self.text, "key", "")


def booklet_fields(project: Project, lang: str, aid: str, facility: str | None = None) -> Iterator[TextField]:
    """Every text of one booklet as `facility` prints it (default: the first facility built)."""
    fid = facility or project.booklet.facilities[0]
    for p in printed_texts(project, lang, aid, fid):
        yield TextField(p.text, p.part, p.prose, p.data)


class _Checker:
    """Runs every content check over the selected languages and audiences into one CheckReport."""

    def __init__(self, project: Project, release: bool) -> None:
        self.project = project
        self.where = Locator(project.root)
        self.report = CheckReport()
        # Placeholders are always reported; only a release makes them fail the check.
        self.placeholder: Severity = "error" if release else "notice"
        self.release = release

    def add(self, severity: Severity, check: str, rel: str, at: tuple[int, int],
            key: str, message: str) -> None:
        self.report.findings.append(Finding.of(severity, check, rel, at[0], at[1], key, message))

    def at_text(self, f: TextField, offset: int, snippet: str) -> tuple[int, int]:
        return self.where.text(f.text, offset, snippet)

    # -- per booklet -------------------------------------------------------------------------
    def booklet(self, lang: str, aid: str, fid: str) -> None:
        language = self.project.languages[lang]
        audience = language.audiences[aid]
        fields = list(booklet_fields(self.project, lang, aid, fid))
        self.reading_level(language, aid, audience, fields, fid)
        cited: list[str] = []
        for f in fields:
            if not f.data:
                self.figures(f)
            cited += self.citations(language, f)
            self.leftovers(f)
        place = self.project.place(fid, lang)
        sections = resolve_sections(language, aid, place)
        anchors = {f"s-{sid}" for sid, _ in sections}
        anchors |= {"sources", "back-cover"} | {f"source-{c}" for c in cited}
        anchors |= {f"contact-{r}" for r in booklet_roles(self.project, lang, aid, fid)}
        if audience.form is not None:
            anchors.add("form")
        for f in fields:
            self.links(f, anchors, audience.name)
        for _, section in sections:
            if section.image is not None:
                self.alt_text(section.image)
        words = [f for f in fields if not f.data]
        for finding in check_terms(self.project, lang, aid, fid, words, sections, self.where):
            self.report.findings.append(finding)

    def reading_level(self, language: Language, aid: str, audience: models.Audience,
                      fields: list[TextField], fid: str) -> None:
        formula = language.strings.readability
        if formula == "none":
            return
        locale = language.strings.locale
        parts: dict[str, list[tuple[TextField, list[Sentence]]]] = {}
        try:
            for f in fields:
                if f.prose:
                    parts.setdefault(f.section, []).append((f, sentences(f.text, locale)))
        except ReadabilityUnavailable as exc:
            locale_value = language.strings.locale
            self.add("error", "reading-level", getattr(locale_value, "file", ""), where(locale_value), "locale",
                     f"{exc}; set `readability: none` to skip measuring this language")
            return
        label, target = FORMULAS[formula].label, audience.reading_grade
        rows, everything = [], []
        for sid, measured_parts in parts.items():
            found = [s for _, ss in measured_parts for s in ss]
            everything += found
            measured = grade(formula, found)
            rows.append(SectionGrade(sid, measured, sum(s.words for s in found), len(found)))
            if measured > target and found:
                first = measured_parts[0][0]
                hardest = max(found, key=lambda s: grade(formula, [s]))
                self.add("error", "reading-level", first.rel,
                         where(first.text), first.key,
                         f"section {sid!r} reads at grade {measured:g} ({label}), above the "
                         f"{audience.name!r} target of {target:g}; hardest sentence: "
                         f"{_quote(hardest.plain)} ({hardest.words} words); "
                         "use shorter sentences and everyday words")
            if target <= LOW_GRADE:
                for f, ss in measured_parts:
                    self.long_sentences(f, ss, audience)
        self.report.grades.append(AudienceGrade(
            language.code, aid, label, target, grade(formula, everything), tuple(rows), fid))

    def long_sentences(self, f: TextField, found: list[Sentence],
                       audience: models.Audience) -> None:
        for s in found:
            if s.words > LONG_SENTENCE_WORDS:
                self.add("warning", "long-sentence", f.rel, self.at_text(f, s.offset, s.raw), f.key,
                         f"sentence of {s.words} words (more than {LONG_SENTENCE_WORDS} for the "
                         f"{audience.name!r} booklet, target grade {audience.reading_grade:g}): "
                         f"{_quote(s.plain)}; split it, one idea per sentence")

    def figures(self, f: TextField) -> None:
        for start, block in blocks(f.text):
            found = list(split_sentences(block))
            for i, (offset, sentence) in enumerate(found):
                # Cited in the sentence, or right after it: a long claim split in two short
                # sentences for easy reading carries its citation at the end of the second.
                after = found[i + 1][1] if i + 1 < len(found) else ""
                if not (citations_in(sentence) or citations_in(after)):
                    self.uncited(f, start + offset, sentence)

    def uncited(self, f: TextField, offset: int, sentence: str) -> None:
        # Blank out (keeping offsets) what has digits but is no figure: ids, laws, phones.
        text = sentence
        for pattern in (CITE_RE, _LINK_TARGET, _NOT_FIGURE):
            text = pattern.sub(lambda m: " " * len(m.group()), text)
        for match in _FIGURE.finditer(text):
            figure = match.group()
            at = self.at_text(f, offset + match.start(), sentence[match.start():])
            self.add("error", "uncited-figure", f.rel, at, f.key,
                     f"figure {figure!r} has no source: cite it in this sentence or the "
                     f"next, e.g. \"{figure} ...[^source-id]\", with the source in sources.yaml")

    def citations(self, language: Language, f: TextField) -> list[str]:
        cited = citations_in(f.text)
        for source in cited:
            if source not in language.sources:
                close = difflib.get_close_matches(source, list(language.sources), n=1)
                hint = (f"did you mean [^{close[0]}]?" if close
                        else f"declare it in {paths.sources_file(language.code)}")
                marker = f"[^{source}]"
                self.add("error", "unknown-source", f.rel,
                         self.at_text(f, f.text.find(marker), marker), f.key,
                         f"cites {marker}, which is not a declared source; {hint}")
        return cited

    def leftovers(self, f: TextField) -> None:
        for match in _LEFTOVER.finditer(f.text):
            at = self.at_text(f, match.start(), f.text[match.start():])
            self.add(self.placeholder, "placeholder", f.rel, at, f.key,
                     f"{match.group()!r} left in the text; write the real text")

    def links(self, f: TextField, anchors: set[str], audience: str) -> None:
        for match in _LINK.finditer(f.text):
            bang, label, href = match.groups()
            at = self.at_text(f, match.start(), match.group())
            use_image = "use the section's `image:` with `src` and `alt`"
            if bang and not label.strip():
                self.add("error", "alt-text", f.rel, at, f.key,
                         f"image {href!r} has no alt text (and images in text are not shown); "
                         + use_image)
            elif bang:
                self.add("warning", "image", f.rel, at, f.key,
                         f"image {href!r} in text is not shown; {use_image}")
            elif href.startswith("#") and href[1:] not in anchors:
                close = difflib.get_close_matches(href[1:], sorted(anchors), n=1)
                hint = (f"did you mean #{close[0]}?" if close
                        else "link to #s-<section id>, #sources or #form")
                self.add("error", "broken-link", f.rel, at, f.key,
                         f"link {href!r} leads nowhere in the {audience!r} booklet; {hint}")
            elif not href.startswith("#") and not _SAFE_LINK.match(href):
                self.add("warning", "link", f.rel, at, f.key,
                         f"link {href!r} is printed as plain text "
                         "(only https:, mailto:, tel: and #anchors are kept)")

    def alt_text(self, image: models.Image) -> None:
        alt = image.alt.strip()
        rel, at, key = getattr(image.alt, "file", ""), where(image.alt), getattr(image.alt, "key", "")
        if not alt:
            self.add("error", "alt-text", rel, at, key,
                     f"image {image.src!r} has no alt text; say what it shows")
        elif _VAGUE_ALT.match(alt) or alt.lower() == Path(image.src).name.lower():
            self.add("warning", "alt-text", rel, at, key,
                     f"alt text {alt!r} does not say what image {image.src!r} shows; describe it")

    # -- per language and project ------------------------------------------------------------
    def unused_sources(self, lang: str) -> None:
        language = self.project.languages[lang]
        used = {c for aid in language.audiences for fid in self.project.facilities
                for c in cited_sources(printed_texts(self.project, lang, aid, fid))}
        rel = paths.sources_file(lang)
        for sid in language.sources:
            if sid not in used:
                self.add("warning", "unused-source", rel, where(sid), sid,
                         f"source {sid!r} is declared but no booklet cites it; "
                         f"cite it with [^{sid}] or remove it")

    def formula_declared(self, lang: str) -> None:
        strings = self.project.languages[lang].strings
        english = strings.locale.lower().startswith("en")
        if "readability" not in strings.model_fields_set and not english:
            rel = paths.strings_file(lang)
            self.add("warning", "reading-level", rel, (1, 1), "readability",
                     f"no `readability:` formula for {lang!r}, so it is measured with "
                     "flesch_kincaid, an English formula; set `readability: fernandez_huerta` "
                     "(or szigriszt_pazos, crawford, none)")

    def placeholders(self, facilities: set[str]) -> None:
        later = "" if self.release else " before release (--release refuses it)"
        for p in placeholders(self.project, facilities):
            self.add(self.placeholder, "placeholder", p.file, (p.line, p.column), p.key, p.message + later)

    def templates(self) -> None:
        root = self.project.templates_dir
        for path in sorted(root.rglob("*.j2")):
            text = path.read_text(encoding="utf-8")
            for match in _IMG_TAG.finditer(text):
                if not re.search(r"\balt\s*=", match.group()):
                    line = text[:match.start()].count("\n") + 1
                    col = match.start() - text.rfind("\n", 0, match.start())
                    rel = "templates/" + path.relative_to(root).as_posix()
                    self.add("error", "alt-text", rel, (line, col), "",
                             '<img> without an alt attribute; add alt="..." '
                             '(alt="" if purely decorative)')


def _quote(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return f"“{text if len(text) <= limit else text[:limit - 1].rstrip() + '…'}”"


def check_content(project: Project, selection: Selection | None = None,
                  release: bool = False) -> CheckReport:
    """Run every content check on the selected languages and audiences (nothing is rendered)."""
    selection = selection or Selection()
    checker = _Checker(project, release)
    booklet = project.booklet

    def chosen(value: str, picked: tuple[str, ...]) -> bool:
        return not picked or value in picked

    for lang in booklet.languages:
        if not chosen(lang, selection.languages) or lang not in project.languages:
            continue
        checker.formula_declared(lang)
        for aid in booklet.audiences:
            if chosen(aid, selection.audiences) and aid in project.languages[lang].audiences:
                for fid in booklet.facilities:
                    if chosen(fid, selection.facilities) and fid in project.facilities:
                        checker.booklet(lang, aid, fid)
        checker.unused_sources(lang)
    checker.placeholders({f for f in booklet.facilities if chosen(f, selection.facilities)})
    checker.templates()
    return checker.report
