"""The one builder of scratch projects for the tests.

A scratch project is the repository's real templates/ and content/en/strings.yaml with small
content: MINIMAL (one facility, one language, one audience, one edition), changed by overrides.
Every test that needs a project on disk writes it here, so the base content and the way files
are written live in one place:

    write_project(root)                                               # MINIMAL as it is
    write_project(root, {STAFF: "name: Staff\\n..."})                 # replace or add a file
    write_project(root, {"content/editions/screen.yaml": None})       # delete one
    write_project(root, {STAFF: edit("Tell someone.", "Tell a friend.")})  # change one
    write_project(root, facilities=("north", "south"))                # copies of north, in the matrix
    write_project(root, languages=("es",))                            # + the Spanish translation

Text given as `str` is dedented (write it indented in the test, as MINIMAL is); `bytes` are written
as they are; a function gets the file's text so far and returns the new text (`edit`, `append`).

After writing, `change(root, files)` edits files in place with the same kinds of values (`str`
written exactly as given). The `make_project` fixture (tests/conftest.py) writes into the test's
tmp_path; module- and session-scoped fixtures call `write_project` on a folder of their own.
"""

from __future__ import annotations

import re
import shutil
import textwrap
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

#: A file's new content: text (dedented by write_project), bytes, a function of the old text, or
#: None to delete the file.
FileEdit = str | bytes | Callable[[str], str] | None

BOOKLET = "content/booklet.yaml"
SCREEN = "content/editions/screen.yaml"
NORTH = "content/facilities/north.yaml"
SOURCES = "content/en/sources.yaml"
SHARED = "content/en/shared.yaml"
STAFF = "content/en/audiences/staff.yaml"
STRINGS = "content/en/strings.yaml"

# Indented as the tests write their overrides; write_project dedents. Tests derive variants with
# str.replace on these texts, so their indentation is part of their interface, and the bad-input
# corpus (tests/bad_input/cases.py) and tests/test_pipeline.py state line numbers in them.
MINIMAL: dict[str, str] = {
    BOOKLET: """\
        organisation: Test Unit
        document_number: "T-1"
        revision: "2.0"
        effective_date: 2026-01-15
        languages: [en]
        audiences: [staff]
        editions: [screen]
        facilities: [north]
        """,
    SCREEN: """\
        name: Screen
        size: {iso: A5, us: 5.5in 8.5in}
        stylesheets: [editions/screen.css]
        pdf_variant: pdf/ua-1
        """,
    NORTH: """\
        name: North Site
        address: ["1 North Road"]
        calls_monitored: "Support calls are not recorded."
        contacts:
          internal_line: {name: "Inside line", phone: "0100 000 001"}
          outside_body: {name: "Outside body", phone: "0100 000 002"}
        """,
    SOURCES: """\
        fact-one: {text: "Source One, 2020."}
        """,
    SHARED: """\
        zero-tolerance:
          title: Zero tolerance
          body: |
            Never acceptable. A fact[^fact-one].
          variants:
            staff: {title: "Zero tolerance for staff"}
        """,
    STAFF: """\
        name: Staff
        title: Boundaries
        summary: A test booklet.
        keywords: [test]
        reading_grade: 10
        sections:
          - include: zero-tolerance
          - id: how-to-report
            title: How to report
            body: |
              Tell someone.

              1. First
              2. Second
            callout: {title: "If you need help now", body: "Call the line."}
            contacts: [internal_line, outside_body]
        form:
          title: Acknowledgement
          intro: Sign below.
          statements: ["I have read this booklet."]
        """,
}


# The Spanish translation of MINIMAL's content, added by `languages=("es",)` with the shipped
# content/es/strings.yaml (tests/i18n_project.py builds its bilingual project from it).
TRANSLATIONS: dict[str, dict[str, str]] = {"es": {}}
# Indented by four: tests derive variants with str.replace on these texts.
TRANSLATIONS["es"]["content/es/sources.yaml"] = """\
    fact-one: {text: "Fuente uno, 2020."}
    """
TRANSLATIONS["es"]["content/es/shared.yaml"] = """\
    zero-tolerance:
      title: Tolerancia cero
      body: |
        Nunca es aceptable. Un dato[^fact-one].
      variants:
        staff: {title: "Tolerancia cero para el personal"}
    """
