"""Facilities and document control: per-facility contact pages, document control on the pages, and
release builds that refuse placeholders and refuse to re-release a revision with other content."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from booklets.cli.main import main
from booklets.engine import release
from booklets.engine.pipeline import BuildOptions, build
from booklets.errors import BookletError
from tests.i18n_project import RIVERSIDE, bilingual, line_of, pages_text
from tests.scratch import append, change, edit

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = (REPO / "content/facilities/example.yaml").read_text(encoding="utf-8")
EXAMPLE_PLACE = (REPO / "content/jurisdictions/england-wales.yaml").read_text(encoding="utf-8")


def run(capsys: pytest.CaptureFixture[str], root: Path, *args: str) -> tuple[int, list[str]]:
    status = main(["--project", str(root), *args])
    return status, capsys.readouterr().err.splitlines()


def with_facilities(*ids: str, **files: str | None) -> dict[str, str | None]:
    booklet = textwrap.dedent(bilingual()["content/booklet.yaml"] or "")
    booklet = booklet.replace("facilities: [north]", f"facilities: [{', '.join(ids)}]")
    return bilingual(**{"content/booklet.yaml": booklet, **files})


def test_two_facilities_give_their_own_contact_pages(
    make_project: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_project(with_facilities("north", "riverside", **{"content/facilities/riverside.yaml": RIVERSIDE}))
    status, err = run(capsys, root)
    assert status == 0, err
    # Contact cards (in "how to report" and on the back cover), then what only the back cover shows.
    for lang, north_cards, river_cards, north_back, river_back in (
        (
            "en",
            ["Inside line", "0100 000 001", "0100 000 002"],
            ["Riverside reporting line", "0100 777 001", "River Valley Ombudsman"],
            ["1 North Road", "Northtown", "Support calls are not recorded."],
            ["Riverside Unit", "7 Quay Street", "Calls to the support line are never recorded."],
        ),
        (
            "es",
            ["Línea interna", "0100 000 001", "Organismo externo"],
            ["Línea de denuncias de Ribera", "0100 777 001", "Defensoría del Valle del Río"],
            ["1 North Road", "Northtown", "Las llamadas de apoyo no se graban."],
            [
                "Riverside Unit",
                "Rivertown RV2 4QQ",
                "Las llamadas a la línea de apoyo nunca se graban.",
            ],
        ),
    ):
        north = pages_text(root / f"dist/north/{lang}/staff-screen.pdf")
        river = pages_text(root / f"dist/riverside/{lang}/staff-screen.pdf")
        back = -1
        for mine, theirs in ((north, river), (river, north)):
            words = north_cards if mine is north else river_cards
            # The cards of "how to report", wherever the page flow puts them (after the cover,
            # inside cover and contents, before the back cover), and the back cover's.
            for part in (slice(3, back), slice(back, None)):
                shown, other = " ".join(mine[part]), " ".join(theirs[part])
                assert [w for w in words if w not in shown or w in other] == [], (lang, part)
        assert [w for w in north_back if w not in north[back] or w in river[back]] == [], (
            lang,
            north[back],
        )
        assert [w for w in river_back if w not in river[back] or w in north[back]] == [], (
            lang,
            river[back],
        )
        names = {"en": ("North Site", "Riverside Unit"), "es": ("Centro Norte", "Unidad Ribera")}[lang]
        assert names[0] in north[0] and names[1] in river[0]  # the cover names the site
        assert names[1] not in north[0] and names[0] not in river[0]


def placeholder_positions(text: str) -> list[tuple[int, int]]:
    """Line and column of every `!placeholder` tag, found independently of the YAML loader."""
    return [
        (n, m.start() + 1)
        for n, line in enumerate(text.splitlines(), 1)
        if not line.lstrip().startswith("#")
        for m in re.finditer(r"!placeholder\b", line)
    ]


def test_release_with_the_example_facility_lists_every_placeholder(
    make_project: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_project(with_facilities("example", **{"content/facilities/example.yaml": EXAMPLE,
                                                      "content/jurisdictions/england-wales.yaml": EXAMPLE_PLACE}))
    expected = placeholder_positions(EXAMPLE)
    assert len(expected) >= 10

    status, err = run(capsys, root, "--release")
    assert status == 2
    assert not (root / "dist").exists() and not (root / "content/releases.yaml").exists()
    found = [
        tuple(map(int, m.groups()))
        for line in err
        if (
            m := re.match(
                r"error: content/facilities/example\.yaml:(\d+):(\d+): \S+: placeholder .+ must be "
                r"replaced with the real value$",
                line,
            )
        )
    ]
    assert found == expected
    assert len(err) == len(expected)

    # A normal build warns about them, one line for the file (`check` lists each), and builds.
    status, err = run(capsys, root, "--lang", "en")
    assert status == 0
    assert [line for line in err if "content/facilities/example.yaml" in line] == [
        f"warning: {len(expected)} placeholder values in content/facilities/example.yaml — run "
        f"`python build.py check --project {root}` to list them; `--release` refuses them"]


def release_project(make_project: Callable[..., Path]) -> Path:
    return make_project(with_facilities("riverside", **{"content/facilities/riverside.yaml": RIVERSIDE}))


def test_release_with_a_complete_facility_records_the_revision(
    make_project: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    root = release_project(make_project)
    status, err = run(capsys, root, "--release")
    assert status == 0, err
    assert "note: released revision 2.0: recorded in content/releases.yaml; commit it with the content" in err
    assert (root / "dist/riverside/es/staff-screen.pdf").is_file()
    record, problems = release.read_record(root)
    assert problems == [] and list(record) == ["2.0"]
    entry = record["2.0"][0]
    assert (
        entry.content_sha256,
        entry.document_number,
        entry.effective_date,
        entry.supersedes,
    ) == (release.content_hash(root), "T-7", "2026-12-01", "1.0")

    # The same revision from the same files: fine, and the record is left as it was.
    recorded = (root / "content/releases.yaml").read_bytes()
    pdf = (root / "dist/riverside/en/staff-screen.pdf").read_bytes()
    status, err = run(capsys, root, "--release")
    assert status == 0 and not [line for line in err if line.startswith("note:")]
    assert (root / "content/releases.yaml").read_bytes() == recorded
    assert (root / "dist/riverside/en/staff-screen.pdf").read_bytes() == pdf


def test_release_refuses_a_released_revision_with_changed_content(
    make_project: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    root = release_project(make_project)
    assert run(capsys, root, "--release", "--lang", "en")[0] == 0
    pdf = (root / "dist/riverside/en/staff-screen.pdf").read_bytes()
    change(root, {"content/en/audiences/staff.yaml": edit("Tell someone.", "Tell someone you trust.")})

    status, err = run(capsys, root, "--release", "--lang", "en")
    booklet = (root / "content/booklet.yaml").read_text()
    assert (status, err) == (
        2,
        [
            f"error: content/booklet.yaml:{line_of(booklet, 'revision:')}:11: revision: revision "
            "'2.0' was already released with different content (content/releases.yaml:4); bump "
            "`revision` (and set "
            '`supersedes: "2.0"`) to release the changes, or restore the released files'
        ],
    )
    assert (root / "dist/riverside/en/staff-screen.pdf").read_bytes() == pdf

    # A normal (unreleased) build of the changed content is fine.
    assert run(capsys, root, "--lang", "en")[0] == 0

    (root / "content/booklet.yaml").write_text(
        booklet.replace('revision: "2.0"', 'revision: "2.1"').replace('supersedes: "1.0"', 'supersedes: "2.0"')
    )
    status, err = run(capsys, root, "--release", "--lang", "en")
    assert status == 0, err
    record, _ = release.read_record(root)
    assert list(record) == ["2.0", "2.1"] and record["2.1"][0].supersedes == "2.0"
    assert "Revision 2.1" in pages_text(root / "dist/riverside/en/staff-screen.pdf")[3]


def test_release_requires_document_control(
    make_project: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    root = release_project(make_project)
    booklet_path = root / "content/booklet.yaml"
    booklet = booklet_path.read_text()
    booklet_path.write_text(booklet.replace('supersedes: "1.0"\n', ""))
    line = line_of(booklet, "revision:")
    status, err = run(capsys, root, "--release")
    assert (status, err) == (
        2,
        [
            f"error: content/booklet.yaml:{line}:11: supersedes: a release must name the revision "
            'it supersedes; add e.g. `supersedes: "1.0"` (for a first issue, '
            '`supersedes: "none (first issue)"`)'
        ],
    )

    booklet_path.write_text(booklet.replace('supersedes: "1.0"', 'supersedes: "2.0"'))
    status, err = run(capsys, root, "--release")
    assert (status, err) == (
        2,
        [
            f"error: content/booklet.yaml:{line_of(booklet, 'supersedes:')}:13: supersedes: "
            "names this same revision '2.0'; name the revision it replaces"
        ],
    )

    # Document number, revision and effective date are required of every build.
    booklet_path.write_text(booklet.replace('document_number: "T-7"\n', ""))
    status, err = run(capsys, root)
    assert (status, err) == (
        2,
        ["error: content/booklet.yaml:1:1: document_number: required key `document_number` is missing; add it"],
    )


def test_release_and_draft_do_not_mix(make_project: Callable[..., Path], capsys: pytest.CaptureFixture[str]) -> None:
    root = release_project(make_project)
    with pytest.raises(SystemExit) as exc:
        main(["--project", str(root), "--release", "--draft"])
    assert exc.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err
    with pytest.raises(BookletError) as err:
        build(BuildOptions(root=root, out_dir=root / "dist", release=True, draft=True))
    assert [str(p) for p in err.value.problems] == [
        "command line: --draft cannot make a release: complete every translation, then build with --release alone"
    ]


def test_a_damaged_release_record_is_reported(
    make_project: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    root = release_project(make_project)
    (root / "content/releases.yaml").write_text(
        '"1.0":\n  content_sha256: "not a hash"\n  document_number: "T-7"\n'
        '  effective_date: "2026-01-01"\n  supersedes: "none"\n'
    )
    status, err = run(capsys, root, "--release")
    assert status == 2
    assert err == [
        "error: content/releases.yaml:2:19: 1.0.content_sha256: expected a SHA-256 written as 64 "
        "lowercase hex digits, found 'not a hash'; the record is written by `build.py --release`: "
        "restore it from version control"
    ]


def test_content_hash_covers_content_and_templates_only(make_project: Callable[..., Path]) -> None:
    root = release_project(make_project)
    first = release.content_hash(root)
    (root / "content/releases.yaml").write_text("# not content\n")
    (root / "content/.staff.yaml.swp").write_bytes(b"editor state")
    (root / "dist").mkdir()
    (root / "dist/x.pdf").write_bytes(b"%PDF")
    assert release.content_hash(root) == first
    strings = root / "content/en/strings.yaml"
    strings.write_bytes(strings.read_bytes().replace(b"\n", b"\r\n"))  # a Windows checkout
    assert release.content_hash(root) == first
    change(root, {"templates/css/booklet.css": append("\n/* changed */\n")})
    assert release.content_hash(root) != first


def test_document_control_on_the_pages(bilingual_build: Path) -> None:
    root = bilingual_build  # built with status 0 (conftest)
    for lang, words in (
        (
            "en",
            {
                "document": "Document",
                "revision": "Revision",
                "effective": "Effective",
                "date": "1 December 2026",
                "supersedes": "Supersedes",
                "page": "Page",
                "of": "of",
            },
        ),
        (
            "es",
            {
                "document": "Documento",
                "revision": "Revisión",
                "effective": "En vigor desde",
                "date": "1 de diciembre de 2026",
                "supersedes": "Sustituye a",
                "page": "Página",
                "of": "de",
            },
        ),
    ):
        pages = pages_text(root / f"dist/north/{lang}/staff-screen.pdf")
        cover, inside, body, back = pages[0], pages[1], pages[3:-1], pages[-1]
        for shown in (
            f"{words['document']} T-7",
            f"{words['revision']} 2.0",
            f"{words['effective']} {words['date']}",
        ):
            assert shown in cover and shown in inside, (lang, shown)
        assert f"{words['supersedes']} 1.0" in inside
        assert len(body) >= 2  # sections flow on, so how many pages they fill is the layout's business
        total = len(pages) - 1  # "page n of N" counts the pages before the back cover
        for n, page in enumerate(body, start=4):  # the footer: page n of N, document number, revision
            assert re.search(rf"{words['page']} {n} {words['of']} {total} T-7 · {words['revision']} 2\.0$",
                             page), (lang, page)
        assert f"T-7 · {words['revision']} 2.0 · {words['date']}" in back
