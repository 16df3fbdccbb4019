"""The shipped content: every default English booklet, as a reader of the PDF sees it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from booklets.content.load import load_project
from booklets.content.sections import resolve_sections
from tests.pdfread import all_text, catalog, fonts, outline, page_texts, reader, toc_entries, without_draft_mark

REPO = Path(__file__).resolve().parent.parent
PROJECT = load_project(REPO)
AUDIENCES = PROJECT.booklet.audiences
FACILITY = PROJECT.booklet.facilities[0]
PLACE = PROJECT.place(FACILITY, "en")


def pdf(dist: Path, audience: str, edition: str = "screen", lang: str = "en") -> Path:
    return dist / FACILITY / lang / f"{audience}-{edition}.pdf"


def test_the_five_audiences_of_the_brief_are_built(default_build: Path) -> None:
    assert set(AUDIENCES) == {"staff", "residents", "families", "volunteers", "supervisors"}
    for audience in AUDIENCES:
        for edition in PROJECT.booklet.editions:
            if edition in PROJECT.web_editions():  # its booklet is a web page (tests/test_web.py)
                assert (default_build / FACILITY / "en" / f"{audience}.html").stat().st_size > 10_000
            else:
                assert pdf(default_build, audience, edition).stat().st_size > 10_000


@pytest.mark.parametrize("audience", AUDIENCES)
def test_metadata_title_author_lang(default_build: Path, audience: str) -> None:
    path = pdf(default_build, audience)
    meta = reader(path).metadata
    title = PROJECT.languages["en"].audiences[audience].title
    assert meta is not None
    assert meta.title is not None and meta.title.startswith(title)
    assert meta.author == PROJECT.local(PROJECT.booklet.organisation, "en")
    assert catalog(path)["/Lang"] == "en"


@pytest.mark.parametrize("audience", AUDIENCES)
def test_outline_has_every_section(default_build: Path, audience: str) -> None:
    titles = [title for title, _ in outline(pdf(default_build, audience))]
    for _, section in resolve_sections(PROJECT.languages["en"], audience, PLACE):
        assert section.title in titles


@pytest.mark.parametrize("audience", AUDIENCES)
@pytest.mark.parametrize("edition", ["screen", "print", "large-print"])
def test_all_fonts_embedded(default_build: Path, audience: str, edition: str) -> None:
    used = fonts(pdf(default_build, audience, edition))
    assert used, "no fonts found"
    assert all(f["embedded"] for f in used.values()), used
    assert all("Source-Sans-Pro" in name for name in used), used  # the packaged font, nothing from the system


@pytest.mark.parametrize("audience", AUDIENCES)
@pytest.mark.parametrize("edition", ["screen", "print", "large-print"])
def test_contents_page_numbers_are_where_sections_start(default_build: Path, audience: str, edition: str) -> None:
    path = pdf(default_build, audience, edition)
    texts = page_texts(path)
    entries = toc_entries(path)
    sections = resolve_sections(PROJECT.languages["en"], audience, PLACE)
    assert len(entries) >= len(sections)
    bookmarks = dict(outline(path))
    for (_, section), (toc_title, printed) in zip(sections, entries, strict=False):
        assert section.title.startswith(toc_title[:20])
        # the printed number is the physical page, and the section's heading is on it (sections
        # flow: a page may hold the end of one and the start of the next)
        assert bookmarks[section.title] == printed
        page = " ".join(without_draft_mark(texts[printed - 1]).split())
        assert " ".join(section.title.split()[:3]) in page, (section.title, printed)


HARMS = {
    "staff": [
        "psychological trauma",
        "loss of trust",
        "re-traumatisation",
        "rehabilitation",
        "power imbalance",
        "other people in custody",
        "legal and professional consequences",
        "re-entry",
    ],
}


@pytest.mark.parametrize("audience", ["staff", "residents"])
def test_the_eight_harms_appear(default_build: Path, audience: str) -> None:
    text = " ".join(all_text(pdf(default_build, audience)).split()).lower()
    shared = PROJECT.languages["en"].shared["eight-harms"]
    variant = shared.variants.get(audience)
    body = variant.body if variant is not None and variant.body else shared.body
    # Each harm is a numbered item whose name is in bold: all eight names must reach the reader.
    names = [
        line.split("**")[1].rstrip(".").lower()
        for line in body.splitlines()
        if line.strip()[:2].rstrip(".").isdigit() and "**" in line
    ]
    assert len(names) == 8, names
    for name in names:
        assert " ".join(name.split()) in text
    if audience in HARMS:
        for harm in HARMS[audience]:
            assert harm in text


def test_no_placeholder_language_leaks_into_text(default_build: Path) -> None:
    for audience in AUDIENCES:
        text = all_text(pdf(default_build, audience)).lower()
        assert "lorem" not in text and "todo" not in text
        if audience == "residents":
            assert "inmate" not in text


# -- issue 15: content a compliance lead would sign, read off the built PDFs ----------------------

def every_pdf(dist: Path, facility: str, lang: str | None = None) -> list[Path]:
    b = PROJECT.booklet
    return [dist / facility / language / f"{audience}-{edition}.pdf"
            for language in b.languages if lang is None or language == lang
            for audience in b.audiences for edition in b.editions
            if edition not in PROJECT.web_editions()]  # web pages: tests/test_web.py


def flat(path: Path) -> str:
    """A PDF's text as a reader sees it, whitespace collapsed (line breaks inside a phrase too)."""
    return " ".join(all_text(path).split())


