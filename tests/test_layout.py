"""Page flow, one-page forms, the audience's identity, contacts, the draft mark and print colour
(issue 13), checked on what a reader of each PDF sees.

The default build (the session's `default_build`) must have none of the layout findings of
`check --pdf`; a scratch project built to provoke each one shows that each can fire, on the
booklet and on its imposed sheets.
"""

from __future__ import annotations

import json
import re
import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pdfplumber
import pikepdf
import pypdfium2
import pytest

from booklets.check.layout import check_booklet
from booklets.cli.main import main
from booklets.content import schema
from booklets.content.load import load_project
from booklets.content.markup import make_markdown
from booklets.engine.pipeline import BuildOptions
from booklets.plan import Target
from booklets.render.html import render_html
from booklets.render.pdf import PdfOptions, render_pdf
from booklets.render.target import allowed_roots
from tests.conftest import MINIMAL, REPO
from tests.pdfread import unturned

PROJECT = load_project(REPO)
LAYOUT_CHECKS = ("near-empty", "stranded-heading", "split-form", "overflow", "past-margin")
EDITIONS = ("screen", "print", "large-print")
NORTH_FILE = "content/facilities/north.yaml"


def booklets(dist: Path) -> list[tuple[Target, Path]]:
    out = []
    for lang in PROJECT.booklet.languages:
        for audience in PROJECT.booklet.audiences:
            for edition in PROJECT.booklet.editions:
                if edition in PROJECT.web_editions():  # no pages to lay out: tests/test_web.py
                    continue
                target = Target(PROJECT.booklet.facilities[0], lang, audience, edition)
                out.append((target, dist / target.facility / lang / f"{audience}-{edition}.pdf"))
    return out


