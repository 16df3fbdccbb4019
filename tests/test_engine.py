"""The build engine: incremental builds, shards, parallel failures, the build report and --watch."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pypdf
import pytest
from PIL import Image

from booklets.cli.main import main
from booklets.content.load import load_project
from booklets.content.project import Project
from booklets.engine.inputs import input_hashes
from booklets.engine.pipeline import BuildOptions, build
from booklets.engine.results import BuildResult
from booklets.engine.workers import Job, render_all
from booklets.plan import Selection, Shard, Target, plan, shard
from booklets.render.html import render_html
from booklets.render.target import RenderedFile, render_target
from tests.scratch import append, change, edit

REPO = Path(__file__).resolve().parent.parent

# Two audiences × two editions: enough to see which targets an edit reaches.
MATRIX = {
    "content/booklet.yaml": """\
        organisation: Test Unit
        document_number: "T-1"
        revision: "2.0"
        effective_date: 2026-01-15
        languages: [en]
        audiences: [staff, residents]
        editions: [screen, print]
        facilities: [north]
        """,
    # The shipped print edition: 3 mm bleed, crop marks and imposed 2-up sheets beside each PDF.
    "content/editions/print.yaml": (REPO / "content/editions/print.yaml").read_text(),
    "content/en/audiences/residents.yaml": """\
        name: Residents
        title: Your safety
        summary: A booklet for residents.
        reading_grade: 6
        sections:
          - include: zero-tolerance
          - id: report
            title: How to tell someone
            body: Tell any member of staff, or call the outside line.
            contacts: [outside_body]
        """,
}


def built(result: BuildResult) -> set[str]:
    return {r.target.name for r in result.with_status("built")}


def run(root: Path, **kw: object) -> BuildResult:
    return build(BuildOptions(root=root, out_dir=root / "dist", jobs=2, **kw))  # type: ignore[arg-type]


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(path).pages)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


ALL = {
    "north/en/staff-screen",
    "north/en/staff-print",
    "north/en/residents-screen",
    "north/en/residents-print",
}


def test_builds_only_what_changed(make_project: Callable[..., Path]) -> None:
    root = make_project(MATRIX)
    dist = root / "dist"
    assert built(run(root)) == ALL

    # Nothing changed (a bare `touch` changes no bytes): nothing renders.
    os.utime(root / "content/en/audiences/staff.yaml")
    again = run(root)
    assert built(again) == set() and {r.status for r in again.results} == {"up to date"}

    # An edit to one audience's file re-renders exactly that audience's targets, with the edit in.
    staff_before = sha(dist / "north/en/staff-print.pdf")
    change(root, {"content/en/audiences/residents.yaml": edit("Your safety", "Your safety here")})
    assert built(run(root)) == {"north/en/residents-screen", "north/en/residents-print"}
    assert "Your safety here" in pdf_text(dist / "north/en/residents-print.pdf")
    assert sha(dist / "north/en/staff-print.pdf") == staff_before

    # A shared template reaches every target.
    change(root, {"templates/partials/cover.html.j2": append("\n{# edited #}\n")})
    assert built(run(root)) == ALL

    # A PDF deleted or changed by hand is rebuilt, and only it.
    (dist / "north/en/staff-screen.pdf").unlink()
    with (dist / "north/en/residents-print.pdf").open("ab") as fh:
        fh.write(b"%% tampered\n")
    assert built(run(root)) == {"north/en/staff-screen", "north/en/residents-print"}

    # --force renders everything selected, up to date or not.
    assert built(run(root, force=True, selection=Selection(editions=("print",)))) == {
        "north/en/staff-print",
        "north/en/residents-print",
    }


def test_noop_build_does_not_import_weasyprint(make_project: Callable[..., Path]) -> None:
    root = make_project()
    assert main(["--project", str(root), "--jobs", "1"]) == 0
    probe = (
        "import json, sys\n"
        "from booklets.cli.main import main\n"
        f"code = main(['--project', {str(root)!r}])\n"
        "print(json.dumps({'code': code, 'weasyprint': 'weasyprint' in sys.modules}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert "0 rendered, 1 up to date, 0 failed" in out.stdout
    assert json.loads(out.stdout.strip().splitlines()[-1]) == {"code": 0, "weasyprint": False}


def test_each_input_reaches_only_its_targets(make_project: Callable[..., Path]) -> None:
    """The dependency map itself, on a 2×2×2×2 matrix, without rendering anything."""
    es = (REPO / "content/en/strings.yaml").read_text()
    root = make_project(
        {
            **MATRIX,
            "content/booklet.yaml": MATRIX["content/booklet.yaml"]
            .replace("[en]", "[en, es]")
            .replace("[north]", "[north, south]"),
            "content/facilities/south.yaml": "name: South\n",
            "content/es/strings.yaml": es,
            "content/es/shared.yaml": "{}\n",
            "content/es/audiences/staff.yaml": "name: x\n",
            "content/es/audiences/residents.yaml": "name: y\n",
            "content/assets/logo.svg": "<svg/>",
        }
    )
    from booklets.engine.inputs import read_matrix

    matrix = read_matrix(root)
    assert matrix is not None
    targets = plan(matrix)
    assert len(targets) == 16

    def reached(rel: str) -> set[str]:
        before = input_hashes(root, targets, {})
        change(root, {rel: append("\n# edited\n")})
        after = input_hashes(root, targets, {})
        return {t.name for t in targets if before[t] != after[t]}

    def names(pred: Callable[[Target], bool]) -> set[str]:
        return {t.name for t in targets if pred(t)}

    assert reached("content/es/audiences/staff.yaml") == names(
        lambda t: (t.language, t.audience) == ("es", "staff")
    )
    assert reached("content/es/shared.yaml") == names(lambda t: t.language == "es")
    assert reached("content/en/strings.yaml") == names(lambda t: t.language == "en")
    assert reached("content/facilities/south.yaml") == names(lambda t: t.facility == "south")
    assert reached("content/editions/print.yaml") == names(lambda t: t.edition == "print")
    assert reached("templates/css/booklet.css") == names(lambda t: True)
    assert reached("content/assets/logo.svg") == names(lambda t: True)
    assert reached("content/booklet.yaml") == names(lambda t: True)
    assert input_hashes(root, targets, {}) == input_hashes(root, targets, {}), "hashes are stable"

    # In a --draft build English stands in for missing Spanish, so English files reach Spanish too.
    before = input_hashes(root, targets, {"draft": True}, fallback="en")
    change(root, {"content/en/audiences/staff.yaml": append("\n# edited again\n")})
    after = input_hashes(root, targets, {"draft": True}, fallback="en")
    assert {t.name for t in targets if before[t] != after[t]} == names(lambda t: t.audience == "staff")


def test_shards_are_disjoint_and_cover_the_matrix(
    make_project: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_project(
        {
            **MATRIX,
            "content/booklet.yaml": MATRIX["content/booklet.yaml"].replace(
                "[staff, residents]", "[staff, residents, families, volunteers, supervisors]"
            ),
        }
    )
    assert main(["--project", str(root), "--list"]) == 0
    everything = capsys.readouterr().out.splitlines()
    assert len(everything) == 10 and "north/en/families-print" in everything
    for n in range(1, 5):
        parts = []
        for i in range(1, n + 1):
            assert main(["--project", str(root), "--list", "--shard", f"{i}/{n}"]) == 0
            parts.append(capsys.readouterr().out.splitlines())
        assert sorted(line for part in parts for line in part) == sorted(everything), (
            f"shards of {n} cover the matrix once"
        )
        assert max(map(len, parts)) - min(map(len, parts)) <= 1, (
            "shards differ by one target at most"
        )
    # Selectors narrow first, then the shard splits what is left.
    assert main(["--project", str(root), "--list", "--edition", "print", "--shard", "2/2"]) == 0
    assert all(line.endswith("-print") for line in capsys.readouterr().out.splitlines())
    with pytest.raises(SystemExit):
        main(["--list", "--shard", "3/2"])
    assert "I must be between 1 and N" in capsys.readouterr().err


def test_shards_built_apart_merge_into_one_up_to_date_folder(make_project: Callable[..., Path]) -> None:
    """The README's scale-out recipe: N machines build one shard each; copying their output folders
    together gives a folder a plain build finds up to date, and it writes the whole gallery."""
    root = make_project(MATRIX)
    merged = root / "dist"
    for i in (1, 2):
        part = root / f"dist-{i}"
        result = build(BuildOptions(root=root, out_dir=part, jobs=1, shard=Shard(i, 2)))
        assert len(built(result)) == 2
        shutil.copytree(part, merged, dirs_exist_ok=True)
    assert built(run(root)) == set()
    manifest = json.loads((merged / "manifest.json").read_text())
    assert {e["target"] for e in manifest["booklets"]} == ALL
    assert (merged / "index.html").read_text().count('class="booklet"') == 4


def test_shard_is_deterministic() -> None:
    targets = [Target("f", "en", a, e) for a in ("a", "b", "c") for e in ("x", "y")]
    assert shard(targets, Shard(1, 2)) == shard(list(reversed(targets)), Shard(1, 2))[::-1]


def test_one_failing_target_leaves_the_others_built(
    make_project: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_project(
        {
            "content/booklet.yaml": MATRIX["content/booklet.yaml"]
            .replace("[staff, residents]", "[staff]")
            .replace("[screen, print]", "[screen, odd]"),
            "content/editions/odd.yaml": """\
            name: Odd
            size: {iso: A5, us: 5.5in 8.5in}
            stylesheets: [editions/odd.css]
            """,
            "templates/editions/odd.css": "h1 { color: #123456; }\n",
        }
    )
    dist = root / "dist"
    assert main(["--project", str(root), "--jobs", "2"]) == 0
    odd_before = sha(dist / "north/en/staff-odd.pdf")

    (root / "templates/editions/odd.css").write_text(
        "h1 { colour: #123456; }\n"
    )  # a typo WeasyPrint ignores
    assert main(["--project", str(root), "--jobs", "2"]) == 2
    out, err = capsys.readouterr()
    assert re.search(r"error: north/en/staff-odd: .*colour", err), err
    assert "north/en/staff-screen" not in err
    assert "1 rendered, 0 up to date, 1 failed" in out
    assert "[1/2]" in out and "[2/2]" in out, "plain progress lines when not a terminal"
    assert "Boundaries" in pdf_text(dist / "north/en/staff-screen.pdf")
    assert sha(dist / "north/en/staff-odd.pdf") == odd_before, (
        "the failed target's previous PDF is kept"
    )
    # The failure is not recorded as done: the next build tries it again.
    (root / "templates/editions/odd.css").write_text("h1 { color: #654321; }\n")
    assert main(["--project", str(root), "--jobs", "2", "--edition", "odd"]) == 0


def test_a_killed_build_leaves_records_that_match_their_files(make_project: Callable[..., Path]) -> None:
    """kill -9 in the middle of a parallel build: what was recorded is intact, the rest is rebuilt."""
    root = make_project(MATRIX)
    records = root / "dist/.booklets-cache"
    builder = subprocess.Popen(
        [sys.executable, "-m", "booklets", "--project", str(root), "--jobs", "2"],
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its fork server and workers die with it
    )
    deadline = time.monotonic() + 120
    while not list(records.glob("*/*/*.json")) and time.monotonic() < deadline:
        time.sleep(0.02)
    os.killpg(builder.pid, signal.SIGKILL)
    builder.wait()
    recorded = {p.relative_to(records).with_suffix("").as_posix() for p in records.glob("*/*/*.json")}
    assert recorded and recorded < ALL, "killed after the first target and before the last"
    pdfs_then = {name: sha(root / "dist" / f"{name}.pdf") for name in recorded}

    assert built(run(root)) == ALL - recorded
    assert {name: sha(root / "dist" / f"{name}.pdf") for name in recorded} == pdfs_then
    for entry in json.loads((root / "dist/manifest.json").read_text())["booklets"]:
        assert sha(root / "dist" / entry["path"]) == entry["sha256"]


def _render_or_die(project: Project, target: Target, html: str) -> list[RenderedFile]:
    """render_target, except that the worker process rendering residents-print is killed."""
    if target.name == "north/en/residents-print":
        os.kill(os.getpid(), signal.SIGKILL)
    return render_target(project, target, html)


def test_a_worker_killed_on_one_target_costs_only_that_target(make_project: Callable[..., Path]) -> None:
    root = make_project(MATRIX)
    project = load_project(root)
    jobs = [Job(t, render_html(project, t), "inputs", 1.0) for t in plan(project.booklet)]
    (root / "dist").mkdir()  # the pipeline's job, before any worker starts
    done = render_all(project, jobs, _render_or_die, root / "dist", 2, lambda t: None, lambda d: None)
    outcome = {d.target.name: d for d in done}
    assert set(outcome) == ALL, "each target reported once"
    assert "worker process died" in outcome["north/en/residents-print"].error
    assert {name for name, d in outcome.items() if d.record is not None} == ALL - {"north/en/residents-print"}
    assert "Boundaries" in pdf_text(root / "dist/north/en/staff-print.pdf")


def test_bad_input_stops_before_any_pdf(
    make_project: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_project(MATRIX)
    (root / "templates/partials/cover.html.j2").write_text("{% if %}\n")
    assert main(["--project", str(root)]) == 2
    err = capsys.readouterr().err
    assert "templates/partials/cover.html.j2:1:1: template syntax error" in err
    assert not list((root / "dist").rglob("*.pdf"))


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.imgs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.hrefs.append(str(a["href"]))
        if tag == "img" and a.get("src"):
            self.imgs.append(str(a["src"]))


def test_manifest_and_gallery_describe_every_pdf(make_project: Callable[..., Path]) -> None:
    root = make_project(MATRIX)
    dist = root / "dist"
    run(root, selection=Selection(audiences=("staff",)))
    run(root, selection=Selection(audiences=("residents",)))  # the report covers both builds

    manifest = json.loads((dist / "manifest.json").read_text())
    entries = {e["path"]: e for e in manifest["booklets"]}
    pdfs = {p.relative_to(dist).as_posix() for p in dist.rglob("*.pdf")}
    assert set(entries) == pdfs and len(pdfs) == 6, "4 booklets and the 2 print ones' imposed sheets"
    assert entries["north/en/staff-print-imposed.pdf"]["target"] == "north/en/staff-print"
    for path, e in entries.items():
        data = (dist / path).read_bytes()
        assert e["sha256"] == hashlib.sha256(data).hexdigest() and e["bytes"] == len(data)
        assert e["pages"] == len(pypdf.PdfReader(dist / path).pages)
        assert e["revision"] == "2.0" and len(e["inputs"]) == 64
    assert entries["north/en/staff-print.pdf"]["pages"] % 4 == 0

    page = (dist / "index.html").read_text()
    links = _Links()
    links.feed(page)
    assert pdfs <= set(links.hrefs), "every PDF is linked, relatively"
    assert len(links.imgs) == 4
    for src in links.imgs:
        with Image.open(dist / src) as img:
            # A5 cut to its trim box: no bleed or crop marks around the print edition's cover.
            assert img.format == "PNG" and img.width == 240 and abs(img.height - 240 * 595.28 / 419.53) <= 1
            # The cover band is dark: a blank or failed thumbnail would be all white.
            darkest, _ = img.convert("L").getextrema()
            assert isinstance(darkest, int) and darkest < 100
    assert "Your safety" in page and "Print" in page and "2.0" in page


def test_watch_rebuilds_what_a_save_affects(make_project: Callable[..., Path]) -> None:
    from booklets.cli.watch import watch

    root = make_project(MATRIX)
    assert built(run(root)) == ALL
    results: list[BuildResult] = []
    stop = threading.Event()

    def once() -> int:
        results.append(run(root))
        return 0

    thread = threading.Thread(
        target=watch, args=(BuildOptions(root, root / "dist"), once, stop), daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 20
    while not results and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # let the watcher settle before saving
    change(root, {"content/en/audiences/staff.yaml": edit("title: Boundaries", "title: Boundaries at work")})
    deadline = time.monotonic() + 120
    while len(results) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    stop.set()
    thread.join(timeout=10)
    assert len(results) >= 2, "the save triggered a build"
    assert built(results[0]) == set()
    assert built(results[1]) == {"north/en/staff-screen", "north/en/staff-print"}