# Names of one country's law, courts and bodies that must never reach a booklet for the other.
US_LAW = ["PREA", "Prison Rape Elimination", "28 CFR", "U.S.C.", "Bureau of Justice Statistics", "BJS",
          "Oficina de Estadísticas de Justicia", "Código de los Estados Unidos"]
EW_LAW = ["misconduct in public office", "Crown Court", "Ministry of Justice", "CPS", "Crown Prosecution",
          "cargo público", "Tribunal de la Corona", "Fiscalía de la Corona", "Ministerio de Justicia"]


def test_two_example_facilities_in_two_jurisdictions_are_built_by_default() -> None:
    places = {fid: PROJECT.facilities[fid].jurisdiction for fid in PROJECT.booklet.facilities}
    assert sorted(str(j) for j in places.values()) == ["england-wales", "us"]


def test_each_booklet_states_only_the_law_where_it_is_read(default_build: Path) -> None:
    for fid in PROJECT.booklet.facilities:
        jurisdiction = PROJECT.facilities[fid].jurisdiction
        foreign, own = (EW_LAW, US_LAW) if jurisdiction == "us" else (US_LAW, EW_LAW)
        for pdf in every_pdf(default_build, fid):
            text = flat(pdf)
            leaked = [name for name in foreign if re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text)]
            assert leaked == [], (pdf, leaked)
        # The check can fail: the staff booklet states this jurisdiction's own law.
        for lang in PROJECT.booklet.languages:
            text = flat(pdf_of(default_build, fid, lang, "staff"))
            assert any(name in text for name in own), (fid, lang)


def pdf_of(dist: Path, facility: str, lang: str, audience: str, edition: str = "screen") -> Path:
    return dist / facility / lang / f"{audience}-{edition}.pdf"


def test_prea_is_spelled_out_before_its_first_use(default_build: Path) -> None:
    names = {"en": "Prison Rape Elimination Act", "es": "Ley de Eliminación de la Violación en Prisiones"}
    for lang, name in names.items():
        for audience in AUDIENCES:
            text = flat(pdf_of(default_build, "example-us", lang, audience))
            assert 0 <= text.find(name) < text.find("PREA"), (lang, audience)


def test_every_contact_the_text_refers_to_is_printed_in_that_booklet(default_build: Path) -> None:
    from booklets.content.printed import booklet_roles, contact_refs, printed_texts

    for fid in PROJECT.booklet.facilities:
        facility = PROJECT.facilities[fid]
        for lang in PROJECT.booklet.languages:
            for audience in AUDIENCES:
                place = PROJECT.place(fid, lang)
                sections = resolve_sections(PROJECT.languages[lang], audience, place)
                referred = {r for _, s in sections for r in s.contacts}
                referred |= {r for p in printed_texts(PROJECT, lang, audience, fid) for r in contact_refs(p.text)}
                assert referred <= set(booklet_roles(PROJECT, lang, audience, fid))
                for edition in PROJECT.booklet.editions:
                    if edition in PROJECT.web_editions():  # web pages: tests/test_web.py
                        continue
                    text = flat(pdf_of(default_build, fid, lang, audience, edition))
                    for role in referred:
                        contact = facility.contacts[role]  # type: ignore[index]
                        for value in (contact.name, contact.phone, *(contact.address or [])):
                            shown = " ".join(str(PROJECT.local(value, lang) or "").split())
                            shown = re.sub(r"\[([^\]]*)\]\{lang=[a-z-]+\}", r"\1", shown)
                            assert shown in text, (fid, lang, audience, edition, role, shown)


def test_outside_support_gives_an_address_and_says_how_far_calls_are_monitored(default_build: Path) -> None:
    """§115.53: residents are told they can call or write to outside support: both are printed."""
    for fid in PROJECT.booklet.facilities:
        support = PROJECT.facilities[fid].contacts["support_line"]
        assert support.address and support.phone
        text = flat(pdf_of(default_build, fid, "en", "residents"))
        assert "call it or write to it" in text
        assert " ".join(str(PROJECT.local(support.address[-1], "en")).split()) in text
        assert str(PROJECT.local(PROJECT.facilities[fid].calls_monitored, "en")).split(".")[0] in text


