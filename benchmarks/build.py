"""Benchmark the build against bare WeasyPrint on the same HTML, in pairs, on a copy of a project.

    python benchmarks/build.py [--project .] [--jobs N] [--pairs 3] [--watch-rounds 5] [--json]

(a) Clean build vs bare WeasyPrint. A = N bare WeasyPrint processes (N = --jobs) rendering every
    PDF target's HTML (a web edition's page is no WeasyPrint render: only the build makes it) with
    the same options as the build (the same url_fetcher restrictions,
    pdf_variant, notes-page padding, BleedBox finisher, SOURCE_DATE_EPOCH) and writing each PDF;
    they take targets from one shared list, longest first by the build's own times (each process
    claims the next target not yet taken), so they get the best order there is. B = the clean build,
    `python build.py --jobs N` into an empty output folder (its HTML, imposition, thumbnails,
    records and gallery included). A and B run in turn (A B A B ...), at least 3 pairs; each pair
    gives the ratio B / A of wall times, and the figure is the median ratio with its range.
    Wall time runs from starting the processes to the last one's exit. CPU time is user + system
    of every descendant: this process makes itself the "child subreaper" (Linux), so the fork
    server and worker processes a build leaves behind are reparented to it and waited for, and
    getrusage(RUSAGE_CHILDREN) counts them. The machine's load average is read before and after
    each run: the machine may be shared, and other work there slows both sides.
(b) A rebuild with nothing changed (target <= 0.5 s wall, whole command).
(c) A rebuild after editing one audience's file: how many targets it re-rendered (that audience's).
(d) The peak RSS of a worker process (target <= 300 MB).
(e) `--watch`, one target changed: the time from saving an audience file until its PDF is replaced,
    paired with the bare render of the same new HTML (WeasyPrint, same options, in a warm process
    that has rendered before, timed around the render call alone). The watcher builds one
    edition of one language, so the edit changes exactly one target; the first rebuild after
    the watcher starts is a warm-up and not counted. Target: median <= 1.2x.

The project is copied to a temporary folder first; nothing in it or its dist/ is touched.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO

REPO = Path(__file__).resolve().parent.parent

# Fresh interpreter: every target's HTML, as the build makes it, and the options its PDF is written
# with (render.target.prepare), ordered longest first by the build records in DIST.
_PREPARE = """
import json, sys
from pathlib import Path
from booklets.content.load import load_project
from booklets.plan import plan
from booklets.render.html import render_html
from booklets.render.target import prepare
root, out, dist = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
project = load_project(root)
setup = prepare(project)
only = sys.argv[4] if len(sys.argv) > 4 else None
specs = []
for t in plan(project.booklet):
    if only and t.name != only:
        continue
    e = setup.editions[t.edition]
    html = out / (t.name.replace("/", "-") + ".html")
    html.write_text(render_html(project, t), encoding="utf-8")
    try:
        seconds = json.loads((dist / ".booklets-cache" / (t.name + ".json")).read_text())["seconds"]
    except OSError:
        seconds = 0.0
    specs.append(dict(name=t.name, html=str(html), base=setup.templates_dir.as_uri() + "/",
                      allowed=[str(p) for p in setup.allowed], pdf_variant=e.pdf_variant,
                      pad=e.pad_to_multiple, notes=e.notes_pages, bleed=e.bleed_mm, epoch=setup.epoch,
                      seconds=seconds, web=e.format == "html"))
specs.sort(key=lambda s: -s["seconds"])
print(json.dumps(specs))
"""

# Bare WeasyPrint: what the build's render amounts to, with nothing of the build around it.
# WeasyPrint is imported the same fast way the build's workers import it (fastimport.py).
_BARE_RENDER = """
import os, sys, time
from pathlib import Path
from booklets.render.fastimport import import_weasyprint
import_weasyprint()
import weasyprint
from booklets.render.pagination import pad as _pad
from booklets.render.pdf import ProjectFetcher, _finish

