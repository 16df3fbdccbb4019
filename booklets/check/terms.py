"""Words checks (`check`): one term per concept, the law of the place, acronyms, promised contacts.

On every text one booklet prints for one facility (content/printed.py):

* **terms** — each avoided term of the language's list (content/<lang>/terms.yaml `terms:`) is a
  warning where it appears, naming the term to use; a rule with `up_to_grade` applies only to
  plain-language booklets (jargon such as "referral");
* **jurisdiction** — the jurisdiction's `avoid:` list for the language (another country's law,
  courts and bodies) is an error in that jurisdiction's booklets;
* **acronym** — an acronym of the list (`acronyms:`) used before the booklet has spelled it out;
* **contact-mention** — a section that mentions a contact (`contacts:` phrases of the list, e.g.
  "line for families") must show it: the role in the section's `contacts:`, or the phrase linked
  `[...](#contact-<role>)`, which prints the number. In a call-out (also printed alone on the
  inside cover) the phrase must be linked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import cache
from typing import Any

from booklets import paths
from booklets.check.findings import Finding, Severity
from booklets.content import schema
from booklets.content.locate import Locator
from booklets.content.printed import CONTACT_LINK, section_roles
from booklets.content.project import Project


@cache
def _pattern(phrase: str) -> re.Pattern[str]:
    """A phrase as whole words, any case, any run of spaces (or a line break) between words."""
    words = [re.escape(w) for w in phrase.split()]
    return re.compile(r"(?<![\w-])" + r"\s+".join(words) + r"(?![\w-])", re.IGNORECASE)


def _finding(severity: Severity, check: str, text: Any, at: tuple[int, int], message: str) -> Finding:
    return Finding.of(severity, check, getattr(text, "file", ""), at[0], at[1], getattr(text, "key", ""),
                      message)


def _avoided(rules: Iterable[schema.TermRule], grade: float) -> Iterator[tuple[schema.TermRule, str]]:
    for rule in rules:
        if rule.up_to_grade is None or grade <= rule.up_to_grade:
            for phrase in rule.avoid:
                yield rule, phrase


def check_terms(project: Project, lang: str, aid: str, fid: str, fields: list[Any],
                sections: list[tuple[str, schema.SectionText]], where: Locator) -> list[Finding]:
    """Every words finding in one booklet (see the module docstring)."""
    language = project.languages[lang]
    audience = language.audiences[aid]
    facility = project.facilities[fid]
    jurisdiction = project.jurisdiction(fid)
    found: list[Finding] = []
    terms_rel = paths.terms_file(lang)

    def scan(rules: Iterable[schema.TermRule], severity: Severity, check: str, source: str) -> None:
        for rule, phrase in _avoided(rules, audience.reading_grade):
            for f in fields:
                for match in _pattern(phrase).finditer(f.text):
                    use = f"; use {rule.use!r}" if rule.use else ""
                    why = f" ({rule.why})" if rule.why else ""
                    at = where.text(f.text, match.start(), f.text[match.start():])
                    found.append(_finding(severity, check, f.text, at, (
                        f"{match.group()!r} is on the avoid list of {source}{why}{use}")))

    scan(language.terms.terms, "warning", "terms", terms_rel)
    if jurisdiction is not None and facility.jurisdiction is not None:
        rules = jurisdiction.avoid.get(lang, [])
        scan(rules, "error", "jurisdiction",
             f"{paths.jurisdiction_file(facility.jurisdiction)} for {lang!r}: the booklets of facility {fid!r} "
             "must not state it")
    found += _acronyms(language.terms.acronyms, fields, audience.name, fid, where)
    found += _contact_mentions(language.terms.contacts, sections, where, terms_rel)
    return found


def _acronyms(acronyms: dict[str, str], fields: list[Any], audience: str, fid: str,
              where: Locator) -> list[Finding]:
    found = []
    for acronym, meaning in acronyms.items():
        spelled = False
        for f in fields:
            first = re.search(rf"(?<![\w-]){re.escape(acronym)}(?![\w-])", f.text)
            expansion = _pattern(meaning).search(f.text)
            if first is None:
                spelled = spelled or expansion is not None
                continue
            if not spelled and (expansion is None or expansion.start() > first.start()):
                at = where.text(f.text, first.start(), f.text[first.start():])
                found.append(_finding("warning", "acronym", f.text, at, (
                    f"first use of {acronym!r} in the {audience!r} booklet of facility {fid!r} before it is "
                    f"spelled out; write \"{meaning} ({acronym})\" here")))
            break
    return found


def _contact_mentions(phrases: dict[Any, list[Any]], sections: list[tuple[str, schema.SectionText]],
                      where: Locator, terms_rel: str) -> list[Finding]:
    found = []
    for sid, section in sections:
        shown = section_roles(section)
        texts = [(section.body, False), (section.local, False),
                 (section.callout.body if section.callout else None, True)]
        for text, callout in texts:
            if not text:
                continue
            linked = [(m.start(), m.end(), m.group(2)) for m in _LINKED.finditer(text)]
            for role, words in phrases.items():
                for phrase in words:
                    for match in _pattern(phrase).finditer(text):
                        if any(a <= match.start() and match.end() <= b and r == role for a, b, r in linked):
                            continue
                        if role in shown and not callout:
                            continue
                        at = where.text(text, match.start(), text[match.start():])
                        fix = (f"link it: [{match.group()}](#contact-{role}) (a call-out is also printed alone)"
                               if callout else f"link it [{match.group()}](#contact-{role}), or add {role} "
                               "to the section's `contacts:`")
                        found.append(_finding("error", "contact-mention", text, at, (
                            f"section {sid!r} mentions {match.group()!r} ({role}, per {terms_rel}) but the booklet "
                            f"does not show that contact there; {fix}")))
    return found


# A whole contact link: [label](#contact-role); the label is what may mention the contact.
_LINKED = re.compile(r"\[([^\]]*)\]" + CONTACT_LINK.pattern[2:])
