"""The web edition, and names in another language, as a reader, a browser and a screen reader see them.

Pages are read as a browser would: their text (html.parser), the files they would load, and, in
headless Chromium (tests/browser.py), what axe-core's WCAG 2.2 AA rules find, where the keyboard
goes, and whether the text reflows at 320 CSS px. The browser tests skip, saying why, where Debian's
chromium or axe-core (npm) is missing; `.ci/run` installs both.
"""

from __future__ import annotations

import base64
import hashlib
import io
import itertools
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from pathlib import Path

import pdfplumber
import pikepdf
import pytest
from fontTools.ttLib import TTFont
from PIL import Image

from booklets.cli.main import main
from booklets.content.load import load_project
from booklets.content.markup import citations_in, make_markdown, plain_text
from booklets.content.sections import resolve_sections
from booklets.engine.pipeline import BuildOptions, build
from booklets.plan import Selection, Shard
from tests.browser import AXE, AXE_MISSING, AXE_VERSION, CHROMIUM_MISSING, WCAG22_AA, Browser, chromium
from tests.pdfread import all_text

REPO = Path(__file__).resolve().parent.parent
PROJECT = load_project(REPO)
BOOKLET = PROJECT.booklet
WEB = sorted(PROJECT.web_editions())
PAGES = [f"{f}/{lang}/{a}.html" for f in BOOKLET.facilities for lang in BOOKLET.languages for a in BOOKLET.audiences]


INLINE = {"a", "span", "strong", "b", "em", "i", "sup", "sub", "small", "code", "abbr"}  # no break around them


class PageText(HTMLParser):
    """What a page shows (text outside <head>), and its links, language marks and loads."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[dict[str, str]] = []
        self.loads: list[str] = []  # src of every element, href of every <link> but rel=alternate
        self.marked: list[tuple[str, str]] = []  # (lang, text) of elements below <html> with lang
        self.tags: list[str] = []
        self._open: list[tuple[str, str | None, int]] = []
        self._skip = 0
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.tags.append(tag)
        if tag not in INLINE:
            self.parts.append(" ")
        if tag in ("head", "style", "script", "title"):
            self._skip += 1
        if tag == "a":
            self.links.append(a)
        if "src" in a or (tag == "link" and a.get("rel") != "alternate"):  # alternate: a link, never loaded
            self.loads.append(a.get("src") or a.get("href", ""))
        if tag not in ("br", "img", "meta", "link", "input", "hr"):
            self._open.append((tag, a.get("lang") if tag != "html" else None, len(self.parts)))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("head", "style", "script", "title"):
            self._skip -= 1
        if tag not in INLINE:
            self.parts.append(" ")
        while self._open:
            name, lang, start = self._open.pop()
            if lang:
                self.marked.append((lang, " ".join("".join(self.parts[start:]).split())))
            if name == tag:
                break

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)

    @property
    def text(self) -> str:
        return " ".join("".join(self.parts).split())


def words(text: str) -> set[str]:
    """Runs of letters and runs of digits: a note marker set against its word ("nombre²") is a word
    of its own, however the PDF's text extraction spaces it."""
    return set(re.findall(r"[^\W\d_]+|\d+", text.lower()))


def page(dist: Path, rel: str) -> PageText:
    return PageText((dist / rel).read_text(encoding="utf-8"))


# --- the shipped web pages, read as files --------------------------------------------------------

def test_the_web_edition_is_in_the_default_matrix() -> None:
    assert WEB == ["web"] and "web" in BOOKLET.editions
    assert PROJECT.editions["web"].format == "html"


