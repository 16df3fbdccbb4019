"""Languages: Spanish booklets are Spanish throughout, a missing translation is an error naming
every gap, and --draft builds with the source language standing in, marked and listed."""

from __future__ import annotations

import re
import shutil
import textwrap
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pypdf
import pytest
import yaml

from booklets.cli.main import main
from booklets.content import i18n
from booklets.content.load import load_project
from booklets.content.yamlload import Doc, load_yaml
from booklets.errors import Problem
from booklets.plan import Target
from booklets.render.html import render_html
from tests.i18n_project import ES_STAFF, ES_STRINGS, REPO, bilingual, line_of, pages_text, pdf_lang
from tests.scratch import change, edit

EN_STRINGS = (REPO / "content/en/strings.yaml").read_text(encoding="utf-8")
ES_PDF = "dist/north/es/staff-screen.pdf"
EN_PDF = "dist/north/en/staff-screen.pdf"


def run(capsys: pytest.CaptureFixture[str], root: Path, *args: str) -> tuple[int, list[str]]:
    """Run the CLI; the exit status and the stderr lines."""
    status = main(["--project", str(root), *args])
    return status, capsys.readouterr().err.splitlines()


def english_only_strings() -> dict[str, str]:
    """Template strings whose English differs from the Spanish: none may show in a Spanish PDF."""
    en, es = yaml.safe_load(EN_STRINGS), yaml.safe_load(ES_STRINGS)
    return {k: v for k, v in en.items() if k not in ("locale", "placeholder") and v != es[k]}


def english_leaks(text: str) -> list[str]:
    """English template strings found in `text`, as whole words."""
    found = []
    for value in english_only_strings().values():
        words = re.escape(" ".join(value.split()))
        # A two-letter string ("of") also occurs in names a Spanish text quotes ("Ministry of
        # Justice"); the templates print it only between page numbers, so look for it there.
        pattern = rf"\d {words} \d" if len(value) < 3 else rf"(?<!\w){words}(?!\w)"
        if re.search(pattern, text):
            found.append(value)
    return found


def test_spanish_booklet_is_spanish(bilingual_build: Path) -> None:
    root = bilingual_build  # built with status 0 (conftest)
    es, en = root / ES_PDF, root / EN_PDF
    assert pdf_lang(es) == "es" and pdf_lang(en) == "en"
    es_text, en_text = " ".join(pages_text(es)), " ".join(pages_text(en))
    assert english_leaks(es_text) == []
    # The check can fail: the English booklet prints the very strings looked for.
    assert {"Contents", "Sign here", "Revision", "Supersedes", "of"} <= set(english_leaks(en_text))
    for shown in (
        "Índice",
        "Firme aquí",
        "Revisión 2.0",
        "Página 4 de",
        "Sustituye a 1.0",
        "A quién acudir",
        "¿Se escuchan las llamadas?",
        "Centro Norte",
        "Línea interna",
    ):
        assert shown in es_text
    assert "1 de diciembre de 2026" in es_text and "December" not in es_text
    assert "1 December 2026" in en_text