TRANSLATIONS["es"]["content/es/audiences/staff.yaml"] = """\
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
      title: Acuse de recibo
      intro: Firme abajo.
      statements: ["He leído este folleto."]
    """


def edit(old: str, new: str) -> Callable[[str], str]:
    """A FileEdit replacing `old` (which must be in the file exactly once) by `new`."""

    def apply(text: str) -> str:
        if text.count(old) != 1:
            raise AssertionError(f"scratch edit: {old!r} is not in the file exactly once")
        return text.replace(old, new)

    return apply


def append(extra: str) -> Callable[[str], str]:
    """A FileEdit adding `extra` at the end of the file."""
    return lambda text: text + extra


def shipped(rel: str) -> str:
    """A file of the repository's own project (an edition, a facility, strings), as it is now."""
    return (REPO / rel).read_text(encoding="utf-8")


def _set_list(booklet: str, key: str, values: Sequence[str]) -> str:
    """booklet.yaml with the flow list `key: [...]` set to `values`."""
    new, count = re.subn(rf"^({key}:\s*)\[[^\]\n]*\]", rf"\g<1>[{', '.join(values)}]", booklet, flags=re.M)
    if count != 1:
        raise AssertionError(f"scratch project: content/booklet.yaml has no one-line `{key}: [...]` list")
    return new


def _write(path: Path, new: FileEdit, dedent: bool) -> None:
    if new is None:
        path.unlink(missing_ok=True)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(new, bytes):
        path.write_bytes(new)
    elif isinstance(new, str):
        path.write_text(textwrap.dedent(new) if dedent else new, encoding="utf-8")
    else:
        path.write_text(new(path.read_text(encoding="utf-8")), encoding="utf-8")


def write_project(root: Path, files: Mapping[str, FileEdit] | None = None, *,
                  facilities: Sequence[str] = (), languages: Sequence[str] = ()) -> Path:
    """Write a scratch project into `root` (a new or empty folder) and return `root`.

    MINIMAL is written first, then `files` in order (a function sees the text written
    so far, so it can change a base file). `facilities` puts these ids in the matrix, each a copy
    of north.yaml named "<Id> Site" unless `files` writes it; `languages` adds these languages
    to the matrix, each with its shipped strings.yaml and its TRANSLATIONS where there are some
    (for another language, `files` gives the translation, or the build runs with --draft).
    """
    shutil.copytree(REPO / "templates", root / "templates")
    (root / "content/en").mkdir(parents=True)
    shutil.copy(REPO / STRINGS, root / STRINGS)
    for lang in languages:
        if (REPO / f"content/{lang}/strings.yaml").is_file():
            _write(root / f"content/{lang}/strings.yaml", shipped(f"content/{lang}/strings.yaml"), dedent=False)
    for rel, text in [*MINIMAL.items(), *(f for lang in languages for f in TRANSLATIONS.get(lang, {}).items())]:
        _write(root / rel, text, dedent=True)
    if facilities or languages:
        booklet = root / BOOKLET
        text = booklet.read_text(encoding="utf-8")
        if facilities:
            text = _set_list(text, "facilities", facilities)
            north = (root / NORTH).read_text(encoding="utf-8")
            for fid in facilities:
                (root / f"content/facilities/{fid}.yaml").write_text(
                    north.replace("North Site", f"{fid.title()} Site"), encoding="utf-8")
        if languages:
            current = re.search(r"^languages:\s*\[([^\]\n]*)\]", text, flags=re.M)
            assert current is not None, "scratch project: content/booklet.yaml has no `languages: [...]`"
            known = [x.strip() for x in current.group(1).split(",") if x.strip()]
            text = _set_list(text, "languages", [*known, *(x for x in languages if x not in known)])
        booklet.write_text(text, encoding="utf-8")
    for rel, new in (files or {}).items():
        _write(root / rel, new, dedent=True)
    return root


def change(root: Path, files: Mapping[str, FileEdit]) -> None:
    """Edit files of a written project in place: `str` and `bytes` are written exactly as given, a
    function gets the current text, None deletes."""
    for rel, new in files.items():
        _write(root / rel, new, dedent=False)
