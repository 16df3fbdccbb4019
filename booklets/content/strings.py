"""<lang>/strings.yaml: every word the templates print, one model, one field per string.

Kept apart from schema.py because it is long and flat; schema.py re-exports it.
"""

from __future__ import annotations

from typing import Literal

from booklets.content.fieldtypes import Model, Text


class Strings(Model):
    """<lang>/strings.yaml: every word the templates print, so no English leaks into a translation."""

    locale: Text
    """The language and region dates are written for, e.g. `en_GB` or `es_ES` (an underscore)."""
    for_audience: Text
    """Before the audience's name on the cover: "For" Staff."""
    contents: Text
    """The contents page's heading and its outline entry."""
    page: Text
    """The page footer's "Page" (Page 4 of 12)."""
    of: Text
    """The page footer's "of" (Page 4 of 12)."""
    revision: Text
    """The label of the revision, on the covers and in the footer ("Revision 2.0")."""
    effective: Text
    """The label of the effective date, on the covers."""
    supersedes: Text
    """The label of the revision replaced, on the inside cover."""
    document: Text
    """The label of the document number, on the covers."""
    sources: Text
    """The Sources page's heading."""
    sources_intro: Text
    """The sentence opening the Sources page."""
    notes: Text
    """The heading of a Notes page (print padding)."""
    notes_hint: Text
    """The line under a Notes page's heading."""
    contacts_title: Text
    """The back cover's heading, over the contact cards."""
    back_cover: Text
    """Where the contents sends the reader for the contacts in a padded (print) booklet, instead of a
    page number: "Who to contact ... back cover"."""
    letters_title: Text
    """The heading over the facility's address on the back cover."""
    calls_monitored_title: Text
    """The heading over the facility's `calls_monitored` text on the back cover."""
    phone: Text
    """A contact card's phone label."""
    hours: Text
    """A contact card's opening-hours label."""
    email: Text
    """A contact card's email label."""
    website: Text
    """A contact card's web site label."""
    role_internal_line: Text
    """The heading of an internal_line contact card."""
    role_safeguarding_lead: Text
    """The heading of a safeguarding_lead contact card."""
    role_outside_body: Text
    """The heading of an outside_body contact card."""
    role_support_line: Text
    """The heading of a support_line contact card."""
    role_family_line: Text
    """The heading of a family_line contact card."""
    role_staff_support: Text
    """The heading of a staff_support contact card."""
    for_use_in: Text
    """Back cover, before the jurisdiction's name: "For use in"."""
    form_name: Text
    """The form's name line."""
    form_id: Text
    """The form's ID number line."""
    form_facility: Text
    """The form's site line."""
    form_signature: Text
    """The form's signature line."""
    form_date: Text
    """The form's date line."""
    form_training_date: Text
    """The form's training date line."""
    form_trainer_name: Text
    """The form's trainer name line."""
    form_trainer_signature: Text
    """The form's trainer signature line."""
    form_educator_name: Text
    """The form's educator name line."""
    form_educator_signature: Text
    """The form's educator signature line."""
    form_session_date: Text
    """The form's session date line."""
    form_format: Text
    """The form's line for the format the booklet was given in (print, large print, read aloud, ...)."""
    form_language: Text
    """The form's line for the language the booklet was given in."""
    form_declined: Text
    """The form's line where a staff witness signs when the person declines to sign."""
    sign_here: Text
    """The mark at the signature line."""
    other_formats: Text
    """The inside cover's line about other formats (large print, languages, read aloud)."""
    placeholder: Text
    """The label (a tooltip) on a facility value still tagged !placeholder, which the booklet marks."""
    draft_mark: Text
    """Across every page of a booklet that still shows example (!placeholder) values, in any
    build but a release: "DRAFT — example contacts, not for distribution"."""
    skip_to_content: Text
    """The web edition's skip link, the first thing a keyboard reaches: "Skip to main content"."""
    other_languages: Text
    """The web edition's label for its links to the same booklet in the other languages."""
    readability: Literal["flesch_kincaid", "fernandez_huerta", "szigriszt_pazos", "crawford", "none"] = (
        "flesch_kincaid")
    """The reading-level formula `check` measures this language with: flesch_kincaid (English),
    fernandez_huerta or szigriszt_pazos (Spanish ease scores, read as a grade on their published
    scales), crawford (Spanish grade), or none (not measured). Not printed."""