def test_missing_spanish_key_names_file_and_key(
    bilingual_build: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "project"
    shutil.copytree(bilingual_build, root)  # built once per session (conftest); changed here
    assert run(capsys, root, "--lang", "es")[0] == 0
    before = (root / ES_PDF).read_bytes()
    strings = root / "content/es/strings.yaml"
    strings.write_text(re.sub(r"^sign_here:.*\n", "", ES_STRINGS, flags=re.M), encoding="utf-8")
    status, err = run(capsys, root, "--lang", "es")
    first_key = line_of(ES_STRINGS, "locale:")
    assert status == 2
    assert err == [
        f"error: content/es/strings.yaml:{first_key}:1: sign_here: missing translation (present "
        f"in content/en/strings.yaml:{line_of(EN_STRINGS, 'sign_here:')}); translate it or build "
        "with --draft"
    ]
    assert (root / ES_PDF).read_bytes() == before  # the failed build left the earlier PDF alone


# The Spanish staff booklet with a piece missing of each kind: a section, a callout, a statement,
# a shared variant, a source, a template string; the English one has two statements.
EN_STAFF_TWO_STATEMENTS = {
    "content/en/audiences/staff.yaml": """\
    name: Staff
    title: Boundaries
    summary: A test booklet.
    keywords: [test]
    reading_grade: 10
    sections:
      - include: zero-tolerance
      - id: how-to-report
        title: How to report
        body: Tell someone.
        callout: {title: "If you need help now", body: "Call the line."}
        contacts: [internal_line, outside_body]
      - id: after
        title: What happens next
        body: We act on every report.
    form:
      title: Acknowledgement
      intro: Sign below.
      statements: ["I have read this booklet.", "I will report."]
    """
}
ES_STAFF_GAPS = """\
    name: Personal
    title: Límites
    summary: Un folleto de prueba.
    keywords: [prueba]
    reading_grade: 10
    sections:
      - include: zero-tolerance
      - id: how-to-report
        title: Cómo denunciar
        body: Dígaselo a alguien.
        contacts: [internal_line, outside_body]
    form:
      title: Acuse de recibo
      intro: Firme abajo.
      statements: ["He leído este folleto."]
    """
ES_SHARED_NO_VARIANT = """\
    zero-tolerance:
      title: Tolerancia cero
      body: |
        Nunca es aceptable. Un dato[^fact-one].
    """


def gaps_project(make_project: Callable[..., Path]) -> Path:
    return make_project(
        bilingual(
            **EN_STAFF_TWO_STATEMENTS,
            **{
                "content/es/audiences/staff.yaml": ES_STAFF_GAPS,
                "content/es/shared.yaml": ES_SHARED_NO_VARIANT,
                "content/es/sources.yaml": None,
                "content/es/strings.yaml": re.sub(r"^sign_here:.*\n", "", ES_STRINGS, flags=re.M),
            },
        )
    )


def test_every_missing_translation_in_one_run(
    make_project: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    root = gaps_project(make_project)
    status, err = run(capsys, root)
    en_staff = textwrap.dedent(EN_STAFF_TWO_STATEMENTS["content/en/audiences/staff.yaml"])
    es_staff = textwrap.dedent(ES_STAFF_GAPS)
    en_shared = (root / "content/en/shared.yaml").read_text()
    todo = "translate it or build with --draft"
    es, en, at = "content/es/audiences/staff.yaml", "content/en/audiences/staff.yaml", line_of
    assert status == 2
    assert err == [
        f"error: {es}:{at(es_staff, '- include')}:3: sections: section 'after': missing "
        f"translation (present in {en}:{at(en_staff, '- id: after')}); {todo}",
        f"error: {es}:{at(es_staff, '- id: how')}:5: sections[1].callout: missing "
        f"translation (present in {en}:{at(en_staff, 'callout:')}); {todo}",
        f"error: {es}:{at(es_staff, 'statements:')}:15: form.statements[1]: missing "
        f"translation (present in {en}:{at(en_staff, 'statements:')}); {todo}",
        f"error: content/es/shared.yaml:2:3: zero-tolerance.variants: missing translation "
        f"(present in content/en/shared.yaml:{at(en_shared, 'variants:')}); {todo}",
        f"error: content/es/sources.yaml: missing translation of content/en/sources.yaml; {todo}",
        f"error: content/es/strings.yaml:{at(ES_STRINGS, 'locale:')}:1: sign_here: missing "
        f"translation (present in content/en/strings.yaml:{at(EN_STRINGS, 'sign_here:')}); {todo}",
    ]
    assert not (root / "dist").exists()


def test_missing_audience_file_is_one_error(
    make_project: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_project(bilingual(**{"content/es/audiences/staff.yaml": None}))
    status, err = run(capsys, root)
    assert (status, err) == (
        2,
        [
            "error: content/es/audiences/staff.yaml: missing translation of "
            "content/en/audiences/staff.yaml; translate it or build with --draft"
        ],
    )


def test_draft_marks_and_lists_every_fallback(
    make_project: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    root = gaps_project(make_project)
    status, err = run(capsys, root, "--draft", "--lang", "es")
    assert status == 0, err
    warnings = [line for line in err if line.startswith("warning:")]
    assert len(warnings) == 6 and all("missing translation: " in w and "marked [EN]" in w for w in warnings)
    assert any(w.startswith("warning: content/es/strings.yaml:") and " sign_here: " in w for w in warnings)
    assert (
        "warning: content/es/sources.yaml: missing translation: the whole file shows the en text "
        "of content/en/sources.yaml, marked [EN]" in warnings
    )

    pdf = root / ES_PDF
    assert pdf_lang(pdf) == "es"
    text = " ".join(pages_text(pdf))
    for fallback in (
        "[EN] Sign here",
        "[EN] If you need help now",
        "[EN] Call the line.",
        "[EN] What happens next",
        "[EN] We act on every report.",
        "[EN] I will report.",
        "[EN] Zero tolerance for staff",
        "[EN] Source One, 2020.",
    ):
        assert fallback in text, fallback
    assert "[EN] Firme" not in text and "Acuse de recibo" in text  # translated text is not marked

    # The marked element carries the source language, for hyphenation and screen readers.
    html = render_html(load_project(root, draft=True), Target("north", "es", "staff", "screen"))
    assert '<html lang="es">' in html
    assert '<span class="fallback" lang="en">Sign here</span>' in html
    # (the last two words of a paragraph are joined by a no-break space: no one-word last line)
    assert '<div class="fallback" lang="en"><p>We act on every\xa0report.</p>\n</div>' in html


class _Collect(HTMLParser):
    """Attribute values, the <title> text, and whether fallback spans made it into the body."""

    def __init__(self) -> None:
        super().__init__()
        self.attrs: list[str] = []
        self.title = ""
        self.spans = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.attrs += [v or "" for _, v in attrs]
        self._in_title = tag == "title"
        self.spans += tag == "span" and ("class", "fallback") in attrs

    def handle_endtag(self, tag: str) -> None:
        self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data


def test_draft_of_an_untranslated_language_keeps_markup_valid(
    make_project: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """Everything falls back, including text printed in attributes, <title> and CSS strings."""
    root = make_project(
        bilingual(
            **{
                "content/es/strings.yaml": None,
                "content/es/sources.yaml": None,
                "content/es/shared.yaml": None,
                "content/es/audiences/staff.yaml": None,
                "content/es/README.txt": "Traducción pendiente.\n",
            }
        )
    )
    html = render_html(load_project(root, draft=True), Target("north", "es", "staff", "screen"))
    assert not set(html) & {i18n.OPEN, i18n.MID, i18n.CLOSE}
    parsed = _Collect()
    parsed.feed(html)
    assert parsed.title == "Boundaries – Staff"
    assert parsed.spans > 20
    assert not [a for a in parsed.attrs if "<" in a or ("fallback" in a and a != "fallback")]

    status, err = run(capsys, root, "--draft", "--lang", "es")
    assert status == 0, err
    reader = pypdf.PdfReader(root / ES_PDF)
    assert reader.metadata is not None and reader.metadata.title == "Boundaries – Staff"
    text = " ".join(pages_text(root / ES_PDF))
    assert re.search(r"Page \d+ of \d+", text)  # the footer's CSS strings fall back unmarked, but are listed
    assert "1 de diciembre de 2026" in text  # no locale: the language code still dates in Spanish
    assert (
        "warning: content/es/strings.yaml: missing translation: the whole file shows the en text "
        "of content/en/strings.yaml, marked [EN]" in err
    )


def test_extra_section_in_a_translation_is_a_warning(
    make_project: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    extra = ES_STAFF.replace("    form:", "      - {id: extra, title: Extra, body: Texto de más.}\n    form:")
    root = make_project(bilingual(**{"content/es/audiences/staff.yaml": extra}))
    status, err = run(capsys, root, "--lang", "es")
    line = line_of(textwrap.dedent(extra), "- {id: extra")
    assert status == 0
    assert (
        f"warning: content/es/audiences/staff.yaml:{line}:5: sections[2]: section 'extra': not "
        "in the source language (content/en/audiences/staff.yaml); remove it, or add it there "
        "first so every language has it"
    ) in err


@pytest.mark.parametrize(
    ("locale", "message"),
    [
        (
            "en_GB",
            "locale 'en_GB' is for language 'en', not 'es'; dates would be written in the wrong "
            "language: use es or es_<REGION>",
        ),
        (
            "es-MX",
            "unknown locale 'es-MX'; use a language code with an optional region, written with an "
            "underscore, such as es or es_ES",
        ),
    ],
)
def test_locale_must_suit_the_language(
    make_project: Callable[..., Path], capsys: pytest.CaptureFixture[str], locale: str, message: str
) -> None:
    root = make_project(bilingual(**{"content/es/strings.yaml": ES_STRINGS.replace("locale: es", f"locale: {locale}")}))
    status, err = run(capsys, root)
    line = line_of(ES_STRINGS, "locale:")
    assert (status, err) == (2, [f"error: content/es/strings.yaml:{line}:9: locale: {message}"])


def test_facility_text_missing_a_language(
    make_project: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_project(bilingual())
    north = root / "content/facilities/north.yaml"
    change(root, {"content/facilities/north.yaml": edit(', es: "Línea interna"', "")})
    line = line_of(north.read_text(), 'name: {en: "Inside line"')
    status, err = run(capsys, root, "--lang", "es")
    assert (status, err) == (
        2,
        [
            f"error: content/facilities/north.yaml:{line}:11: contacts.internal_line.name: no 'es' "
            f"text: missing translation (present in content/facilities/north.yaml:{line}); "
            "translate it or build with --draft"
        ],
    )
    status, err = run(capsys, root, "--lang", "es", "--draft")
    assert status == 0
    assert "[EN] Inside line" in pages_text(root / ES_PDF)[-1]  # the back cover's contact card


FR_STRINGS = """\
    locale: fr
    contents: Sommaire
    page: Page
    of: sur
    """


def test_adding_a_language_is_adding_files(
    make_project: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """A French draft from nothing but a partial strings.yaml: no Python knows about French."""
    booklet = textwrap.dedent(bilingual()["content/booklet.yaml"] or "").replace("[en, es]", "[en, es, fr]")
    root = make_project(bilingual(**{"content/booklet.yaml": booklet, "content/fr/strings.yaml": FR_STRINGS}))
    status, err = run(capsys, root, "--lang", "fr")
    assert (
        status == 2
        and "error: content/fr/audiences/staff.yaml: missing translation of "
        "content/en/audiences/staff.yaml; translate it or build with --draft"
        in err
    )
    status, err = run(capsys, root, "--lang", "fr", "--draft")
    assert status == 0, err
    pdf = root / "dist/north/fr/staff-screen.pdf"
    text = " ".join(pages_text(pdf))
    assert pdf_lang(pdf) == "fr"
    assert "1 décembre 2026" in text and "Sommaire" in text and "Page 4 sur" in text


def test_shipped_spanish_booklets(request: pytest.FixtureRequest) -> None:
    """Every shipped audience and edition in Spanish: /Lang es, no English template string,
    Spanish dates."""
    booklet = yaml.safe_load((REPO / "content/booklet.yaml").read_text(encoding="utf-8"))
    if not (REPO / "content/es/audiences").is_dir():
        pytest.skip("the Spanish content (content/es/audiences/) has not landed yet")
    assert "es" in booklet["languages"], "content/es exists: add es to languages in content/booklet.yaml"
    dist: Path = request.getfixturevalue("default_build")
    effective = i18n_date(booklet["effective_date"])
    for facility in booklet["facilities"]:
        for audience in booklet["audiences"]:
            for edition in booklet["editions"]:
                settings = yaml.safe_load((REPO / f"content/editions/{edition}.yaml").read_text(encoding="utf-8"))
                if settings.get("format") == "html":  # the web edition's page, read as text
                    page = (dist / facility / "es" / f"{audience}.html").read_text(encoding="utf-8")
                    text = " ".join(re.sub(r"<style.*?</style>|<[^>]+>", " ", page, flags=re.S).split())
                    assert '<html lang="es"' in page and english_leaks(text) == [], audience
                    assert effective in text, audience
                    continue
                pdf = dist / facility / "es" / f"{audience}-{edition}.pdf"
                text = " ".join(pages_text(pdf))
                assert pdf_lang(pdf) == "es", pdf
                assert english_leaks(text) == [], pdf
                assert effective in text, pdf


def i18n_date(value: object) -> str:
    from babel.dates import format_date

    return format_date(value, format="long", locale="es")  # type: ignore[arg-type]


def _doc(tmp_path: Path, rel: str, text: str) -> Doc:
    path = tmp_path / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    doc, problems = load_yaml(path, tmp_path)
    assert doc is not None and problems == []
    return doc


def test_a_missing_section_keeps_its_place_in_a_draft(tmp_path: Path) -> None:
    source = _doc(
        tmp_path,
        "content/en/audiences/a.yaml",
        """\
        sections:
          - {id: one, title: One, body: First.}
          - {include: two}
          - {id: three, title: Three, body: Third.}
        """,
    )
    target = _doc(
        tmp_path,
        "content/es/audiences/a.yaml",
        """\
        sections:
          - {id: three, title: Tres, body: Tercero.}
          - {id: one, title: Uno, body: Primero.}
        """,
    )
    data, gaps, extras = i18n.complete(target, source, target.rel, "es", "en")
    assert [(g.key, g.what, g.source_line) for g in gaps] == [("sections", "section 'two': ", 3)]
    assert extras == []
    # The translation's order stands; the missing section follows its source predecessor.
    assert [dict(s) for s in data["sections"]] == [
        {"id": "three", "title": "Tres", "body": "Tercero."},
        {"id": "one", "title": "Uno", "body": "Primero."},
        {"include": "two"},  # an id is never marked: it names a shared section
    ]


def test_fallback_marks_follow_the_html_context() -> None:
    mark = i18n.fallback_text
    html = (
        f"<html><head><title>{mark('Title', 'en')}</title>"
        f'<style>@page {{ content: "{mark("Page", "en")}"; }}</style></head>'
        f'<body><nav aria-label="{mark("Contents", "en")}">{mark("Contents", "en")}</nav>'
        f"<p>Hola {mark('Sign &amp; date', 'en')}</p></body></html>"
    )
    assert i18n.mark_fallbacks(html) == (
        "<html><head><title>Title</title>"
        '<style>@page { content: "Page"; }</style></head>'
        '<body><nav aria-label="Contents"><span class="fallback" lang="en">Contents</span></nav>'
        '<p>Hola <span class="fallback" lang="en">Sign &amp; date</span></p></body></html>'
    )
    assert i18n.mark_fallbacks("<p>no marks</p>") == "<p>no marks</p>"


def test_an_empty_value_is_a_missing_translation(tmp_path: Path) -> None:
    source = _doc(tmp_path, "content/en/audiences/a.yaml", "title: Title\nsubtitle: What to know\n")
    target = _doc(tmp_path, "content/es/audiences/a.yaml", "title: Título\nsubtitle:\n")
    data, gaps, _ = i18n.complete(target, source, target.rel, "es", "en")
    assert [g.error() for g in gaps] == [
        Problem(
            "content/es/audiences/a.yaml",
            2,
            1,
            "subtitle",
            "missing translation (present in content/en/audiences/a.yaml:2); translate it or build "
            "with --draft",
        )
    ]
    assert data["subtitle"] == i18n.fallback_text("What to know", "en")