@pytest.mark.parametrize("rel", PAGES)
def test_every_booklet_has_one_self_contained_page(default_build: Path, rel: str) -> None:
    html = (default_build / rel).read_text(encoding="utf-8")
    seen = PageText(html)
    assert "<script" not in html and "file:" not in html, "no script, no path of the build machine"
    assert all(url.startswith("data:") for url in seen.loads if url), "every stylesheet, image, font is inside"
    assert [href for href in (lnk.get("href", "") for lnk in seen.links) if href.startswith("//")] == []
    # Landmarks, one h1, the skip link first, the contents as links to every section.
    assert {"header", "nav", "main", "footer"} <= set(seen.tags) and seen.tags.count("h1") == 1
    assert seen.links[0] == {"class": "skip-link", "href": "#main"}
    levels = [int(t[1]) for t in seen.tags if re.fullmatch(r"h[1-6]", t)]
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels)), f"headings skip a level: {levels}"
    anchors = set(re.findall(r'\sid="([^"]+)"', html))
    contents = [lnk["href"] for lnk in seen.links if lnk.get("href", "").startswith("#")]
    assert all(href[1:] in anchors for href in contents), "every in-page link leads somewhere"
    # The fonts are the booklet's own, cut to what the page needs: every character it shows.
    fonts = re.findall(r"url\(\"data:font/woff;base64,([^\"]+)\"\)", html)
    assert len(fonts) == 3
    for data in fonts:
        font = TTFont(io.BytesIO(base64.b64decode(data)))
        assert font["name"].getDebugName(1).startswith("Source Sans Pro")
        shown = {ch for ch in seen.text if not ch.isspace()}
        assert shown - {chr(cp) for cp in font.getBestCmap()} == set()
    assert len(html) < 200_000, "a phone on a slow line still gets it quickly"


@pytest.mark.parametrize("rel", PAGES)
def test_the_page_says_what_the_pdf_says(default_build: Path, rel: str) -> None:
    """Word for word the screen PDF's text, sources and contacts: only the skip link and the
    language links are the page's own, and only page numbers and footers the PDF's."""
    facility, lang, name = rel.split("/")
    audience = name.removesuffix(".html")
    shown = page(default_build, rel)
    pdf = all_text(default_build / facility / lang / f"{audience}-screen.pdf")
    strings = PROJECT.languages[lang].strings
    web_only = words(strings.skip_to_content) | {w for other in BOOKLET.languages if other != lang
                                                 for w in words(_language_name(other))}
    assert words(shown.text) - words(pdf) <= web_only
    footer = words(f"{strings.page} {strings.of}")  # "Page 4 of 20": the PDF's running footer
    assert {w for w in words(pdf) - words(shown.text) if not w.isdigit()} <= footer
    cited = set(citations_in(_all_markdown(facility, lang, audience)))
    for sid in cited:  # each source, whole, in the page's Sources, as the PDF prints it
        printed = PageText(make_markdown().renderInline(PROJECT.languages[lang].sources[sid].text, {})).text
        assert printed in shown.text
    for contact in PROJECT.facilities[facility].contacts.values():
        if contact.phone and contact.phone in pdf:
            assert contact.phone in shown.text


def _language_name(code: str) -> str:
    from booklets.render.web import language_name

    return language_name(code)


def _all_markdown(facility: str, lang: str, audience: str) -> str:
    language = PROJECT.languages[lang]
    parts = []
    for _, section in resolve_sections(language, audience, PROJECT.place(facility, lang)):
        parts += [section.body, section.local or "", section.callout.body if section.callout else ""]
    form = language.audiences[audience].form
    return " ".join([*parts, form.intro if form else ""])


def test_each_page_links_the_same_booklet_in_the_other_languages(default_build: Path) -> None:
    for rel in PAGES:
        facility, lang, name = rel.split("/")
        others = [lnk for lnk in page(default_build, rel).links if "hreflang" in lnk]
        assert sorted(lnk["hreflang"] for lnk in others) == sorted(x for x in BOOKLET.languages if x != lang)
        for link in others:
            assert link["lang"] == link["hreflang"], "each language's name is read in that language"
            assert link["href"] == f"../{link['hreflang']}/{name}"
            assert (default_build / facility / lang / link["href"]).resolve().is_file()
    assert "English" in page(default_build, "example/es/staff.html").text
    assert "Español" in page(default_build, "example/en/staff.html").text