def render(s):
    os.environ["SOURCE_DATE_EPOCH"] = str(s["epoch"])
    html = weasyprint.HTML(string=Path(s["html"]).read_text(encoding="utf-8"), base_url=s["base"],
                           url_fetcher=ProjectFetcher([Path(p) for p in s["allowed"]]))
    document = html.render(pdf_variant=s["pdf_variant"])
    if s["notes"]:
        document = document.copy(_pad(document.pages, s["pad"], s["notes"]))
    return document.write_pdf(pdf_identifier=True, pdf_variant=s["pdf_variant"],
                              finisher=_finish(s["bleed"], s["epoch"]))
"""

# N of these share one list: each claims the next target nobody has claimed (mkdir is atomic).
_BARE = _BARE_RENDER + """
import json
specs, claims, out = json.loads(Path(sys.argv[1]).read_text()), Path(sys.argv[2]), Path(sys.argv[3])
for i, s in enumerate(specs):
    try:
        os.mkdir(claims / str(i))
    except FileExistsError:
        continue
    (out / f"{i}.pdf").write_bytes(render(s))
"""

# A warm bare process for (e): reads a spec (JSON) per line, prints the render's seconds.
_BARE_WARM = _BARE_RENDER + """
import json
for line in sys.stdin:
    s = json.loads(line)
    start = time.perf_counter()
    render(s)
    print(time.perf_counter() - start, flush=True)
"""


@dataclass
class Run:
    wall: float
    cpu: float
    load_before: float
    load_after: float


def _subreaper() -> bool:
    """Become the reaper of orphaned descendants (Linux), so their CPU time reaches RUSAGE_CHILDREN."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(36, 1, 0, 0, 0) == 0)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        return False


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO)}


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _reap_all(block: bool = True) -> dict[int, tuple[int, float]]:
    """Wait for every child and orphan we reap (`block=False`: only those already ended, while
    the watcher of (e) runs); {pid: (exit status, when)}."""
    ended = {}
    while True:
        try:
            pid, status, _ = os.wait4(-1, 0 if block else os.WNOHANG)
        except ChildProcessError:
            return ended
        if pid == 0:
            return ended
        ended[pid] = (os.waitstatus_to_exitcode(status), time.perf_counter())


def _measure(commands: list[list[str]], log: Path) -> Run:
    """Run commands at once; wall time until the last exits, CPU of them and all they started."""
    _reap_all()
    load = os.getloadavg()[0]
    cpu = _cpu()
    start = time.perf_counter()
    with log.open("w") as out:
        procs = [subprocess.Popen(c, stdout=out, stderr=subprocess.STDOUT, env=_env()) for c in commands]
        ended = _reap_all()
    for p in procs:
        p.returncode, _ = ended[p.pid]
        if p.returncode != 0:
            sys.exit(f"{' '.join(p.args)} failed ({p.returncode}):\n{log.read_text()}")  # type: ignore[arg-type]
    wall = max(ended[p.pid][1] for p in procs) - start
    return Run(wall, _cpu() - cpu, load, os.getloadavg()[0])


def _build_cmd(root: Path, *args: str) -> list[str]:
    return [sys.executable, str(REPO / "build.py"), "--project", str(root), *args]


