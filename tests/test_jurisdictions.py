"""Jurisdictions: each booklet states only the law of the place where it is read.

A scratch project with one facility in England and Wales (north) and one in the United States
(south): sections, sources, words and contact rules that vary by jurisdiction, and every mistake
an author can make with them reported with file, line and key. The shipped booklets are checked
on the PDFs in test_default_booklets.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from booklets.cli.main import main
from booklets.content.load import load_project
from booklets.content.printed import printed_texts
from booklets.content.sections import resolve_sections
from booklets.engine.inputs import input_hashes
from booklets.errors import BookletError
from booklets.plan import plan
from tests.jurisdiction_project import NORTH, SHARED, SOURCES, SOUTH, US, dedent, two_places

Make = Callable[..., Path]


def errors(root: Path) -> list[str]:
    """Every problem loading the project refuses it for, as printed."""
    with pytest.raises(BookletError) as caught:
        load_project(root)
    return [str(p) for p in caught.value.problems]


def line_col(root: Path, rel: str, needle: str) -> tuple[int, int]:
    for number, line in enumerate((root / rel).read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return number, line.index(needle) + 1
    raise AssertionError(f"{needle!r} not in {rel}")


def test_each_facility_gets_its_jurisdictions_wording_and_words(make_project: Make) -> None:
    project = load_project(make_project(two_places()))
    english = project.languages["en"]
    [(_, north), _] = resolve_sections(english, "staff", project.place("north", "en"))
    [(_, south), _] = resolve_sections(english, "staff", project.place("south", "en"))
    assert "Never acceptable in this prison." in north.body and "Crown Court" in (north.local or "")
    assert "Never acceptable in this facility." in south.body and "federal crime" in (south.local or "")
    # Positions stay with the wording: the US text is located in the US entry of shared.yaml.
    assert south.local is not None and getattr(south.local, "key", "") == "zero-tolerance.jurisdictions.us.local"
    assert project.local(project.jurisdictions["us"].name, "en") == "the United States"


def test_missing_wording_for_a_jurisdiction_is_listed_like_a_missing_translation(make_project: Make) -> None:
    ew = "    england-wales:\n      local: |\n        In England and Wales, it is tried in the Crown Court[^ew-law].\n"
    shared = dedent(SHARED).replace(ew, "")
    root = make_project(two_places(**{"content/en/shared.yaml": shared}))
    line, col = line_col(root, "content/en/shared.yaml", "us:")
    assert errors(root) == [
        f"content/en/shared.yaml:{line}:{col}: zero-tolerance.jurisdictions: section 'zero-tolerance' varies by "
        "jurisdiction but has no wording for 'england-wales' (facility 'north' is there); add `england-wales:` "
        "under jurisdictions (`england-wales: {}` if the wording above applies there)"]


def test_a_facility_without_jurisdiction_cannot_print_a_section_that_varies(make_project: Make) -> None:
    root = make_project(two_places(**{"content/facilities/north.yaml": NORTH.replace(
        "        jurisdiction: england-wales\n", "")}))
    line, _ = line_col(root, "content/en/shared.yaml", "us:")
    found = errors(root)
    assert (f"content/facilities/north.yaml:1:7: jurisdiction: facility 'north' declares no jurisdiction, but "
            f"section 'zero-tolerance' varies by jurisdiction (content/en/shared.yaml:{line}); add `jurisdiction: "
            "<id>` (one of: england-wales, us)") in found


def test_a_source_of_one_jurisdiction_cannot_be_cited_in_another(make_project: Make) -> None:
    shared = dedent(SHARED).replace("A fact[^fact-one].", "A fact[^fact-one]. Federal law[^us-law].")
    root = make_project(two_places(**{"content/en/shared.yaml": shared}))
    line, col = line_col(root, "content/en/shared.yaml", "[^us-law]")
    assert errors(root) == [
        f"content/en/shared.yaml:{line}:{col}: zero-tolerance.body: cites [^us-law], a source for us only, in the "
        "'staff' booklet of facility 'north' (jurisdiction 'england-wales'); give this jurisdiction its own "
        "wording (`jurisdictions:`) without it"]


def test_unknown_jurisdictions_and_missing_files(make_project: Make) -> None:
    shared = dedent(SHARED).replace("  england-wales:\n", "  england-wale:\n")
    sources = dedent(SOURCES).replace("jurisdictions: [us]", "jurisdictions: [usa]")
    root = make_project(two_places(**{"content/en/shared.yaml": shared, "content/en/sources.yaml": sources}))
    found = errors(root)
    line, col = line_col(root, "content/en/shared.yaml", "england-wale:")
    assert (f"content/en/shared.yaml:{line}:{col}: zero-tolerance.jurisdictions.england-wale: unknown jurisdiction "
            "'england-wale'; did you mean 'england-wales'?") in found
    line, col = line_col(root, "content/en/sources.yaml", "usa")
    assert (f"content/en/sources.yaml:{line}:{col}: us-law.jurisdictions[0]: unknown jurisdiction 'usa'; did you "
            "mean 'us'?") in found
    root = make_project(two_places(**{"content/jurisdictions/us.yaml": None}))
    line, col = line_col(root, "content/facilities/south.yaml", "us")
    assert errors(root) == [
        f"content/facilities/south.yaml:{line}:{col}: jurisdiction: jurisdiction 'us' has no file "
        "content/jurisdictions/us.yaml; create it or use one of: england-wales"]


def test_a_word_the_jurisdiction_does_not_define_is_an_error(make_project: Make) -> None:
    shared = dedent(SHARED).replace("Never acceptable in this {{prison}}.", "Tell the {{Lead}} in this {{prison}}.")
    root = make_project(two_places(**{"content/en/shared.yaml": shared}))
    line, col = line_col(root, "content/en/shared.yaml", "{{Lead}}")
    assert (f"content/en/shared.yaml:{line}:{col}: zero-tolerance.body: {{{{lead}}}} has no word for facility "
            "'north'; add `lead:` under words in content/jurisdictions/england-wales.yaml") in errors(root)


def test_what_a_jurisdiction_requires_of_a_contact(make_project: Make) -> None:
    south = dedent(SOUTH).replace(', address: ["PO Box 1", "Southtown"]', "")
    root = make_project(two_places(**{"content/facilities/south.yaml": south}))
    line, col = line_col(root, "content/facilities/south.yaml", '"South support line"')
    rule, _ = line_col(root, "content/jurisdictions/us.yaml", "support_line: [phone, address]")
    assert errors(root) == [
        f"content/facilities/south.yaml:{line}:{col}: contacts.support_line: jurisdiction 'us' requires the "
        f"'support_line' contact to give its address (content/jurisdictions/us.yaml:{rule}); add `address:`"]


def test_another_countrys_law_in_a_booklet_is_a_check_error(make_project: Make,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    shared = dedent(SHARED).replace("A fact[^fact-one].", "A fact[^fact-one]. Ask the Crown Court.")
    root = make_project(two_places(**{"content/en/shared.yaml": shared}))
    capsys.readouterr()
    assert main(["check", "--project", str(root), "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    [finding] = [f for f in report["findings"] if f["check"] == "jurisdiction"]
    line, col = line_col(root, "content/en/shared.yaml", "Crown Court.")
    assert (finding["file"], finding["line"], finding["column"], finding["key"]) == (
        "content/en/shared.yaml", line, col, "zero-tolerance.body")
    assert finding["message"] == (
        "'Crown Court' is on the avoid list of content/jurisdictions/us.yaml for 'en': the booklets of facility "
        "'south' must not state it (the courts of England and Wales)")
    # Each facility's booklet is measured with its own wording: one reading-level row per facility.
    assert {(g["audience"], g["facility"]) for g in report["grades"]} == {("staff", "north"), ("staff", "south")}


def test_printed_texts_follow_the_facility(make_project: Make) -> None:
    project = load_project(make_project(two_places()))
    north = " ".join(p.text for p in printed_texts(project, "en", "staff", "north"))
    south = " ".join(p.text for p in printed_texts(project, "en", "staff", "south"))
    assert "Crown Court" in north and "federal crime" not in north and "North Site" in north
    assert "federal crime" in south and "Crown Court" not in south and "South inside line" in south


def test_a_jurisdiction_file_is_an_input_of_its_facilitys_booklets_only(make_project: Make) -> None:
    root = make_project(two_places())
    targets = plan(load_project(root).booklet)
    before = input_hashes(root, targets, {})
    path = root / "content/jurisdictions/us.yaml"
    path.write_text(dedent(US).replace("prison: {en: facility}", "prison: {en: jail}"), encoding="utf-8")
    after = input_hashes(root, targets, {})
    changed = {t.facility for t in targets if before[t] != after[t]}
    assert changed == {"south"}


def test_a_law_s_paragraph_letters_stay_letters() -> None:
    # Markdown's typographer once printed "§115.32(c)" as "§115.32©" in every US booklet.
    from booklets.content.markup import make_markdown

    html = make_markdown().renderInline("§115.32(c), §2243(b), (r) and (tm); \"quoted\"")
    assert "§115.32(c), §2243(b), (r) and (tm)" in html and "©" not in html and "®" not in html
    assert "“quoted”" in html  # curly quotes are kept