@pytest.mark.parametrize(("facility", "names"), [
    ("example", {"Ministry of Justice", "misconduct in public office", "Crown Prosecution Service",
                 "2 Example Street"}),
    ("example-us", {"Bureau of Justice Statistics", "28 CFR Part 115", "Prison Rape Elimination Act",
                    "200 Example Street"}),
])
def test_english_names_in_spanish_booklets_carry_their_language(default_build: Path, facility: str,
                                                               names: set[str]) -> None:
    """The web page marks them with lang="en" (content writes `[words]{lang=en}`); the tagged PDF
    has /Lang en on their structure elements, the same phrases, and no other text there (the
    catalog's /Lang es covers the rest)."""
    marked: set[str] = set()
    for audience in BOOKLET.audiences:
        shown = page(default_build, f"{facility}/es/{audience}.html")
        in_page = {text for lang, text in shown.marked if lang == "en"} - {"English"}  # the language link
        marked |= in_page
        assert {lang for lang, _ in shown.marked} <= {"en"}, "nothing else is marked"
        by_lang = _text_by_structure_language(default_build / f"{facility}/es/{audience}-screen.pdf")
        assert {"es", "en"} <= set(by_lang) <= {"es", "en", None}  # None: running heads, not in the tree
        in_pdf = _bare(by_lang["en"])
        assert [text for text in in_page if _bare(text) not in in_pdf] == [], "the PDF marks what the page marks"
    assert names <= marked
    english = page(default_build, f"{facility}/en/staff.html")
    assert english.marked == [("es", "Español")], "in an English booklet an English name is just text"


def _bare(text: str) -> str:
    return "".join(text.split())  # a line break inside a name leaves no space in extracted text


def _text_by_structure_language(path: Path) -> dict[str | None, str]:
    """The PDF's text grouped by the /Lang its structure elements give it (inherited down the tree)."""
    pdf = pikepdf.open(path)
    pages = {p.objgen: i for i, p in enumerate(pdf.pages)}
    marks: dict[tuple[int | None, int], str] = {}

    def walk(element: object, lang: str, page_index: int | None) -> None:
        if not isinstance(element, pikepdf.Dictionary):
            return
        lang = str(element.Lang) if "/Lang" in element else lang
        page_index = pages.get(element.Pg.objgen, page_index) if "/Pg" in element else page_index
        kids = element.get("/K")
        for kid in (list(kids) if isinstance(kids, pikepdf.Array) else [] if kids is None else [kids]):
            if isinstance(kid, int):
                marks[(page_index, kid)] = lang
            elif isinstance(kid, pikepdf.Dictionary) and "/MCID" in kid:
                marks[(pages.get(kid.Pg.objgen, page_index) if "/Pg" in kid else page_index, int(kid.MCID))] = lang
            else:
                walk(kid, lang, page_index)

    walk(pdf.Root.StructTreeRoot, str(pdf.Root.Lang), None)
    text: dict[str | None, str] = defaultdict(str)
    with pdfplumber.open(path) as doc:
        for i, p in enumerate(doc.pages):
            for ch in p.chars:
                if ch.get("mcid") is not None:
                    text[marks.get((i, ch["mcid"]))] += ch["text"]
    return dict(text)


def test_the_gallery_and_manifest_list_every_web_page(default_build: Path) -> None:
    index = (default_build / "index.html").read_text(encoding="utf-8")
    manifest = {e["path"]: e for e in json.loads((default_build / "manifest.json").read_text())["booklets"]}
    for rel in PAGES:
        assert f'href="{rel}"' in index
        entry = manifest[rel]
        data = (default_build / rel).read_bytes()
        assert entry["format"] == "html" and entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["bytes"] == len(data) and entry["edition"] == "web"
    assert not list(default_build.rglob("*-web.cover.png")) and not list(default_build.rglob("*-web.pdf"))
    assert {e["format"] for e in manifest.values()} == {"pdf", "html"}


# --- scratch projects: the edition in the engine, resources, names and marks ----------------------

WEB_YAML = (REPO / "content/editions/web.yaml").read_text(encoding="utf-8")
WITH_WEB = {
    "content/booklet.yaml": """\
        organisation: {en: Test Unit, es: "[Test Unit]{lang=en}"}
        document_number: "T-1"
        revision: "2.0"
        effective_date: 2026-01-15
        languages: [en]
        audiences: [staff]
        editions: [screen, web]
        facilities: [north]
        """,
    "content/editions/web.yaml": WEB_YAML,
}


