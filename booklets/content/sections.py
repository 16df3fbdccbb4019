"""An audience's sections as its booklet prints them: shared sections included, variants applied.

Content logic, not presentation: the templates, `check` and the PDF preflight all read sections
through `resolve_sections`, so they agree on what a booklet says. Every text keeps its position
(a YStr), so a finding in a resolved section names the file where that wording is written: the
audience file, the shared section, or the audience's variant of it.
"""

from __future__ import annotations

from booklets.content.project import Language
from booklets.content.schema import SectionText


def resolve_sections(language: Language, audience_id: str) -> list[tuple[str, SectionText]]:
    """An audience's sections in order, shared ones with that audience's variant applied."""
    audience = language.audiences[audience_id]
    out = []
    for entry in audience.sections:
        if entry.include is not None:
            shared = language.shared[entry.include]
            parts = {name: getattr(shared, name) for name in SectionText.model_fields}
            variant = shared.variants.get(audience_id)
            if variant is not None:
                parts.update({k: v for k, v in variant if v is not None})
            out.append((entry.include, SectionText(**parts)))
        else:
            parts = {name: getattr(entry, name) for name in SectionText.model_fields}
            out.append((str(entry.id), SectionText(**parts)))
    return out
