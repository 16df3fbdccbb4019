"""`check` and `check --pdf`: each problem injected into a scratch project is reported where it is.

Content checks run on scratch projects (fast: nothing is rendered). The PDF preflight builds one
small scratch project in three editions once per module and damages copies of its PDFs.
"""

from __future__ import annotations

import json
import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pikepdf
import pytest

from booklets.check.content import check_content
from booklets.check.readability import FORMULAS, grade, sentences, split_sentences
from booklets.cli.main import main
from booklets.content.load import load_project
from tests.scratch import BOOKLET, MINIMAL, REPO, append, change, edit, shipped, write_project

Make = Callable[..., Path]

RESIDENTS = """\
    name: People in custody
    title: Your right to be safe
    summary: How to get help.
    reading_grade: 6
    sections:
      - id: your-rights
        title: Your rights
        body: |
          You have the right to be safe. Staff may never touch you.

          {para}
    """
HARD = ("Notwithstanding institutional considerations, administrative investigations "
        "concerning allegations of inappropriate interpersonal relationships necessitate "
        "comprehensive documentation, confidential consultation with designated safeguarding "
        "professionals, and meticulous adherence to procedural obligations established by "
        "organisational governance frameworks.")
LARGE_CITES = "\nsup.cite { font-size: 1em; vertical-align: baseline; line-height: inherit; }\n"
BOOKLET_TWO = MINIMAL["content/booklet.yaml"].replace("audiences: [staff]", "audiences: [staff, residents]")