def test_the_web_edition_obeys_selectors_the_cache_shards_and_the_report(make_project: Callable[..., Path]) -> None:
    root = make_project(WITH_WEB)
    out = root / "dist"

    def run(**kw: object) -> dict[str, str]:
        result = build(BuildOptions(root=root, out_dir=out, jobs=1, **kw))  # type: ignore[arg-type]
        assert result.ok, [r.error for r in result.results]
        return {r.target.name: r.status for r in result.results}

    assert run(selection=Selection(editions=("web",))) == {"north/en/staff-web": "built"}
    assert (out / "north/en/staff.html").is_file() and not (out / "north/en/staff-screen.pdf").exists()
    assert not (out / "north/en/staff-web.cover.png").exists()
    assert run() == {"north/en/staff-screen": "built", "north/en/staff-web": "up to date"}
    before = (out / "north/en/staff.html").read_bytes()
    staff = root / "content/en/audiences/staff.yaml"
    staff.write_text(staff.read_text().replace("title: Boundaries", "title: Boundaries renewed"))
    assert run(selection=Selection(editions=("web",))) == {"north/en/staff-web": "built"}
    after = (out / "north/en/staff.html").read_bytes()
    assert b"Boundaries renewed" in after and b"Boundaries renewed" not in before
    (out / "north/en/staff.html").write_bytes(b"changed by hand")
    assert run(selection=Selection(editions=("web",))) == {"north/en/staff-web": "built"}, "a changed page is rebuilt"
    assert (out / "north/en/staff.html").read_bytes() == after, "the same inputs give the same bytes"
    parts = [run(shard=Shard(i, 2), force=True) for i in (1, 2)]
    assert sorted(parts[0] | parts[1]) == ["north/en/staff-screen", "north/en/staff-web"]
    assert not set(parts[0]) & set(parts[1])
    manifest = json.loads((out / "manifest.json").read_text())["booklets"]
    assert [(e["path"], e["format"]) for e in manifest] == [("north/en/staff-screen.pdf", "pdf"),
                                                             ("north/en/staff.html", "html")]
    index = (out / "index.html").read_text()
    assert 'href="north/en/staff.html"' in index and "Web page" in index