# English the Spanish booklets must not print outside a span marked as English. Two measures:
# every English text of the content (facility and organisation values, template strings, section
# titles, contact names) must be absent, and no word of a list of common English words that are not
# Spanish words may appear once the marked English phrases are taken out. What this proves: no
# English sentence, label or name written in the English files leaks into a Spanish PDF, and no
# stray English function word remains. What it cannot prove: that a proper name with no English
# function word in it ("Exampletown") was meant to stay in English.
ENGLISH_WORDS = {
    "the", "and", "of", "to", "with", "for", "your", "you", "this", "that", "is", "are", "from", "or",
    "not", "call", "line", "report", "staff", "phone", "any", "time", "inside", "outside", "support",
    "body", "centre", "center", "officer", "extension", "who", "what", "when", "will", "can", "may",
    "must", "have", "has", "be", "it", "on", "by", "at", "an", "if", "we", "our", "they", "their", "which",
    "would", "should", "been", "was", "were", "into", "only", "also", "about", "after", "before", "there",
    "here", "free", "write", "unit", "training", "facility", "correctional", "reporting", "safeguarding",
    "lead", "family", "families", "friends", "people", "custody", "prison", "sign", "page", "contents",
    "revision", "effective", "notes", "sources", "date", "name", "signature", "witness", "declined",
}


def marked_english() -> list[str]:
    """The phrases the Spanish content marks as English: `[words]{lang=en}`."""
    found: list[str] = []
    for path in sorted((REPO / "content").rglob("*.yaml")):
        found += re.findall(r"\[([^\]]+)\]\{lang=en\}", path.read_text(encoding="utf-8"))
    return sorted(set(found), key=len, reverse=True)


def english_texts() -> set[str]:
    """Every text of the English content that the Spanish content says differently (a value the
    same in both, or the same but marked English, is a name that stays in English)."""
    import yaml

    def unmarked(text: object) -> str:
        return re.sub(r"\[([^\]]*)\]\{lang=[a-z-]+\}", r"\1", str(text or ""))

    out: set[str] = set()
    en = yaml.safe_load((REPO / "content/en/strings.yaml").read_text(encoding="utf-8"))
    es = yaml.safe_load((REPO / "content/es/strings.yaml").read_text(encoding="utf-8"))
    out |= {v for k, v in en.items() if isinstance(v, str) and v != es.get(k) and len(v) > 3 and k != "locale"}
    values: list[object] = [PROJECT.booklet.organisation, *(f.name for f in PROJECT.facilities.values())]
    for facility in PROJECT.facilities.values():
        values += [*facility.address, facility.calls_monitored]
        for contact in facility.contacts.values():
            values += [contact.name, contact.note, contact.hours, contact.phone, *(contact.address or [])]
    out |= {str(v["en"]) for v in values if isinstance(v, dict) and unmarked(v.get("es")) != unmarked(v.get("en"))}
    for audience in AUDIENCES:
        for _, section in resolve_sections(PROJECT.languages["en"], audience, PLACE):
            out.add(str(section.title))
    return {" ".join(t.split()) for t in out}


def words_of(text: str) -> set[str]:
    """Lower-case words of a text (accented letters included), e-mail addresses left out."""
    return {w.lower() for w in re.findall(r"[^\W\d_]+(?:'[^\W\d_]+)?", re.sub(r"\S+@\S+", " ", text))}


def test_spanish_booklets_print_no_english_outside_marked_spans(default_build: Path) -> None:
    marked, english = marked_english(), english_texts()
    assert "Bureau of Justice Statistics" in marked  # the content does quote English names, marked
    for fid in PROJECT.booklet.facilities:
        for pdf in every_pdf(default_build, fid, "es"):
            text = flat(pdf)
            assert [t for t in english if re.search(rf"(?<!\w){re.escape(t)}(?!\w)", text)] == [], pdf
            assert PROJECT.local(PROJECT.booklet.organisation, "es") == reader(pdf).metadata.author
            for phrase in marked:
                text = text.replace(" ".join(phrase.split()), " ")
            assert sorted(words_of(text) & ENGLISH_WORDS) == [], pdf
    # The measure can fail: an English booklet trips both.
    text = flat(pdf_of(default_build, FACILITY, "en", "residents"))
    assert len(words_of(text) & ENGLISH_WORDS) > 20


def test_forms_document_what_the_standards_ask(default_build: Path) -> None:
    for audience in ("staff", "volunteers", "supervisors"):
        text = flat(pdf_of(default_build, FACILITY, "en", audience))
        title = PROJECT.languages["en"].audiences[audience].form.title  # type: ignore[union-attr]
        form = text[text.rindex(title):]
        for label in ("Name", "ID number", "Site", "Training date", "Format used", "Language used", "Trainer",
                      "Trainer's signature", "Signature", "Date"):
            assert label in form, (audience, label)
    text = flat(pdf_of(default_build, FACILITY, "en", "residents"))
    form = text[text.rindex("Receipt and education session"):]
    assert "or offered to" not in text
    for label in ("I got a copy of this booklet.", "Part 2: the education session", "Session date", "Educator",
                  "Educator's signature", "Format used", "Language used"):
        assert label in form, label
    assert form.count("Declined to sign: staff witness") == 2  # one for each record
