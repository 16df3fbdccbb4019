"""An audience's sections as its booklet prints them: shared sections included, variants and the
facility's jurisdiction applied, and the jurisdiction's words put in.

Content logic, not presentation: the templates, `check` and the PDF preflight all read sections
through `resolve_sections`, so they agree on what a booklet says. Every text keeps its position
(a YStr), so a finding in a resolved section names the file where that wording is written: the
audience file, the shared section, the audience's variant of it, or a jurisdiction's wording.

Layers, each replacing the parts it gives: the shared section, its wording for the jurisdiction,
the audience's variant, the variant's wording for the jurisdiction. An inline section has two: its
own text and its wording for the jurisdiction. `local` (the law and figures where the booklet is
read) continues the body, so a layer that rewrites the body drops the `local` below it: an
audience's variant states the local law in its own words (its `jurisdictions:`), or not at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from booklets.content.i18n import OPEN, unmarked
from booklets.content.project import Language, Place
from booklets.content.schema import Callout, SectionEntry, SectionText, SharedSection
from booklets.content.yamlload import YStr

WORD_RE = re.compile(r"\{\{([A-Za-z][a-z0-9-]{0,39})\}\}")
"""`{{prison}}` in text: the jurisdiction's word for it; `{{Prison}}` capitalises it."""


def words_in(text: str) -> list[str]:
    """The word ids a text uses (`{{Prison}}` and `{{prison}}` are both `prison`)."""
    return [w[0].lower() + w[1:] for w in WORD_RE.findall(text or "")]


def apply_words(text: Any, place: Place | None) -> Any:
    """`text` with every `{{word}}` replaced by the place's word (kept where it has none: the
    loader has reported that already). The result keeps the text's position."""
    if not isinstance(text, str) or "{{" not in text or place is None:
        return text

    def word(match: re.Match[str]) -> str:
        name = match.group(1)
        found = place.words.get(name[0].lower() + name[1:])
        if found is None:
            return match.group(0)
        if OPEN in text:  # a fallback already, marked whole: a fallback word inside needs no mark of its own
            found = unmarked(found)
        return found[:1].upper() + found[1:] if name[0].isupper() else str(found)

    out = WORD_RE.sub(word, text)
    return text.like(out) if isinstance(text, YStr) else out


def layers(language: Language, audience_id: str, entry: SectionEntry,
           jurisdiction: str | None) -> Iterator[tuple[str, Any]]:
    """The layers of one section entry, most general first: (what it is, the model or None)."""
    if entry.include is not None:
        shared: SharedSection = language.shared[entry.include]
        yield "shared", shared
        yield "shared-jurisdiction", shared.jurisdictions.get(jurisdiction) if jurisdiction else None
        variant = shared.variants.get(audience_id)
        yield "variant", variant
        if variant is not None:
            yield "variant-jurisdiction", variant.jurisdictions.get(jurisdiction) if jurisdiction else None
    else:
        yield "inline", entry
        yield "inline-jurisdiction", entry.jurisdictions.get(jurisdiction) if jurisdiction else None


def resolve_sections(language: Language, audience_id: str,
                     place: Place | None = None) -> list[tuple[str, SectionText]]:
    """An audience's sections in order, as printed where `place` is (None: no jurisdiction)."""
    audience = language.audiences[audience_id]
    jurisdiction = place.jurisdiction if place is not None else None
    out = []
    for entry in audience.sections:
        parts: dict[str, Any] = {}
        for _, layer in layers(language, audience_id, entry, jurisdiction):
            # The first layer is the section itself; each later one replaces the parts it gives.
            if layer is None:
                continue
            given = {name: getattr(layer, name) for name in SectionText.model_fields
                     if getattr(layer, name, None) is not None}
            if parts and "body" in given:
                # `local` continues the body: a layer that rewrites the body (another audience's
                # variant) says the local part in its own words, or not at all.
                parts.pop("local", None)
            parts.update(given)
        callout = parts.get("callout")
        if callout is not None and place is not None:
            callout = Callout(title=apply_words(callout.title, place), body=apply_words(callout.body, place))
        section = SectionText(
            title=apply_words(parts["title"], place), body=apply_words(parts["body"], place),
            local=apply_words(parts.get("local"), place), callout=callout,
            contacts=parts.get("contacts") or [], image=parts.get("image"))
        out.append((str(entry.include or entry.id), section))
    return out
