"""Reading level: how hard a text is to read, as a school grade, by its language's formula.

A language names its formula in ``content/<lang>/strings.yaml`` (``readability:``). textstat counts
words; syllables are counted by check/syllables.py (English by the CMU dictionary, Spanish by the
Academy's spelling rules), measured against hand-counted samples, because textstat's hyphenation
patterns undercount Spanish by about 5%. Other languages fall back to textstat's count.
Sentences are split here rather than by textstat, because textstat splits on every full stop
("18 U.S.C. §2243(b)" becomes four sentences) and ignores sentences of one or two words, both of
which make legal text look easier than it is; the long-sentence check must also see the very
sentences the grade is computed from.

Spanish formulas give a reading-ease score (higher is easier); it is converted to a grade with the
scale published with each formula, so every audience's ``reading_grade`` target means the same.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from booklets.check import syllables as syllable_rules
from booklets.content.markup import CITE_RE, plain_text

_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d{1,3}[.)])\s+")
# A sentence ends at . ! ? or … (closing quotes, brackets and citations stay with it), before
# whitespace and something that can start a sentence.
_END = re.compile(
    r"[.!?…]+[\"'”’)\]*]*(?:\s*\[\^[a-z0-9-]+\])*(?=\s+[\"'“‘(¿¡*\[]*[A-ZÁÉÍÓÚÑÜ0-9])")
_ABBREVIATION = re.compile(
    r"(?:\b(?:e\.g|i\.e|etc|approx|vs|cf|mr|mrs|ms|dr|st|no|nos|sr|sra|srta|núm|art|p|pp|ej|u\.s"
    r"|u\.s\.c|c\.f\.r)|\b[A-Z])\.$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Sentence:
    """One sentence of a markdown text: as written (with citations), its offset, its counts."""

    raw: str
    offset: int
    plain: str
    words: int
    syllables: int


@dataclass(frozen=True)
class Formula:
    """A published readability formula and how its score reads as a school grade."""

    label: str
    score: Callable[[float, float], float]  # (words per sentence, syllables per word) -> score
    to_grade: Callable[[float], float]


def _interpolate(points: list[tuple[float, float]]) -> Callable[[float], float]:
    """A piecewise-linear score -> grade scale through (score, grade) points, clamped."""
    pts = sorted(points)
    xs = [x for x, _ in pts]

    def grade(score: float) -> float:
        if score <= xs[0]:
            return pts[0][1]
        if score >= xs[-1]:
            return pts[-1][1]
        i = bisect_left(xs, score)
        (x0, y0), (x1, y1) = pts[i - 1], pts[i]
        return y0 + (y1 - y0) * (score - x0) / (x1 - x0)

    return grade


def _grade(value: float) -> float:
    return value


FORMULAS: dict[str, Formula] = {
    # Kincaid et al. 1975: a US school grade directly.
    "flesch_kincaid": Formula(
        "Flesch–Kincaid grade", lambda wps, spw: 0.39 * wps + 11.8 * spw - 15.59, _grade),
    # Fernández Huerta 1959 (corrected form): ease 0-100. His scale: 90-100 4th grade, 80-90 5th,
    # 70-80 6th, 60-70 7th-8th, 50-60 pre-university, 30-50 first university years, 0-30 university.
    "fernandez_huerta": Formula(
        "Fernández-Huerta", lambda wps, spw: 206.84 - 60 * spw - 1.02 * wps,
        _interpolate([(100, 3), (90, 4), (80, 5), (70, 6), (60, 8), (50, 12), (30, 14), (0, 17)])),
    # Szigriszt-Pazos 1993 perspicuity with the INFLESZ scale (Barrio-Cantalejo 2008): >80 very easy
    # and 65-80 fairly easy (primary school), 55-65 normal (secondary, grades 7-10), 40-55 somewhat
    # hard (upper secondary), <40 very hard (university).
    "szigriszt_pazos": Formula(
        "Szigriszt-Pazos (INFLESZ)", lambda wps, spw: 206.835 - 62.3 * spw - wps,
        _interpolate([(100, 2), (80, 4), (65, 6), (55, 10), (40, 12), (0, 16)])),
    # Crawford 1984: years of schooling for Spanish primary-school texts.
    "crawford": Formula(
        "Crawford", lambda wps, spw: -0.205 * (100 / wps) + 0.049 * (100 * spw) - 3.407, _grade),
}


@cache
def _counter(locale: str) -> Any:
    """A textstat instance counting for one language (its syllable rules differ by language)."""
    from textstat.textstat import textstatistics

    counter = textstatistics()
    counter.set_lang(locale)
    return counter


class ReadabilityUnavailable(Exception):
    """textstat cannot count this language on this machine (no dictionary for it)."""


def blocks(markdown: str) -> Iterator[tuple[int, str]]:
    """Paragraphs and list items of a markdown text, each with the offset where its text starts.

    Every list item is a sentence of its own even without a full stop, as readers read it.
    """
    lines: list[str] = []
    start, offset = -1, 0
    for line in markdown.splitlines(keepends=True):
        marker = _LIST_ITEM.match(line)
        if not line.strip() or marker:
            if lines:
                yield start, "".join(lines).strip()
            start, lines = -1, []
        if line.strip():
            skip = marker.end() if marker else len(line) - len(line.lstrip())
            if start < 0:
                start = offset + skip
                lines = [line[skip:]]
            else:
                lines.append(line)
        offset += len(line)
    if lines:
        yield start, "".join(lines).strip()


def split_sentences(markdown: str) -> Iterator[tuple[int, str]]:
    """Sentences of a markdown text, as written, each with its offset in the text."""
    for start, block in blocks(markdown):
        pos = 0
        for match in _END.finditer(block):
            before = block[pos:match.start() + 1].split()
            if before and _ABBREVIATION.search(before[-1]):
                continue  # "e.g. The", "U.S. Department": not the end of a sentence
            text = block[pos:match.end()].strip()
            if text:
                yield start + pos + (len(block[pos:]) - len(block[pos:].lstrip())), text
            pos = match.end()
        rest = block[pos:].strip()
        if rest:
            yield start + pos + (len(block[pos:]) - len(block[pos:].lstrip())), rest


def sentences(markdown: str, locale: str) -> list[Sentence]:
    """Every sentence of a markdown text with its word and syllable counts (per language)."""
    counter = _counter(locale)
    out = []
    for offset, raw in split_sentences(markdown):
        plain = " ".join(plain_text(CITE_RE.sub("", raw)).replace("*", "").split())
        try:
            words = counter.lexicon_count(plain)
            counted = syllable_rules.count(plain, locale) if words else 0
            syllables = counter.syllable_count(plain) if counted is None else counted
        except (LookupError, KeyError, OSError) as exc:
            raise ReadabilityUnavailable(f"textstat cannot count {locale!r} text: {exc}") from None
        if words:
            out.append(Sentence(raw, offset, plain, words, syllables))
    return out


def grade(formula: str, found: list[Sentence]) -> float:
    """The grade of a run of sentences by the named formula (0 for no words)."""
    words = sum(s.words for s in found)
    if not words:
        return 0.0
    f = FORMULAS[formula]
    score = f.score(words / len(found), sum(s.syllables for s in found) / words)
    return round(f.to_grade(score), 1)