def test_images_are_embedded_and_anything_that_would_load_is_refused(make_project: Callable[..., Path],
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    root = make_project({**WITH_WEB, "content/en/shared.yaml": """\
        zero-tolerance:
          title: Zero tolerance
          body: Never acceptable. A fact[^fact-one].
          image: {src: line.png, alt: "A line drawing of two people talking"}
        """})
    (root / "content/assets").mkdir(parents=True)
    Image.new("RGB", (20, 10), (29, 53, 87)).save(root / "content/assets/line.png")
    assert main(["--project", str(root), "--edition", "web"]) == 0
    shown = page(root / "dist", "north/en/staff.html")
    png = base64.b64encode((root / "content/assets/line.png").read_bytes()).decode()
    assert f"data:image/png;base64,{png}" in shown.loads
    good = _html(root)
    capsys.readouterr()

    template = root / "templates/web/page.html.j2"
    original = template.read_text()
    for added, reason in (
        ('<script src="app.js"></script>', "the web page runs no script"),
        ('<link rel="stylesheet" href="https://cdn.example.org/x.css">',
         "refused to load https://cdn.example.org/x.css: the web page embeds only files inside the project"),
        ('<img src="https://example.org/track.gif" alt="">', "refused to load https://example.org/track.gif"),
        ('<link rel="stylesheet" href="../../../../etc/passwd">',
         "is outside the project's templates/ and content/assets/"),
    ):
        template.write_text(original.replace("</head>", added + "\n</head>"))
        assert main(["--project", str(root), "--edition", "web"]) == 2
        err = capsys.readouterr().err
        assert "error: north/en/staff-web: cannot make north/en/staff.html: " in err and reason in err, err
        assert _html(root) == good, "the last good page stays as it was"


def _html(root: Path) -> str:
    return (root / "dist/north/en/staff.html").read_text(encoding="utf-8")


def test_lang_marks_in_text_and_sources(make_project: Callable[..., Path], capsys: pytest.CaptureFixture[str]) -> None:
    md = make_markdown()
    assert md.render("Juzgado en la [Crown Court]{lang=en-GB}[^cps].", {}) == (
        '<p>Juzgado en la <span lang="en-GB">Crown Court</span>'
        '<sup class="cite"><a href="#source-cps">1</a></sup>.</p>\n')
    assert md.render("[**Crown** Court]{lang=en} [x](https://e.org) [y]", {}).startswith(
        '<p><span lang="en"><strong>Crown</strong> Court</span> <a href="https://e.org">x</a> [y]')
    assert md.render("[Crown Court]{lang=English}", {}) == "<p>[Crown Court]{lang=English}</p>\n"
    assert plain_text("la [Crown Court]{lang=en} y") == "la Crown Court y"

    root = make_project({**WITH_WEB, "content/en/sources.yaml": """\
        fact-one: {text: "The [Bureau of Justice Statistics]{lang=en-US}, 2020 <a>."}
        """})
    assert main(["--project", str(root), "--edition", "web,screen"]) == 0
    shown = page(root / "dist", "north/en/staff.html")
    assert ("en-US", "Bureau of Justice Statistics") in shown.marked
    assert "The Bureau of Justice Statistics, 2020 <a>." in shown.text, "source text is escaped, not markup"
    by_lang = _text_by_structure_language(root / "dist/north/en/staff-screen.pdf")
    assert _bare("Bureau of Justice Statistics") == _bare(by_lang["en-US"])
    capsys.readouterr()

    bad = make_project({**WITH_WEB, "content/en/shared.yaml": """\
        zero-tolerance:
          title: Zero tolerance
          body: |
            Never acceptable in the [Crown Court]{lang=English}. A fact[^fact-one].
        """})
    assert main(["--project", str(bad)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "error: content/en/shared.yaml:3:9: zero-tolerance.body: expected a language code such as en, es or "
        "pt-BR in {lang=...}, found 'English'; write the phrase as [phrase]{lang=en}"]


ES = {
    "content/es/strings.yaml": (REPO / "content/es/strings.yaml").read_text(encoding="utf-8"),
    "content/es/sources.yaml": 'fact-one: {text: "Fuente uno, 2020."}\n',
    "content/es/shared.yaml": """\
        zero-tolerance:
          title: Tolerancia cero
          body: |
            Nunca es aceptable. Un dato[^fact-one].
          variants:
            staff: {title: "Tolerancia cero para el personal"}
        """,
    "content/es/audiences/staff.yaml": """\
        name: Personal
        title: Límites
        summary: Un folleto de prueba.
        keywords: [prueba]
        reading_grade: 10
        sections:
          - include: zero-tolerance
          - id: how-to-report
            title: Cómo denunciar
            body: |
              Dígaselo a alguien.

              1. Primero
              2. Segundo
            callout: {title: "Si necesita ayuda ahora", body: "Llame a la línea."}
            contacts: [internal_line, outside_body]
        form:
          title: Constancia
          intro: Firme abajo.
          statements: ["He leído este folleto."]
        """,
}


def test_names_marked_in_another_language(make_project: Callable[..., Path],
                                               capsys: pytest.CaptureFixture[str]) -> None:
    files = {**WITH_WEB, **ES, "content/facilities/north.yaml": """\
        name: {en: North Site, es: "[North Site]{lang=en}"}
        address: ["1 North Road"]
        calls_monitored: {en: "Support calls are not recorded.", es: "Las llamadas de apoyo no se graban."}
        contacts:
          internal_line: {name: {en: Inside Line, es: "[Inside Line]{lang=en}"}, phone: "0100 000 001"}
          outside_body: {name: {en: Outside body, es: Organismo externo}, phone: "0100 000 002"}
        """}
    files["content/booklet.yaml"] = files["content/booklet.yaml"].replace("languages: [en]", "languages: [en, es]")
    root = make_project(files)
    assert main(["--project", str(root), "--edition", "web,screen"]) == 0, capsys.readouterr().err
    es, en = page(root / "dist", "north/es/staff.html"), page(root / "dist", "north/en/staff.html")
    assert {("en", "Test Unit"), ("en", "North Site"), ("en", "Inside Line")} <= set(es.marked)
    assert "Organismo externo" in es.text and en.marked == [("es", "Español")]
    assert '<meta name="author" content="Test Unit">' in (root / "dist/north/es/staff.html").read_text()
    english = _bare(_text_by_structure_language(root / "dist/north/es/staff-screen.pdf")["en"])
    assert all(_bare(name) in english for name in ("Test Unit", "North Site", "Inside Line"))
    capsys.readouterr()

    files["content/facilities/north.yaml"] = files["content/facilities/north.yaml"].replace(
        "[Inside Line]{lang=en}", "[Inside Line]{lang=English}")
    assert main(["--project", str(make_project(files))]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "error: content/facilities/north.yaml:5:47: contacts.internal_line.name.es: expected a language code "
        "such as en, es or pt-BR in {lang=...}, found 'English'; write the phrase as [phrase]{lang=en}",
    ]
    files["content/booklet.yaml"] = files["content/booklet.yaml"].replace(
        'organisation: {en: Test Unit, es: "[Test Unit]{lang=en}"}', "organisation: {en: Test Unit}")
    assert main(["--project", str(make_project(files))]) == 2
    # Every problem of a run at once: the missing translation does not hide the bad language code.
    assert capsys.readouterr().err.splitlines() == [
        "error: content/booklet.yaml:1:15: organisation: no 'es' text: missing translation (present in "
        "content/booklet.yaml:1); translate it or build with --draft",
        "error: content/facilities/north.yaml:5:47: contacts.internal_line.name.es: expected a language code "
        "such as en, es or pt-BR in {lang=...}, found 'English'; write the phrase as [phrase]{lang=en}",
    ]


def test_an_html_edition_has_no_pdf_settings_and_one_page_per_booklet(make_project: Callable[..., Path],
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    root = make_project({**WITH_WEB, "content/editions/web.yaml": WEB_YAML + "bleed_mm: 3\npdf_variant: pdf/ua-1\n"})
    assert main(["--project", str(root)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "error: content/editions/web.yaml:6:1: expected no PDF settings with format: html (a web page has no "
        "pages), found pdf_variant, bleed_mm; remove them"]
    files = {**WITH_WEB, "content/editions/site.yaml": WEB_YAML}
    files["content/booklet.yaml"] = files["content/booklet.yaml"].replace("[screen, web]", "[screen, web, site]")
    assert main(["--project", str(make_project(files))]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "error: content/booklet.yaml:7:25: editions: editions 'web' and 'site' are both web editions (format: html) "
        "and would both write staff.html, a booklet's one web page; list one of them in editions"]


def test_packets_are_not_made_from_web_pages(make_project: Callable[..., Path],
                                             capsys: pytest.CaptureFixture[str]) -> None:
    root = make_project(WITH_WEB)
    roster = root / "roster.csv"
    roster.write_text("name,id,audience,language,facility,date\nAda,A1,staff,en,north,2026-02-01\n")
    assert main(["packets", str(roster), "--project", str(root), "--edition", "web"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "error: command line: --edition 'web' makes web pages, not PDFs to print and sign; use one of: screen"]
    assert not (root / "dist").exists()


# --- in a real browser: axe-core's WCAG 2.2 AA rules, the keyboard, reflow ---------------------------

needs_browser = pytest.mark.skipif(bool(CHROMIUM_MISSING), reason=CHROMIUM_MISSING)
needs_axe = pytest.mark.skipif(bool(CHROMIUM_MISSING or AXE_MISSING), reason=CHROMIUM_MISSING or AXE_MISSING)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    if CHROMIUM_MISSING:
        pytest.skip(CHROMIUM_MISSING)
    with chromium(tmp_path_factory.mktemp("browser")) as b:
        yield b


@needs_axe
@pytest.mark.parametrize("rel", [*PAGES, "index.html"])
def test_axe_finds_no_wcag22_aa_violation(default_build: Path, browser: Browser, rel: str) -> None:
    tab = browser.page((default_build / rel).as_uri())
    try:
        assert tab.axe(WCAG22_AA) == []
        tab.resize(320, 640)  # and none once reflowed for a phone (contrast, target sizes, overlaps)
        assert tab.axe(WCAG22_AA) == []
    finally:
        tab.close()


@needs_browser
@pytest.mark.parametrize("rel", PAGES)
def test_the_page_loads_nothing_but_itself_and_reflows_at_320px(default_build: Path, browser: Browser,
                                                                 rel: str) -> None:
    url = (default_build / rel).as_uri()
    tab = browser.page(url, width=320, height=640)
    try:
        assert [u for u in tab.requests() if u != url and not u.startswith("data:")] == []
        assert tab.evaluate("document.fonts.check('18px \"Source Sans Pro\"')")
        assert tab.evaluate("[...document.fonts].every(f => f.status === 'loaded' || f.status === 'unloaded')")
        assert tab.evaluate("[...document.fonts].some(f => f.status === 'loaded')"), "the embedded fonts are used"
        # No sideways scrolling at 320 CSS px (WCAG 1.4.10), and nothing sticks out of the page.
        assert tab.evaluate("document.documentElement.scrollWidth") <= 320
        assert tab.evaluate("window.scrollTo(500, 0), window.scrollX") == 0
        wide = tab.evaluate("""[...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > innerWidth + 0.5).map(e => e.outerHTML.slice(0, 80))""")
        assert wide == []
    finally:
        tab.close()


@needs_browser
@pytest.mark.parametrize("rel", ["example/en/staff.html", "example/es/residents.html"])
def test_the_keyboard_alone_reaches_every_part_from_the_contents(default_build: Path, browser: Browser,
                                                                  rel: str) -> None:
    tab = browser.page((default_build / rel).as_uri(), width=800, height=600)
    active = "document.activeElement"
    try:
        tab.press("Tab")
        assert tab.evaluate(f"{active}.className") == "skip-link"
        assert tab.evaluate(f"{active}.getBoundingClientRect().top >= 0"), "visible when it has focus"
        tab.press("Enter")
        assert tab.evaluate(f"{active}.id") == "main" and tab.evaluate("location.hash") == "#main"
        # Tab goes through the contents, link by link, each showing its focus.
        targets = tab.evaluate("[...document.querySelectorAll('nav.contents a')].map(a => a.hash)")
        assert "#sources" in targets and "#contacts" in targets and len(targets) > 5
        for target in targets:
            tab.press("Tab")
            assert tab.evaluate(f"{active}.closest('nav.contents') && {active}.hash") == target
            assert tab.evaluate(f"getComputedStyle({active}).outlineStyle") != "none", "focus is visible"
        # Again from the top: the third entry, then Enter moves focus and the view to its section.
        for target in targets[2:4] + targets[-1:]:
            tab.goto((default_build / rel).as_uri())
            for key in ("Tab", "Enter", *["Tab"] * (targets.index(target) + 1)):
                tab.press(key)
            assert tab.evaluate(f"{active}.hash") == target
            tab.press("Enter")
            assert tab.evaluate("location.hash") == target
            assert "#" + tab.evaluate(f"{active}.id") == target, "focus moves to the section"
            top = tab.evaluate(f"{active}.getBoundingClientRect().top")
            if target == targets[-1]:
                continue  # the contacts end the page: nothing to scroll further, nothing after them to tab to
            assert 0 <= top < 40, f"scrolled to its top ({top} px)"
            tab.press("Tab")
            assert tab.evaluate(f"document.querySelector('{target}').compareDocumentPosition({active}) & 4"), (
                "the next Tab goes on from the section, not back in the contents")
    finally:
        tab.close()


def test_ci_installs_the_pinned_axe_core() -> None:
    """CI installs the axe-core version the skip message names; an installed copy is that version."""
    assert f"npm install --prefix . --no-save --no-package-lock --no-audit --no-fund axe-core@{AXE_VERSION}" in (
        REPO / ".ci/run").read_text()
    assert AXE_MISSING == "" or f"axe-core@{AXE_VERSION}" in AXE_MISSING
    if not AXE_MISSING and AXE == REPO / "node_modules/axe-core/axe.min.js":
        assert json.loads((AXE.parent / "package.json").read_text())["version"] == AXE_VERSION