def check_json(capsys: pytest.CaptureFixture[str], root: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    capsys.readouterr()
    status = main(["check", "--project", str(root), "--format", "json", "--pdf", *extra])
    return status, json.loads(capsys.readouterr().out)


def page_of(dests: dict[str, int], name: str) -> int:
    return dests[name]


def destinations(path: Path) -> dict[str, int]:
    from booklets.check.pdfscan import destinations as read

    with pikepdf.open(path) as pdf:
        return read(pdf)


# -- the default build ---------------------------------------------------------------------------

def test_default_build_has_no_layout_findings(default_build: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """0 near-empty body pages, 0 stranded headings, 0 split forms, 0 overflow pages and 0 lines
    past the margin, in every language and edition, imposed sheets included."""
    _, report = check_json(capsys, REPO, "--out", str(default_build))
    found = [f"{f['file']} {f['key']}: [{f['check']}] {f['message']}" for f in report["findings"]
             if f["check"] in LAYOUT_CHECKS]
    assert found == []
    checked = {p["path"] for p in report["pdfs"]}
    pdf_editions = [e for e in PROJECT.booklet.editions if e not in PROJECT.web_editions()]
    assert len(checked) == len(PROJECT.booklet.facilities) * len(PROJECT.booklet.languages) * len(
        PROJECT.booklet.audiences) * len(pdf_editions)  # every PDF of the default build


def test_page_count_fell_by_at_least_15_percent_without_smaller_text(default_build: Path) -> None:
    """Against the 720 pages of the layout that started every section on a new page
    (benchmarks/pages-baseline.json; `python benchmarks/pages.py dist` prints the table)."""
    baseline = json.loads((REPO / "benchmarks/pages-baseline.json").read_text(encoding="utf-8"))
    now = {}
    for target, path in booklets(default_build):
        with pikepdf.open(path) as pdf:
            now[f"{target.facility}/{target.language}/{target.audience}-{target.edition}"] = len(pdf.pages)
    assert set(now) == set(baseline)
    assert sum(baseline.values()) == 720
    assert sum(now.values()) <= 0.85 * 720, sum(now.values())
    # The body text is the size it was: 12 pt (A5 editions), 18 pt (large print).
    for target, path in booklets(default_build):
        if target.language == "en" and target.audience == "staff":
            with pdfplumber.open(path) as pdf:
                sizes = [round(c["size"], 1) for p in pdf.pages[3:6] for c in p.chars]
            assert max(set(sizes), key=sizes.count) == (18.0 if target.edition == "large-print" else 12.0)


def test_every_form_is_one_page_and_print_forms_can_be_cut_out(default_build: Path) -> None:
    seen = cut_out = 0
    for target, path in booklets(default_build):
        if PROJECT.languages[target.language].audiences[target.audience].form is None:
            continue
        dests = destinations(path)
        assert dests["form"] == dests["content-end"], path
        seen += 1
        if target.edition == "print":
            # form_page: right-if-free. A right-hand (odd) page whose back is a Notes page, to cut
            # out taking nothing else with it; unless that would cost a sheet, when the form takes
            # the next page (to photocopy).
            page, notes = dests["form"] + 1, {i for name, i in dests.items() if name.startswith("notes-")}
            with pikepdf.open(path) as pdf:
                total = len(pdf.pages)
            if page % 2 == 1 and page in notes:  # page is the 1-based form page, `notes` 0-based
                with pdfplumber.open(path) as pdf:
                    back = pdf.pages[page].extract_text()
                assert back.startswith(PROJECT.languages[target.language].strings.notes), back
                cut_out += 1
            else:  # on a right-hand page (this one or the next), then its Notes back and the back cover
                right_total = -(-(page + (page % 2 == 0) + 2) // 4) * 4
                assert right_total > total, (path, page, total)
    assert seen == 24  # the first facility's (booklets() above)
    assert cut_out >= 6  # of its 12 print forms, half or more can be cut out (7 today)


def test_sections_flow_on_and_running_heads_skip_opening_pages(default_build: Path) -> None:
    path = default_build / "example/en/staff-screen.pdf"
    dests = destinations(path)
    starts = sorted(i for name, i in dests.items() if name.startswith("s-"))
    assert len(set(starts)) < len(starts)  # some pages hold the end of one section and the start of the next
    with pdfplumber.open(path) as pdf:
        for index in set(starts):
            page = pdf.pages[index]
            head = page.within_bbox((0, 0, page.width, 16 * 72 / 25.4)).extract_text()
            assert head.strip() == "", (index + 1, head)
        # A page inside a section carries its title on top.
        inside = next(i for i in range(starts[0], starts[-1]) if i not in starts)
        page = pdf.pages[inside]
        assert page.within_bbox((0, 0, page.width, 16 * 72 / 25.4)).extract_text().strip()


# -- identity --------------------------------------------------------------------------------------

def test_covers_of_the_five_audiences_differ_in_colour_and_label(default_build: Path) -> None:
    for lang in PROJECT.booklet.languages:
        for edition in EDITIONS:
            colours = {}
            for audience in PROJECT.booklet.audiences:
                path = default_build / f"example/{lang}/{audience}-{edition}.pdf"
                spec = PROJECT.languages[lang].audiences[audience]
                with pdfplumber.open(path) as pdf:
                    # upright text only: the draft mark's rotated letters interleave with the label
                    cover = " ".join(pdf.pages[0].filter(unturned).extract_text().split())
                    body = pdf.pages[5]
                    x0, _, x1, bottom = body.bbox  # a print page's MediaBox starts below 0 (crop marks)
                    foot = body.within_bbox((x0, bottom - 28 * 72 / 25.4, x1, bottom))
                    footer = " ".join(w["text"] for w in foot.filter(unturned).extract_words())
                assert spec.label is not None and spec.label in cover, (path, cover)
                # and in the running foot of a body page (on two lines in large print)
                # (in large print on two lines, beside the page number: its words in order)
                rest = iter(footer.split())
                assert all(word in rest for word in spec.label.split()), footer
                pdf = pypdfium2.PdfDocument(path)
                image = pdf[0].render(scale=20 / 72).to_pil().convert("RGB")
                pdf.close()
                band = image.getpixel((image.width // 2, int(image.height * 0.08)))
                colours[audience] = band
                if edition != "print":  # print is CMYK: only its difference is asserted
                    want = tuple(int(str(spec.accent)[i:i + 2], 16) for i in (1, 3, 5))
                    assert all(abs(a - b) <= 3 for a, b in zip(band, want, strict=True)), (path, band, want)
            distinct = list(colours.values())
            assert all(sum(abs(a - b) for a, b in zip(x, y, strict=True)) > 60
                       for i, x in enumerate(distinct) for y in distinct[i + 1:]), colours
    titles = {a: PROJECT.languages["en"].audiences[a].title for a in ("staff", "volunteers", "supervisors")}
    assert len(set(titles.values())) == 3, titles


def test_every_shipped_audience_declares_its_identity() -> None:
    for lang, language in PROJECT.languages.items():
        for audience_id, audience in language.audiences.items():
            assert audience.label and audience.accent and audience.accent_cmyk, (lang, audience_id)
            other = PROJECT.languages["en"].audiences[audience_id]
            assert audience.accent == other.accent, "one colour per audience in every language"
    labels = {a.label for a in PROJECT.languages["en"].audiences.values()}
    assert {"For staff", "For people in custody"} <= labels


def test_an_accent_without_enough_contrast_is_refused_at_its_line(
        make_project: Callable[..., Path], capsys: pytest.CaptureFixture[str]) -> None:
    staff = MINIMAL["content/en/audiences/staff.yaml"].replace(
        "title: Boundaries", 'title: Boundaries\n        accent: "#f4b400"\n        label: For staff')
    root = make_project({"content/en/audiences/staff.yaml": staff})
    assert main(["--project", str(root)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert re.fullmatch(r"error: content/en/audiences/staff\.yaml:3:9: accent: accent #f4b400 has a contrast of "
                        r"\d\.\d\d:1 against #ffffff \(white paper, and white text on the cover band\); WCAG AA "
                        r"needs 4\.5:1 for text: choose a darker colour", err[0]), err[0]
    assert schema.contrast_ratio("#1d3557", "#ffffff") == pytest.approx(12.36, abs=0.01)


def test_a_logo_is_on_the_cover_and_the_back_cover_with_its_alt_text(
        make_project: Callable[..., Path], capsys: pytest.CaptureFixture[str]) -> None:
    staff = MINIMAL["content/en/audiences/staff.yaml"].replace(
        "title: Boundaries", "title: Boundaries\n        logo: {src: logo.svg, alt: North Site crest}")
    root = make_project({"content/en/audiences/staff.yaml": staff})
    (root / "content/assets").mkdir()
    (root / "content/assets/logo.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="60" height="20">'
        '<rect width="60" height="20" fill="#0b6e4f"/></svg>', encoding="utf-8")
    assert main(["--project", str(root)]) == 0, capsys.readouterr().err
    path = root / "dist/north/en/staff-screen.pdf"
    with pikepdf.open(path) as pdf:
        # The logo's green (#0b6e4f), wherever WeasyPrint draws the SVG (page or Form XObject).
        drawn = [i for i, page in enumerate(pdf.pages) if (0x0b, 0x6e, 0x4f) in _fill_colours(page)]
        alts = [str(node.get("/Alt")) for node in _struct_nodes(pdf.Root.StructTreeRoot) if "/Alt" in node]
        pages = len(pdf.pages)
    assert drawn and drawn[0] == 0 and drawn[-1] == pages - 1, (drawn, pages)  # the cover and the back cover
    assert alts.count("North Site crest") == 2
    missing = MINIMAL["content/en/audiences/staff.yaml"].replace(
        "title: Boundaries", "title: Boundaries\n        logo: {src: nope.png, alt: Crest}")
    root = make_project({"content/en/audiences/staff.yaml": missing})
    assert main(["--project", str(root)]) == 2
    # At the YAML value, before rendering: every booklet of the audience would fail on it.
    assert capsys.readouterr().err.splitlines() == [
        "error: content/en/audiences/staff.yaml:3:13: logo.src: logo content/assets/nope.png does not exist"]


def _fill_colours(page: pikepdf.Page) -> set[tuple[int, ...]]:
    """The RGB fill colours (0-255) a page paints, its Form XObjects included."""
    streams: list[Any] = [page, *(x for x in page.Resources.get("/XObject", {}).values()
                                  if x.get("/Subtype") == "/Form")]
    return {tuple(round(float(v) * 255) for v in args) for stream in streams
            for args, op in pikepdf.parse_content_stream(stream) if str(op) == "rg"}


def _struct_nodes(node: Any) -> list[Any]:
    out = []
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, pikepdf.Dictionary):
            out.append(item)
            kids = item.get("/K")
            if isinstance(kids, pikepdf.Array):
                stack += list(kids)
            elif isinstance(kids, pikepdf.Dictionary):
                stack.append(kids)
    return out


# -- contacts --------------------------------------------------------------------------------------

@pytest.mark.parametrize("edition", EDITIONS)
def test_contacts_are_body_size_numbers_half_as_large_again_and_in_the_contents(
        default_build: Path, edition: str) -> None:
    body = 18.0 if edition == "large-print" else 12.0
    for lang in PROJECT.booklet.languages:
        for audience in PROJECT.booklet.audiences:
            path = default_build / f"example/{lang}/{audience}-{edition}.pdf"
            strings = PROJECT.languages[lang].strings
            dests = destinations(path)
            with pdfplumber.open(path) as pdf:
                back = pdf.pages[dests["back-cover"]]
                words = back.filter(unturned).extract_words(extra_attrs=["size"])  # not the draft mark
                # document control, the last lines in their own small size: the line with the
                # document number and any that wrap before it (the organisation's name, in Spanish)
                number = min((w for w in words if w["text"] == PROJECT.booklet.document_number), key=lambda w: w["top"])
                control = min(w["top"] for w in words if abs(w["size"] - number["size"]) < 0.05
                              and number["top"] - 3 * number["size"] < w["top"] <= number["top"])
                sizes = [w["size"] for w in words if w["top"] < control - 1]
                assert min(sizes) >= body - 0.05, (path, min(sizes))
                phones = [w for w in words if re.fullmatch(r"\d[\d-]{2,}", w["text"]) and w["top"] < control - 1]
                assert phones and min(w["size"] for w in phones) >= 1.5 * body - 0.05, path
                contents = pdf.pages[2].filter(unturned).extract_text()
            entry = next(line for line in contents.splitlines() if line.startswith(strings.contacts_title))
            # Print drops Notes pages after layout to fill the last sheet, so it names the back
            # cover (a number counted before that was wrong: "18" in a 16-page booklet).
            padded = PROJECT.editions[edition].notes_pages
            assert entry.endswith(strings.back_cover if padded else str(dests["back-cover"] + 1)), entry


# -- the draft mark ------------------------------------------------------------------------------

def squash(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def test_normal_builds_with_placeholders_mark_every_page(default_build: Path) -> None:
    for target, path in booklets(default_build):
        mark = squash(PROJECT.languages[target.language].strings.draft_mark)
        with pdfplumber.open(path) as pdf:
            unmarked = [i + 1 for i, page in enumerate(pdf.pages)
                        if mark not in squash("".join(c["text"] for c in page.chars))]
        assert unmarked == [], (path, unmarked)
    imposed = default_build / "example/es/staff-print-imposed.pdf"
    with pdfplumber.open(imposed) as pdf:
        mark = squash(PROJECT.languages["es"].strings.draft_mark)
        assert all(squash("".join(c["text"] for c in p.chars)).count(mark) == 2 for p in pdf.pages)


def test_release_builds_carry_no_draft_mark(make_project: Callable[..., Path]) -> None:
    booklet = MINIMAL["content/booklet.yaml"].replace('revision: "2.0"', 'revision: "2.0"\n        supersedes: "1.0"')
    root = make_project({"content/booklet.yaml": booklet})
    assert main(["--project", str(root), "--release"]) == 0
    mark = squash(load_project(root).languages["en"].strings.draft_mark)
    with pdfplumber.open(root / "dist/north/en/staff-screen.pdf") as pdf:
        assert not any(mark in squash("".join(c["text"] for c in p.chars)) for p in pdf.pages)
    # The same project with one example value: every page of a normal build carries the mark.
    facility = MINIMAL["content/facilities/north.yaml"].replace('"0100 000 001"', '!placeholder "0100 000 001"')
    (root / "content/facilities/north.yaml").write_text(textwrap.dedent(facility), encoding="utf-8")
    assert main(["--project", str(root)]) == 0
    with pdfplumber.open(root / "dist/north/en/staff-screen.pdf") as pdf:
        assert all(mark in squash("".join(c["text"] for c in p.chars)) for p in pdf.pages)
    # Release is part of every inputs hash: turning it on or off renders again.
    options = BuildOptions(root=root, out_dir=root / "dist")
    release = BuildOptions(root=root, out_dir=root / "dist", release=True)
    assert options.render_options() != release.render_options()


# -- print -----------------------------------------------------------------------------------------

def _colour_operators(pdf: pikepdf.Pdf) -> set[str]:
    ops: set[str] = set()
    for page in pdf.pages:
        streams = [page]
        for xobject in page.Resources.get("/XObject", {}).values():
            if xobject.get("/Subtype") == "/Form":
                streams.append(xobject)
        for stream in streams:
            for _, op in pikepdf.parse_content_stream(stream):
                if str(op) in ("rg", "RG", "k", "K", "g", "G", "sc", "scn", "SC", "SCN"):
                    ops.add(str(op))
    return ops


def test_print_colours_are_cmyk_and_screen_colours_rgb(default_build: Path) -> None:
    with pikepdf.open(default_build / "example/en/residents-print.pdf") as pdf:
        ops = _colour_operators(pdf)
    assert {"k", "K"} & ops and not {"rg", "RG"} & ops, ops
    with pikepdf.open(default_build / "example/en/residents-screen.pdf") as pdf:
        assert "rg" in _colour_operators(pdf)


def test_the_cover_band_reaches_the_bleed_edge_with_square_ends(default_build: Path) -> None:
    path = default_build / "example/en/staff-print.pdf"
    pdf = pypdfium2.PdfDocument(path)
    page = pdf[0]
    scale = 4
    image = page.render(scale=scale, crop=(0, 0, 0, 0)).to_pil().convert("RGB")
    with pikepdf.open(path) as doc:
        media = [float(v) for v in doc.pages[0].MediaBox]
        bleed = [float(v) for v in doc.pages[0].BleedBox]
    pdf.close()

    def px(x: float, y: float) -> tuple[int, int]:
        return round((x - media[0]) * scale), round((media[3] - y) * scale)

    # Every row of the band and of its stripe is one colour from bleed edge to bleed edge.
    for y in range(int(bleed[3]) - 2, int(bleed[3]) - 200, -4):
        xs = (bleed[0] + 0.5, bleed[2] - 0.5, (bleed[0] + bleed[2]) / 2)
        row = {image.getpixel((px(x, y)[0], px(x, y)[1])) for x in xs}
        if len(row) > 1 and y < bleed[3] - 120:
            break  # below the band, where the page is white and the text starts
        assert len(row) == 1 or y < bleed[3] - 120, (y, row)


# -- markup ----------------------------------------------------------------------------------------

def test_markers_touch_their_word_lead_ins_keep_with_what_follows_and_no_runts() -> None:
    html = make_markdown().render(
        "**Why this matters**\n\nIt happened in 2015 [^a-source]. Report what you see at once.\n\n"
        "- Keep your private life to yourself.\n- A [link](https://example.org) to follow", {})
    assert '<p class="lead-in"><strong>Why this\u00a0matters</strong></p>' in html  # no runt here either
    assert '2015<sup class="cite">' in html  # no space before the note marker
    assert "at\u00a0once." in html and "to\u00a0yourself." in html
    assert "to follow</a>" not in html or "to\u00a0follow" not in html  # a link's words are left alone


# -- layout findings on a scratch project built to provoke them -----------------------------------

LONG = " ".join(["Every member of staff keeps the boundary, and reports what they see at once."] * 6)
SECTIONS = f"""\
    name: Staff
    title: Boundaries
    summary: A test booklet.
    reading_grade: 10
    sections:
      - id: short
        title: A short section
        body: |
          One short paragraph.
      - id: long
        break: page
        title: A long section
        body: |
          {LONG}

          {LONG}

          A long address: https://example.org/{"x" * 90}

          {LONG}
      - id: stranded
        title: A heading left alone
        body: |
          {LONG}
      - include: zero-tolerance
    form:
      title: Acknowledgement
      intro: Sign below.
      statements: ["I have read this booklet."]
    """
# Provocations the keep rules would otherwise prevent: a heading forced to end its page, and the
# sources hidden on a page of their own (only the running head and foot are seen on it).
PROVOKE_CSS = """
#s-stranded .section-title { break-after: page; }
.sources { break-before: page; }
.sources > * { visibility: hidden; }  /* still there: the note links keep their target */
"""


@pytest.fixture(scope="module")
def provoked(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("layout") / "project"
    shutil.copytree(REPO / "templates", root / "templates")
    css = root / "templates/css/booklet.css"
    css.write_text(css.read_text(encoding="utf-8") + PROVOKE_CSS, encoding="utf-8")
    files = {**MINIMAL, "content/en/audiences/staff.yaml": SECTIONS,
             "content/en/strings.yaml": (REPO / "content/en/strings.yaml").read_text(encoding="utf-8")}
    files["content/booklet.yaml"] = files["content/booklet.yaml"].replace(
        "editions: [screen]", "editions: [screen, print]")
    files["content/editions/print.yaml"] = (REPO / "content/editions/print.yaml").read_text(encoding="utf-8")
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    assert main(["--project", str(root)]) == 0
    # A form split over two pages never leaves the build (the target fails); render one as another
    # tool might, bypassing that guard, to show that `check --pdf` finds it too.
    project = load_project(root)
    target = Target("north", "en", "staff", "screen")
    html = render_html(project, target).replace("</head>", "<style>.form-fields { break-before: page; }</style></head>")
    data, _ = render_pdf(html, project.templates_dir, allowed_roots(project), PdfOptions(pdf_variant="pdf/ua-1"))
    (root / "dist/north/en/staff-screen.pdf").write_bytes(data)
    return root


def test_each_layout_finding_fires_on_a_project_built_to_provoke_it(
        provoked: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, report = check_json(capsys, provoked)
    assert status == 1
    found: dict[str, set[str]] = {}
    for f in report["findings"]:
        if f["check"] in LAYOUT_CHECKS:
            found.setdefault(f["check"], set()).add(f"{f['file']} {f['key']}")
    booklet, sheets = "dist/north/en/staff-print.pdf", "dist/north/en/staff-print-imposed.pdf"
    assert set(found) == set(LAYOUT_CHECKS), found
    assert f"{booklet} page 4" in found["near-empty"]  # the short section, before `break: page`
    assert any(k.startswith(booklet) for k in found["stranded-heading"])
    assert any(k.startswith(booklet) for k in found["overflow"])
    assert any(k.startswith(booklet) for k in found["past-margin"])
    assert {k.split(" ")[0] for k in found["split-form"]} == {"dist/north/en/staff-screen.pdf"}
    # ... and on the imposed sheets, named by sheet, side and page.
    for check in ("near-empty", "stranded-heading", "overflow", "past-margin"):
        assert any(re.fullmatch(rf"{sheets} sheet \d+ (front|back) (left|right) \(page \d+\)", k)
                   for k in found[check]), (check, found[check])
    messages = {f["check"]: f["message"] for f in report["findings"]}
    assert "full" in messages["near-empty"] and "A heading left alone" in messages["stranded-heading"]
    assert "runs over 2 pages" in messages["split-form"] and "mm past the text block" in messages["past-margin"]


def test_break_page_on_a_section_starts_it_on_a_new_page(provoked: Path) -> None:
    dests = destinations(provoked / "dist/north/en/staff-screen.pdf")
    assert dests["s-long"] == dests["s-short"] + 1
    assert dests["s-zero-tolerance"] == max(i for n, i in dests.items() if n.startswith("s-"))
    issues = check_booklet(provoked / "dist/north/en/staff-print.pdf")
    assert {i.check for i in issues} >= {"near-empty", "stranded-heading", "overflow", "past-margin"}


def test_a_form_too_long_for_one_page_fails_the_build_naming_the_form(
        make_project: Callable[..., Path], capsys: pytest.CaptureFixture[str]) -> None:
    statements = ", ".join(f'"Statement {n}: {LONG[:150]}"' for n in range(12))
    staff = MINIMAL["content/en/audiences/staff.yaml"].replace(
        'statements: ["I have read this booklet."]', f"statements: [{statements}]")
    root = make_project({"content/en/audiences/staff.yaml": staff})
    assert main(["--project", str(root)]) == 2
    err = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error:")]
    assert len(err) == 1
    assert re.fullmatch(r"error: north/en/staff-screen: content/en/audiences/staff\.yaml:\d+:\d+: form\.title: "
                        r"the form does not fit on one page of the screen edition even set tight \(it runs over "
                        r"\d pages\); shorten its intro or statements", err[0]), err[0]
    assert not (root / "dist/north/en/staff-screen.pdf").exists()


def test_a_back_cover_too_long_for_one_page_fails_the_build_naming_the_facility(
        make_project: Callable[..., Path], capsys: pytest.CaptureFixture[str]) -> None:
    # The back cover is the booklet's last page, whole: a second layout fills its columns in turn,
    # and contacts that fit neither way are the facility file's to shorten.
    north = MINIMAL[NORTH_FILE].replace(
        'phone: "0100 000 001"}', f'phone: "0100 000 001", note: "{LONG} {LONG}"}}').replace(
        'phone: "0100 000 002"}', f'phone: "0100 000 002", note: "{LONG} {LONG}"}}')
    root = make_project({NORTH_FILE: north})
    assert main(["--project", str(root)]) == 2
    err = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error:")]
    assert len(err) == 1, err
    assert re.fullmatch(r"error: north/en/staff-screen: content/facilities/north\.yaml: contacts: the back cover "
                        r"\(who to contact\) does not fit on one page of the screen edition in 'en' \(it runs "
                        r"over \d pages\); list fewer contacts, or shorten their notes, the address or "
                        r"calls_monitored", err[0]), err[0]
    assert not (root / "dist/north/en/staff-screen.pdf").exists()