def _build(root: Path, *args: str) -> tuple[float, str]:
    """Wall seconds and stdout of one `python build.py` run (which must succeed)."""
    start = time.perf_counter()
    done = subprocess.run(_build_cmd(root, *args), capture_output=True, text=True, env=_env(), check=False)
    wall = time.perf_counter() - start
    _reap_all()
    if done.returncode != 0:
        sys.exit(f"build failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return wall, done.stdout


def _rendered(stdout: str) -> int:
    found = re.search(r"^(\d+) rendered, (\d+) up to date, (\d+) failed$", stdout, re.M)
    if found is None:
        sys.exit(f"no summary line in:\n{stdout}")
    return int(found.group(1))


def _copy(project: Path, into: Path) -> Path:
    root = into / "project"
    for folder in ("content", "templates"):
        shutil.copytree(project / folder, root / folder)
    return root


def _first(root: Path, key: str) -> str:
    import yaml

    booklet = yaml.safe_load((root / "content/booklet.yaml").read_text(encoding="utf-8"))
    return str(booklet[key][0])


def _edit_audience(root: Path, lang: str, audience: str, mark: str) -> None:
    """Append a mark to the audience's title (its file's first `title:` line)."""
    path = root / "content" / lang / "audiences" / f"{audience}.yaml"
    text = path.read_text(encoding="utf-8")
    edited = re.sub(r"^(title:\s*)(.+?)( \(edit \d+\))?$", rf"\1\2 ({mark})", text, count=1, flags=re.M)
    assert edited != text, f"no title line in {path}"
    path.write_text(edited, encoding="utf-8")


def _specs(root: Path, tmp: Path, only: str | None = None) -> list[dict[str, object]]:
    html = tmp / "html"
    html.mkdir(exist_ok=True)
    args = [sys.executable, "-c", _PREPARE, str(root), str(html), str(root / "dist"), *([only] if only else [])]
    done = subprocess.run(args, capture_output=True, text=True, env=_env(), check=False)
    _reap_all(block=False)
    if done.returncode != 0:
        sys.exit(f"making the HTML failed:\n{done.stderr}")
    specs: list[dict[str, object]] = json.loads(done.stdout)
    return specs


def _bare(specs_file: Path, tmp: Path, jobs: int) -> Run:
    claims, out = tmp / "claims", tmp / "bare-out"
    for folder in (claims, out):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
    cmd = [sys.executable, "-c", _BARE, str(specs_file), str(claims), str(out)]
    return _measure([cmd] * jobs, tmp / "bare.log")


def _clean_build(root: Path, tmp: Path, jobs: int) -> Run:
    shutil.rmtree(root / "dist", ignore_errors=True)
    return _measure([_build_cmd(root, "--jobs", str(jobs))], tmp / "build.log")


def _watch(root: Path, tmp: Path, jobs: int, rounds: int) -> list[tuple[float, float]]:
    """(watch latency, bare render) per round, for one target changed under `--watch`."""
    lang, audience, edition = _first(root, "languages"), _first(root, "audiences"), _first(root, "editions")
    facility = _first(root, "facilities")
    name = f"{facility}/{lang}/{audience}-{edition}"
    pdf = root / "dist" / facility / lang / f"{audience}-{edition}.pdf"
    stamp = root / "dist/.booklets-cache/last-build.json"
    cmd = _build_cmd(root, "--jobs", str(jobs), "--watch", "--lang", lang, "--edition", edition)
    log = (tmp / "watch.log").open("w")
    # SIGINT ends the watcher as Ctrl-C does; a benchmark started in the background (`cmd &` in a
    # script) inherits SIGINT ignored, and so would the watcher, never stopping.
    watcher = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=_env(),
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    bare = subprocess.Popen([sys.executable, "-c", _BARE_WARM], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, env=_env())
    pairs = []
    try:
        _wait_for(lambda: "watching" in (tmp / "watch.log").read_text(), 120, "the watcher to start")
        spec = _specs(root, tmp, name)[0]
        for _ in range(2):  # warm: the bare process renders this target before it is timed
            _bare_seconds(bare, spec)
        time.sleep(3)  # the watcher's workers start in the background
        for i in range(rounds + 1):
            before = os.stat(pdf)
            stamp_before = stamp.stat().st_mtime_ns
            start = time.perf_counter()
            _edit_audience(root, lang, audience, f"edit {i + 1}")  # (c) left "edit 0" there
            _wait_for(lambda b=before: _changed(pdf, b), 120, "the PDF to change", poll=0.002)
            latency = time.perf_counter() - start
            _wait_for(lambda s=stamp_before: stamp.stat().st_mtime_ns != s, 60, "the rebuild to finish")
            seconds = _bare_seconds(bare, _specs(root, tmp, name)[0])
            if i > 0:  # the first rebuild warms the watcher's worker up
                pairs.append((latency, seconds))
            time.sleep(0.5)
    finally:
        watcher.send_signal(signal.SIGINT)
        watcher.wait(timeout=60)
        bare.stdin.close()  # type: ignore[union-attr]
        bare.wait(timeout=60)
        log.close()
        _reap_all()
    return pairs


def _changed(path: Path, before: os.stat_result) -> bool:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return False
    return (st.st_ino, st.st_mtime_ns, st.st_size) != (before.st_ino, before.st_mtime_ns, before.st_size)


def _bare_seconds(bare: subprocess.Popen[str], spec: dict[str, object]) -> float:
    stdin, stdout = bare.stdin, bare.stdout
    assert stdin is not None and stdout is not None
    stdin.write(json.dumps(spec) + "\n")
    stdin.flush()
    return float(stdout.readline())


def _wait_for(ready: object, timeout: float, what: str, poll: float = 0.05) -> None:
    assert callable(ready)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if ready():
                return
        except FileNotFoundError:
            pass
        time.sleep(poll)
    sys.exit(f"timed out waiting for {what}")


def _print(text: str, stream: IO[str] = sys.stdout) -> None:
    print(text, file=stream, flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--project", type=Path, default=REPO, help="project to copy (default: this repository)")
    parser.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)), help="workers (default: cores)")
    parser.add_argument("--pairs", type=int, default=3, help="A/B pairs of (a), at least 3 (default: 3)")
    parser.add_argument("--watch-rounds", type=int, default=5, help="edits timed for (e); 0 skips it (default: 5)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    if args.pairs < 3:
        parser.error("--pairs: at least 3")
    jobs = ["--jobs", str(args.jobs)]
    if not _subreaper():
        _print("warning: cannot become a child subreaper: CPU time misses the build's worker processes",
               sys.stderr)
    progress = sys.stderr if args.json else sys.stdout

    with tempfile.TemporaryDirectory(prefix="booklets-bench-") as name:
        tmp = Path(name)
        root = _copy(args.project.resolve(), tmp)
        # Warm-up (not timed): a clean build, whose records give the bare processes their order,
        # every target's HTML and options, and one bare round.
        _build(root, *jobs)
        specs = _specs(root, tmp)
        specs_file = tmp / "specs.json"
        # A web edition's page is no WeasyPrint render (the build embeds its resources in the HTML):
        # the bare side renders the PDF targets, the build does everything.
        specs_file.write_text(json.dumps([s for s in specs if not s["web"]]))
        _bare(specs_file, tmp, args.jobs)
        pdfs = sum(1 for s in specs if not s["web"])
        _print(f"{len(specs)} targets ({pdfs} PDF), {args.jobs} processes each side; pairs A (bare) B (build):",
               progress)
        pairs: list[tuple[Run, Run]] = []
        for i in range(args.pairs):
            a = _bare(specs_file, tmp, args.jobs)
            b = _clean_build(root, tmp, args.jobs)
            pairs.append((a, b))
            _print(f"  pair {i + 1}: A {a.wall:6.2f} s wall {a.cpu:6.2f} s CPU | B {b.wall:6.2f} s wall "
                   f"{b.cpu:6.2f} s CPU | B/A {b.wall / a.wall:.3f} | load {a.load_before:.2f} -> {b.load_after:.2f}",
                   progress)
        ratios = [b.wall / a.wall for a, b in pairs]
        records = [json.loads(p.read_text()) for p in (root / "dist/.booklets-cache").rglob("*.json")]
        # the targets' build records (the cache folder holds other JSON: the build stamp, reports)
        peak_rss_mb = max(r["peak_rss_kb"] for r in records if isinstance(r, dict) and "peak_rss_kb" in r) / 1024

        noops = [_build(root, *jobs)[0] for _ in range(3)]
        lang, audience = _first(root, "languages"), _first(root, "audiences")
        _edit_audience(root, lang, audience, "edit 0")
        edit_wall, out = _build(root, *jobs)
        expected = sum(1 for s in specs if str(s["name"]).split("/")[1:2] == [lang]
                       and str(s["name"]).split("/")[2].startswith(f"{audience}-"))
        watch = _watch(root, tmp, args.jobs, args.watch_rounds) if args.watch_rounds else []

    figures = {
        "targets": len(specs),
        "jobs": args.jobs,
        "pairs": [{"bare": asdict(a), "build": asdict(b), "ratio": round(b.wall / a.wall, 3)} for a, b in pairs],
        "ratio_median": round(statistics.median(ratios), 3),
        "ratio_range": [round(min(ratios), 3), round(max(ratios), 3)],
        "cpu_ratio_median": round(statistics.median(b.cpu / a.cpu for a, b in pairs), 3),
        "load_range": [round(min(min(a.load_before, b.load_after) for a, b in pairs), 2),
                       round(max(max(a.load_before, b.load_after) for a, b in pairs), 2)],
        "noop_build_s": round(min(noops), 3),
        "edit_one_audience_s": round(edit_wall, 2),
        "edit_rendered": _rendered(out),
        "edit_expected": expected,
        "worker_peak_rss_mb": round(peak_rss_mb, 1),
        "watch": [{"latency_s": round(w, 3), "bare_render_s": round(r, 3), "ratio": round(w / r, 3)} for w, r in watch],
    }
    if watch:
        figures["watch_ratio_median"] = round(statistics.median(w / r for w, r in watch), 3)
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    walls_a, walls_b = [a.wall for a, _ in pairs], [b.wall for _, b in pairs]
    cpus_a, cpus_b = [a.cpu for a, _ in pairs], [b.cpu for _, b in pairs]
    checks = [
        ("(a) clean build / bare", f"median {figures['ratio_median']:.3f} (range {min(ratios):.3f}-{max(ratios):.3f}); "
         f"wall {statistics.median(walls_b):.2f} vs {statistics.median(walls_a):.2f} s, CPU "
         f"{statistics.median(cpus_b):.1f} vs {statistics.median(cpus_a):.1f} s",
         figures["ratio_median"] <= 1.05, "<= 1.05"),
        ("(b) no-op rebuild", f"{figures['noop_build_s']:.3f} s", figures["noop_build_s"] <= 0.5, "<= 0.5 s"),
        ("(c) edit one audience", f"{edit_wall:.2f} s, {figures['edit_rendered']} targets re-rendered",
         figures["edit_rendered"] == expected, f"== {expected} ({lang}/{audience})"),
        ("(d) worker peak RSS", f"{peak_rss_mb:.0f} MB", peak_rss_mb <= 300, "<= 300 MB"),
    ]
    if watch:
        w_ratios = [w / r for w, r in watch]
        checks.append(("(e) watch, one target", f"median {figures['watch_ratio_median']:.3f} (range "
                       f"{min(w_ratios):.2f}-{max(w_ratios):.2f}); {statistics.median(w for w, _ in watch):.2f} s "
                       f"vs bare render {statistics.median(r for _, r in watch):.2f} s",
                       figures["watch_ratio_median"] <= 1.2, "<= 1.2"))
    lo, hi = figures["load_range"]
    print(f"load average (1 min) {lo}-{hi} during the pairs")
    for label, value, ok, goal in checks:
        print(f"{label:24} {value:78} target {goal:12} {'ok' if ok else 'MISSED'}")
    return 0 if all(ok for _, _, ok, _ in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