def run(capsys: pytest.CaptureFixture[str], root: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    """`check --format json` on a project: exit status and the parsed report."""
    capsys.readouterr()
    status = main(["check", "--project", str(root), "--format", "json", *extra])
    out = capsys.readouterr().out
    return status, json.loads(out) if out.strip().startswith("{") else {}


def findings(report: dict[str, Any], check: str) -> list[dict[str, Any]]:
    return [f for f in report["findings"] if f["check"] == check]


def line_of(root: Path, rel: str, needle: str) -> tuple[int, int]:
    """1-based line and column of the first occurrence of `needle` in a project file."""
    for number, line in enumerate((root / rel).read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return number, line.index(needle) + 1
    raise AssertionError(f"{needle!r} not in {rel}")


# -- content: a clean project, the shipped content, the output formats ----------------------------

def test_clean_scratch_project_passes_and_reports_its_grade(make_project: Make, capsys) -> None:
    status, report = run(capsys, make_project())
    assert status == 0, report["findings"]
    assert report["ok"] and report["errors"] == 0
    [staff] = report["grades"]
    assert staff["audience"] == "staff" and staff["target"] == 10 and staff["ok"]
    assert staff["formula"] == "Flesch–Kincaid grade"
    # Every text a reader sees is measured: the cover, the sections, the form, the contact notes.
    assert {s["section"] for s in staff["sections"]} == {
        "cover", "zero-tolerance", "how-to-report", "form", "contacts", "booklet"}
    assert staff["facility"] == "north"


def test_shipped_content_passes_strict_with_each_audiences_grade_shown(capsys) -> None:
    project = load_project(REPO)
    status, report = run(capsys, REPO, "--strict")
    errors = [f"{f['where']} {f['key']}: {f['message']}" for f in report["findings"]
              if f["severity"] == "error"]
    assert status == 0, "\n".join(errors)
    shown = {(g["language"], g["audience"], g["facility"]) for g in report["grades"]}
    assert shown == {(lang, aid, fid) for lang in project.booklet.languages for aid in project.booklet.audiences
                     for fid in project.booklet.facilities}
    for g in report["grades"]:
        assert 0 < g["grade"] <= g["target"], g
        assert g["worst_section"]["grade"] <= g["target"]
    # The table a coordinator reads names every audience with its measured grade.
    capsys.readouterr()
    assert main(["check", "--project", str(REPO), "--strict"]) == 0
    table = capsys.readouterr().out
    for g in report["grades"]:
        row = next(line for line in table.splitlines()
                   if line.split()[:3] == [g["language"], g["audience"], g["facility"]])
        assert f"{g['grade']:g}" in row and f"{g['worst_section']['grade']:g}" in row


def test_table_output_names_location_and_exit_status_one(make_project: Make, capsys) -> None:
    root = make_project({"content/en/shared.yaml": MINIMAL["content/en/shared.yaml"].replace(
        "A fact[^fact-one].", "A fact[^fact-one]. About 58% of reports were about staff.")})
    assert main(["check", "--project", str(root)]) == 1
    out = capsys.readouterr().out
    line, col = line_of(root, "content/en/shared.yaml", "58%")
    assert f"content/en/shared.yaml:{line}:{col}" in out
    assert "uncited-figure" in out and "1 error," in out


def test_unusable_input_exits_two_without_traceback(make_project: Make, capsys) -> None:
    root = make_project({"content/en/audiences/staff.yaml": "name: [unclosed\n"})
    assert main(["check", "--project", str(root)]) == 2
    err = capsys.readouterr().err
    assert "content/en/audiences/staff.yaml:" in err and "Traceback" not in err
    assert main(["check", "--project", str(make_project()), "--audience", "nobody"]) == 2
    assert "--audience 'nobody' is not in content/booklet.yaml" in capsys.readouterr().err


# -- reading level and long sentences -------------------------------------------------------------

def test_hard_paragraph_in_residents_booklet_is_an_error_at_its_section(make_project: Make, capsys) -> None:
    root = make_project({"content/booklet.yaml": BOOKLET_TWO,
                         "content/en/audiences/residents.yaml": RESIDENTS.format(para=HARD)})
    status, report = run(capsys, root)
    assert status == 1
    [finding] = [f for f in findings(report, "reading-level") if f["severity"] == "error"]
    line, col = line_of(root, "content/en/audiences/residents.yaml", "body: |")
    assert (finding["file"], finding["line"], finding["column"]) == (
        "content/en/audiences/residents.yaml", line, col + len("body: "))
    assert finding["key"] == "sections[0].body"
    assert "section 'your-rights' reads at grade" in finding["message"]
    assert "'People in custody' target of 6" in finding["message"]
    assert "Notwithstanding" in finding["message"]  # the hardest sentence is quoted
    residents = next(g for g in report["grades"] if g["audience"] == "residents")
    assert not residents["ok"] and residents["worst_section"]["section"] == "your-rights"
    assert residents["worst_section"]["grade"] > 12
    # the staff booklet in the same run is unaffected
    assert next(g for g in report["grades"] if g["audience"] == "staff")["ok"]
    # 30 words in one sentence: a long-sentence warning too, at the sentence's own line
    [long] = findings(report, "long-sentence")
    assert long["severity"] == "warning" and long["line"] == line_of(
        root, "content/en/audiences/residents.yaml", "Notwithstanding")[0]


def test_long_easy_sentence_warns_and_fails_only_with_strict(make_project: Make, capsys) -> None:
    long = " ".join(["we"] * 14 + ["can", "help", "you", "and", "you", "can", "ask", "us", "when",
                                   "you", "want", "to", "talk"]) + "."
    short = " ".join(["You are safe here."] * 12)
    root = make_project({"content/booklet.yaml": BOOKLET_TWO,
                         "content/en/audiences/residents.yaml": RESIDENTS.format(
                             para=f"{short} {long.capitalize()}")})
    status, report = run(capsys, root)
    assert status == 0, report["findings"]
    [warning] = findings(report, "long-sentence")
    assert warning["severity"] == "warning" and "sentence of 27 words" in warning["message"]
    assert (warning["line"], warning["column"]) == line_of(
        root, "content/en/audiences/residents.yaml", "We we we")
    status, report = run(capsys, root, "--strict")
    assert status == 1 and findings(report, "long-sentence")[0]["severity"] == "error"
    # staff (target 10) reads the same shared sections but gets no long-sentence check
    assert all(f["file"].endswith("residents.yaml") for f in findings(report, "long-sentence"))


def test_sentences_split_like_a_reader_reads() -> None:
    text = textwrap.dedent("""\
        Under 18 U.S.C. §2243(b), it is a crime.[^usc] **Ask.** Then e.g. Smith can help.

        You can tell:

        - a member of staff
        - the outside line
        """)
    assert [s for _, s in split_sentences(text)] == [
        "Under 18 U.S.C. §2243(b), it is a crime.[^usc]", "**Ask.**", "Then e.g. Smith can help.",
        "You can tell:", "a member of staff", "the outside line"]
    found = sentences(text, "en_GB")
    assert [s.words for s in found] == [8, 1, 5, 3, 4, 3]  # "§2243(b)," is one word
    # one-syllable short sentences read easier than long polysyllabic ones, by every formula
    easy, hard = sentences("You are safe. We can help.", "en_GB"), sentences(HARD, "en_GB")
    for name in FORMULAS:
        assert grade(name, easy) < grade(name, hard)


def test_spanish_formula_is_declared_in_yaml(make_project: Make, capsys) -> None:
    strings = "".join(line for line in (REPO / "content/en/strings.yaml").read_text(encoding="utf-8")
                      .splitlines(keepends=True) if not line.startswith("readability:"))
    spanish_body = ("Tienes derecho a estar a salvo. El personal nunca puede tener una relación "
                    "contigo. No es tu culpa. Puedes pedir ayuda en todo momento.")
    files = {
        "content/booklet.yaml": MINIMAL["content/booklet.yaml"].replace("languages: [en]", "languages: [es]"),
        "content/es/strings.yaml": strings.replace("locale: en_GB", "locale: es_ES")
        + "readability: fernandez_huerta\n",
        "content/es/sources.yaml": MINIMAL["content/en/sources.yaml"],
        "content/es/shared.yaml": MINIMAL["content/en/shared.yaml"].replace(
            "Never acceptable. A fact[^fact-one].", spanish_body + "[^fact-one]"),
        "content/es/audiences/staff.yaml": MINIMAL["content/en/audiences/staff.yaml"],
        "content/facilities/north.yaml": MINIMAL["content/facilities/north.yaml"],
    }
    root = make_project(files)
    status, report = run(capsys, root)
    assert status == 0, report["findings"]
    [g] = report["grades"]
    assert (g["language"], g["formula"]) == ("es", "Fernández-Huerta")
    assert not findings(report, "placeholder")  # "todo" is Spanish for "all", not a TODO
    # without the setting, Spanish is measured with an English formula: said so, as a warning
    files["content/es/strings.yaml"] = strings.replace("locale: en_GB", "locale: es_ES")
    status, report = run(capsys, make_project(files), "--strict")
    assert status == 1
    [w] = [f for f in findings(report, "reading-level") if f["key"] == "readability"]
    assert w["file"] == "content/es/strings.yaml" and "fernandez_huerta" in w["message"]


def test_ease_scores_read_as_grades_on_their_published_scales() -> None:
    fh = FORMULAS["fernandez_huerta"].to_grade
    sp = FORMULAS["szigriszt_pazos"].to_grade
    assert (fh(95), fh(80), fh(70), fh(65), fh(20)) == (3.5, 5, 6, 7, 15)
    assert (sp(80), sp(65), sp(60), sp(40), sp(-10)) == (4, 6, 8, 12, 16)


# -- figures and sources --------------------------------------------------------------------------

@pytest.mark.parametrize(("figure", "match"), [
    ("58%", "58%"), ("24,661", "24,661"), ("up to 15 years", "15 years"), ("in 2015", "2015"),
    ("1 in 4", "1 in 4")])
def test_uncited_figure_is_an_error_at_the_figure(make_project: Make, capsys, figure: str,
                                                  match: str) -> None:
    body = f"Tell someone. It happened {figure} of cases, they say."
    root = make_project({"content/en/audiences/staff.yaml": MINIMAL["content/en/audiences/staff.yaml"]
                         .replace("Tell someone.", body)})
    status, report = run(capsys, root)
    assert status == 1
    [finding] = findings(report, "uncited-figure")
    assert (finding["file"], finding["line"], finding["column"]) == (
        "content/en/audiences/staff.yaml", *line_of(root, "content/en/audiences/staff.yaml", match))
    assert f"figure {match!r} has no source" in finding["message"]
    assert finding["key"] == "sections[1].body"


def test_cited_figures_laws_and_phone_numbers_pass(make_project: Make, capsys) -> None:
    body = ("Tell someone. About 58% of reports were about staff.[^fact-one] In 2015, 24,661 were "
            "made [^fact-one]. Under 18 U.S.C. §2243(b) it is a crime. Call 0800 555 1234. In "
            "2024/25, 42 officers were investigated. The reason was a relationship [^fact-one].")
    root = make_project({"content/en/audiences/staff.yaml": MINIMAL["content/en/audiences/staff.yaml"]
                         .replace("Tell someone.", body)})
    status, report = run(capsys, root)
    assert status == 0 and not findings(report, "uncited-figure"), report["findings"]


def test_figure_in_shared_variant_is_located_in_the_variant(make_project: Make, capsys) -> None:
    shared = MINIMAL["content/en/shared.yaml"].replace(
        'staff: {title: "Zero tolerance for staff"}',
        'staff: {title: "Zero tolerance for staff", body: "It is wrong. In 2015 it got worse."}')
    root = make_project({"content/en/shared.yaml": shared})
    status, report = run(capsys, root)
    [finding] = findings(report, "uncited-figure")
    assert status == 1 and finding["key"] == "zero-tolerance.variants.staff.body"
    assert (finding["line"], finding["column"]) == line_of(root, "content/en/shared.yaml", "2015")


def test_unknown_source_is_reported_by_load_and_by_check(make_project: Make, capsys) -> None:
    root = make_project({"content/en/shared.yaml": MINIMAL["content/en/shared.yaml"].replace(
        "[^fact-one]", "[^fact-on]")})
    assert main(["check", "--project", str(root)]) == 2  # load_project refuses it first
    assert "cites unknown source [^fact-on]; did you mean [^fact-one]?" in capsys.readouterr().err
    # check itself stays robust if handed a project whose source list lacks a cited id
    project = load_project(make_project())
    project.languages["en"].sources.pop("fact-one")
    report = check_content(project).finish(strict=False)
    [finding] = [f for f in report.findings if f.check == "unknown-source"]
    assert finding.severity == "error" and finding.file == "content/en/shared.yaml"
    assert (finding.line, finding.column) == line_of(project.root, "content/en/shared.yaml", "[^fact-one]")
    assert finding.key == "zero-tolerance.body"


def test_unused_source_warns_at_its_declaration(make_project: Make, capsys) -> None:
    root = make_project({"content/en/sources.yaml": MINIMAL["content/en/sources.yaml"]
                         + 'never-cited: {text: "A report nobody cites, 2021."}\n'})
    status, report = run(capsys, root)
    [finding] = findings(report, "unused-source")
    assert status == 0 and finding["severity"] == "warning"
    assert (finding["file"], finding["line"], finding["key"]) == (
        "content/en/sources.yaml", 2, "never-cited")
    assert run(capsys, root, "--strict")[0] == 1


# -- placeholders, alt text, links ----------------------------------------------------------------

def test_placeholder_is_reported_and_fails_only_with_release(make_project: Make, capsys) -> None:
    facility = MINIMAL["content/facilities/north.yaml"].replace(
        'phone: "0100 000 001"', 'phone: !placeholder "0000 000 000"')
    root = make_project({"content/facilities/north.yaml": facility})
    status, report = run(capsys, root, "--strict")
    [finding] = findings(report, "placeholder")
    assert status == 0 and finding["severity"] == "notice"
    assert (finding["file"], finding["key"]) == ("content/facilities/north.yaml", "contacts.internal_line.phone")
    assert (finding["line"], finding["column"]) == line_of(root, "content/facilities/north.yaml", "!placeholder")
    status, report = run(capsys, root, "--release")
    assert status == 1 and findings(report, "placeholder")[0]["severity"] == "error"


def test_todo_left_in_text_is_a_placeholder(make_project: Make, capsys) -> None:
    root = make_project({"content/en/audiences/staff.yaml": MINIMAL["content/en/audiences/staff.yaml"]
                         .replace("Sign below.", "Sign below. TODO add the witness line.")})
    status, report = run(capsys, root, "--release")
    [finding] = findings(report, "placeholder")
    assert status == 1 and finding["key"] == "form.intro"
    assert (finding["line"], finding["column"]) == line_of(root, "content/en/audiences/staff.yaml", "TODO")


def test_missing_alt_text_is_an_error(make_project: Make, capsys) -> None:
    staff = MINIMAL["content/en/audiences/staff.yaml"].replace(
        "callout: {title:", 'image: {src: pic.png, alt: " "}\n' + " " * 12 + "callout: {title:")
    staff = staff.replace("Tell someone.", "Tell someone. ![](pic.png)")
    root = make_project({"content/en/audiences/staff.yaml": staff})
    (root / "content/assets").mkdir(parents=True, exist_ok=True)
    shutil.copy(next((REPO / "templates").rglob("*.css")), root / "content/assets/pic.png")
    change(root, {"templates/partials/cover.html.j2": append('<img src="logo.png">\n')})
    template = root / "templates/partials/cover.html.j2"
    status, report = run(capsys, root)
    assert status == 1
    by_file = {f["file"]: f for f in findings(report, "alt-text")}
    image = by_file["content/en/audiences/staff.yaml"]
    assert image["key"] in {"sections[1].image.alt", "sections[1].body"}
    keys = {f["key"] for f in findings(report, "alt-text") if f["file"].endswith("staff.yaml")}
    assert keys == {"sections[1].image.alt", "sections[1].body"}
    alt_line = line_of(root, "content/en/audiences/staff.yaml", "image:")[0]
    assert any(f["line"] == alt_line for f in findings(report, "alt-text"))
    cover = by_file["templates/partials/cover.html.j2"]
    assert cover["line"] == len(template.read_text(encoding="utf-8").splitlines())


def test_broken_internal_link_is_an_error_with_a_suggestion(make_project: Make, capsys) -> None:
    body = ("Tell someone. See [how to report](#s-how-to-reprot), [the sources](#sources), "
            "[the form](#form) and [zero tolerance](#s-zero-tolerance).")
    root = make_project({"content/en/audiences/staff.yaml": MINIMAL["content/en/audiences/staff.yaml"]
                         .replace("Tell someone.", body)})
    status, report = run(capsys, root)
    [finding] = findings(report, "broken-link")
    assert status == 1 and finding["key"] == "sections[1].body"
    assert "'#s-how-to-reprot' leads nowhere in the 'Staff' booklet" in finding["message"]
    assert "did you mean #s-how-to-report?" in finding["message"]
    assert (finding["line"], finding["column"]) == line_of(
        root, "content/en/audiences/staff.yaml", "[how to report]")


# -- PDF preflight --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scratch project built in screen, print and large print (staff only), once per module."""
    root = write_project(tmp_path_factory.mktemp("preflight") / "project", {
        BOOKLET: edit("editions: [screen]", "editions: [screen, print, large-print]"),
        **{f"content/editions/{e}.yaml": shipped(f"content/editions/{e}.yaml")
           for e in ("screen", "print", "large-print")},
        # Citation numbers at full size in large print, as the editions work sets them; the shipped
        # templates are checked as they are by the shipped-content test.
        "templates/editions/large-print.css": append(LARGE_CITES),
    })
    assert main(["--project", str(root)]) == 0
    return root


@pytest.fixture
def copy_of(built: Path, tmp_path: Path) -> Path:
    """A throwaway copy of the built project, to damage."""
    root = tmp_path / "copy"
    shutil.copytree(built, root)
    return root


def test_pdf_preflight_passes_a_fresh_build(built: Path, capsys) -> None:
    status, report = run(capsys, built, "--pdf", "--strict")
    assert status == 0, report["findings"]
    assert {(p["path"], p["edition"], p["pages"] % 4 == 0 or p["edition"] != "print") for p in report["pdfs"]} == {
        ("dist/north/en/staff-screen.pdf", "screen", True),
        ("dist/north/en/staff-print.pdf", "print", True),
        ("dist/north/en/staff-large-print.pdf", "large-print", True)}


def test_unembedded_font_is_reported_with_its_page(copy_of: Path, capsys) -> None:
    path = copy_of / "dist/north/en/staff-screen.pdf"
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        name, font = next(iter(pdf.pages[3].Resources.Font.items()))
        del font.DescendantFonts[0].FontDescriptor["/FontFile2"]
        base = str(font.BaseFont)[1:]
        pdf.save(path)
    status, report = run(capsys, copy_of, "--pdf", "--edition", "screen")
    [finding] = findings(report, "fonts")
    assert status == 1 and finding["file"] == "dist/north/en/staff-screen.pdf"
    assert finding["key"].startswith("page ") and name in finding["key"]
    assert f"font {base!r} is not embedded" in finding["message"]


def test_type3_font_is_reported(copy_of: Path, capsys) -> None:
    path = copy_of / "dist/north/en/staff-print.pdf"
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        pdf.pages[0].Resources.Font = pdf.make_indirect(pikepdf.Dictionary(
            T3=pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type3,
                                  FontBBox=[0, 0, 1, 1], FontMatrix=[1, 0, 0, 1, 0, 0],
                                  CharProcs={}, Encoding={}, FirstChar=0, LastChar=0, Widths=[0])))
        pdf.save(path)
    status, report = run(capsys, copy_of, "--pdf", "--edition", "print")
    [finding] = findings(report, "fonts")
    assert status == 1 and finding["key"] == "page 1 font /T3" and "Type 3" in finding["message"]


def test_print_page_count_and_boxes_are_checked(copy_of: Path, capsys) -> None:
    path = copy_of / "dist/north/en/staff-print.pdf"
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        del pdf.pages[2]
        page = pdf.pages[1]
        x0, y0, x1, y1 = (float(v) for v in page.BleedBox)
        page.TrimBox = [x0 - 5, y0 + 10, x1 - 10, y1 - 10]  # trim sticking out of the bleed box
        trim = f"[{x0 - 5:.1f} {y0 + 10:.1f} {x1 - 10:.1f} {y1 - 10:.1f}]"
        pdf.save(path)
    status, report = run(capsys, copy_of, "--pdf", "--edition", "print")
    assert status == 1
    [count] = findings(report, "page-count")
    assert "7 pages is not a multiple of 4" in count["message"]
    [boxes] = findings(report, "boxes")
    assert boxes["key"] == "page 2" and f"TrimBox {trim} is not inside BleedBox" in boxes["message"]


def test_declared_bleed_must_be_in_the_boxes(copy_of: Path, capsys) -> None:
    edition = copy_of / "content/editions/print.yaml"
    # The PDFs were built with 3 mm bleed; declaring 5 mm makes them wrong for this edition.
    text = edition.read_text(encoding="utf-8")
    assert "bleed_mm: 3" in text
    edition.write_text(text.replace("bleed_mm: 3", "bleed_mm: 5"), encoding="utf-8")
    status, report = run(capsys, copy_of, "--pdf", "--edition", "print")
    [boxes] = findings(report, "boxes")
    assert status == 1 and boxes["key"] == "page 1"
    assert boxes["message"].startswith("bleed is 3.0, 3.0, 3.0, 3.0 mm (left, bottom, right, top), expected "
                                       "5 mm each side (and ")


def test_screen_edition_must_be_tagged_with_lang_and_title(copy_of: Path, capsys) -> None:
    path = copy_of / "dist/north/en/staff-screen.pdf"
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        del pdf.Root["/StructTreeRoot"]
        pdf.Root.MarkInfo.Marked = False
        pdf.Root.Lang = "fr"
        del pdf.Root["/ViewerPreferences"]
        pdf.save(path)
    status, report = run(capsys, copy_of, "--pdf", "--edition", "screen")
    keys = {f["key"]: f["message"] for f in findings(report, "tagged")}
    assert status == 1
    assert set(keys) == {"/StructTreeRoot", "/MarkInfo", "/Lang", "/ViewerPreferences"}
    assert "/Lang is 'fr' but the booklet is in 'en'" in keys["/Lang"]


def test_large_print_text_below_minimum_is_found_but_not_its_running_footer(copy_of: Path, capsys) -> None:
    # The running header and footer are 14 pt by design and the body 18 pt; a callout set at
    # 12 pt must be caught on its page, and nothing else.
    change(copy_of, {"templates/editions/large-print.css": append(".callout p { font-size: 12pt; }\n")})
    assert main(["--project", str(copy_of), "--edition", "large-print"]) == 0
    status, report = run(capsys, copy_of, "--pdf", "--edition", "large-print")
    [small] = findings(report, "text-size")
    assert status == 1 and small["file"] == "dist/north/en/staff-large-print.pdf"
    # (its last two words joined by a no-break space: no one-word last line)
    assert "text at 12 pt is below the edition's min_body_pt 16: 'Call the\\xa0line.'" in small["message"]
    assert small["key"] == "page 2"  # the inside cover repeats the help callout first


def test_text_out_of_reading_order_is_reported(copy_of: Path, capsys) -> None:
    path = copy_of / "dist/north/en/staff-screen.pdf"
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        dests = pikepdf.NameTree(pdf.Root.Names.Dests)
        page = pdf.pages[[p.objgen for p in pdf.pages].index(dests["s-zero-tolerance"][0].objgen)]
        # Draw the heading (its number, then its text: the first two text objects) after the
        # first paragraph (the third): the page looks the same, but reads body first.
        ops = list(pikepdf.parse_content_stream(page))
        starts = [i for i, (_, op) in enumerate(ops) if str(op) == "BT"]
        ends = [i + 1 for i, (_, op) in enumerate(ops) if str(op) == "ET"]
        reordered = (ops[:starts[0]] + ops[ends[1]:ends[2]] + ops[starts[0]:ends[1]]
                     + ops[ends[2]:])
        page.Contents = pdf.make_stream(pikepdf.unparse_content_stream(reordered))
        pdf.save(path)
    status, report = run(capsys, copy_of, "--pdf", "--edition", "screen")
    [finding] = findings(report, "reading-order")
    assert status == 1 and "comes before its heading 'Zero tolerance for staff'" in finding["message"]


def test_missing_pdf_and_missing_output_folder(built: Path, tmp_path: Path, capsys) -> None:
    status, report = run(capsys, built, "--pdf", "--out", str(tmp_path))
    assert status == 1 and len(findings(report, "missing")) == 3
    assert main(["check", "--project", str(built), "--pdf", "--out", str(tmp_path / "nope")]) == 2
    assert "no built booklets to check" in capsys.readouterr().err


def test_shipped_booklets_pass_pdf_preflight(default_build: Path, capsys) -> None:
    """Every audience, language and edition of the default build: fonts, pages, boxes, tags,
    large-print text size and reading order."""
    status, report = run(capsys, REPO, "--pdf", "--strict", "--out", str(default_build))
    errors = [f"{f['where']} {f['key']}: {f['message']}" for f in report["findings"]
              if f["severity"] == "error"]
    assert status == 0, "\n".join(errors)
    project = load_project(REPO)
    b = project.booklet
    pdf_editions = [e for e in b.editions if e not in project.web_editions()]  # web pages: tests/test_web.py
    assert len(report["pdfs"]) == len(b.facilities) * len(b.languages) * len(b.audiences) * len(pdf_editions)


def test_stale_booklets_warn_and_other_pdfs_are_counted(copy_of: Path, capsys) -> None:
    dist = copy_of / "dist"
    shutil.copy(dist / "north/en/staff-screen.pdf", dist / "north/en/volunteers-screen.pdf")
    (dist / "imposed").mkdir()
    shutil.copy(dist / "north/en/staff-print.pdf", dist / "imposed/staff-print-sheets.pdf")
    status, report = run(capsys, copy_of, "--pdf", "--edition", "screen")
    [stale] = findings(report, "stale")
    assert status == 0 and stale["file"] == "dist/north/en/volunteers-screen.pdf"
    assert stale["severity"] == "warning" and "not in the matrix of content/booklet.yaml" in stale["message"]
    [other] = findings(report, "pdf")
    assert other["file"] == "dist" and other["message"].startswith("1 other PDF(s)")  # imposed sheets are known
    assert not findings(report, "imposed")
    assert run(capsys, copy_of, "--pdf", "--edition", "screen", "--strict")[0] == 1


def test_imposed_sheets_are_checked_against_their_booklet(copy_of: Path, capsys) -> None:
    path = copy_of / "dist/north/en/staff-print-imposed.pdf"
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        del pdf.pages[-1]
        pdf.save(path)
    status, report = run(capsys, copy_of, "--pdf", "--edition", "print")
    [finding] = findings(report, "imposed")
    assert status == 1 and finding["file"] == "dist/north/en/staff-print-imposed.pdf"
    assert "sheets for a" in finding["message"] and "expected" in finding["message"]


def test_pdfua_validators_report_a_broken_structure(copy_of: Path, capsys) -> None:
    path = copy_of / "dist/north/en/staff-screen.pdf"
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        stack = [pdf.Root.StructTreeRoot.K[0]]
        while stack:  # the first paragraph becomes a list item outside any list
            node = stack.pop(0)
            if node.get("/S") == "/P":
                node.S = pikepdf.Name.LI
                break
            stack += [k for k in node.get("/K", []) if isinstance(k, pikepdf.Dictionary) and "/S" in k]
        pdf.save(path)
    status, report = run(capsys, copy_of, "--pdf", "--edition", "screen")
    messages = [f["message"] for f in findings(report, "pdfua")]
    assert status == 1
    assert any(m.startswith("page-validation PDFUA1-LI-PARENT-001: ") for m in messages), messages
    assert any(m.startswith("outloud LST-001: ") for m in messages), messages
    assert {f["file"] for f in findings(report, "pdfua")} == {"dist/north/en/staff-screen.pdf"}


def test_missing_pdfua_validators_are_a_notice_saying_how_to_install(built: Path, capsys,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from booklets.check import validators

    monkeypatch.setattr(validators, "missing", lambda: ["page-validation", "outloud"])
    status, report = run(capsys, built, "--pdf", "--strict")
    [notice] = findings(report, "pdfua")
    assert status == 0 and notice["severity"] == "notice" and notice["file"] == "dist"
    assert "pip install page-validation outloud" in notice["message"]
