"""Benchmark the build engine on a copy of a project (the shipped content by default).

    python benchmarks/build.py [--project .] [--jobs N] [--repeat 3]

Reports, each against the issue's target:
  (a) full clean build wall time with N workers, against the ideal = (sum of rendering the same
      HTML with WeasyPrint, one target after another in one process) / N, and the efficiency
      ideal / actual (target >= 0.85);
  (b) a rebuild with nothing changed (target <= 0.5 s wall, whole command);
  (c) a rebuild after editing one audience's file, and how many targets it re-rendered (target:
      exactly that audience's);
  (d) the peak RSS of a worker process (target <= 300 MB).

Every build is the real command line (`python build.py`) in a fresh process, timed from outside,
so interpreter start-up and imports count. The project is copied to a temporary folder first;
nothing in the project or its dist/ is touched. Figures vary with machine load: run it on an
otherwise idle machine.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# Runs in a fresh interpreter: load the content, make every target's HTML, import WeasyPrint, then
# time each render alone. Prints one JSON object.
_IDEAL = """
import json, sys, time
from pathlib import Path
from booklets.content.load import load_project
from booklets.render.target import render_target
from booklets.plan import plan
from booklets.render.html import render_html
import booklets.render.pdf  # WeasyPrint: imported before timing, as each worker does
project = load_project(Path(sys.argv[1]))
targets = plan(project.booklet)
html = {t: render_html(project, t) for t in targets}
times = {}
for t in targets:
    start = time.perf_counter()
    render_target(project, t, html[t])
    times[t.name] = time.perf_counter() - start
print(json.dumps(times))
"""


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO)}


def _build(root: Path, *args: str) -> tuple[float, str]:
    """Wall seconds and stdout of one `python build.py` run (which must succeed)."""
    cmd = [sys.executable, str(REPO / "build.py"), "--project", str(root), *args]
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, env=_env(), check=False)
    wall = time.perf_counter() - start
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


def _edit_audience(root: Path) -> tuple[str, str]:
    """Change one word of the first audience's title in the first language; (language, audience)."""
    import yaml

    booklet = yaml.safe_load((root / "content/booklet.yaml").read_text(encoding="utf-8"))
    lang, audience = booklet["languages"][0], booklet["audiences"][0]
    path = root / "content" / lang / "audiences" / f"{audience}.yaml"
    text = path.read_text(encoding="utf-8")
    edited = re.sub(r"^(title:\s*)(.+)$", r"\1\2 (edited)", text, count=1, flags=re.M)
    assert edited != text, f"no title line in {path}"
    path.write_text(edited, encoding="utf-8")
    return lang, audience


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--project", type=Path, default=REPO, help="project to copy (default: this repository)")
    parser.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)), help="workers (default: cores)")
    parser.add_argument("--repeat", type=int, default=1, help="rounds; each figure is the best round's (default: 1)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    jobs = ["--jobs", str(args.jobs)]

    with tempfile.TemporaryDirectory(prefix="booklets-bench-") as tmp:
        root = _copy(args.project.resolve(), Path(tmp))
        load = os.getloadavg()[0]
        rounds: list[dict[str, float]] = []
        cleans, busy, noops, edits, peaks = [], [], [], [], []
        out = ""
        # Rounds alternate the ideal and the real build, so both see the same machine; the best
        # round of each is the least disturbed by other processes.
        for _ in range(args.repeat):
            ideal_run = subprocess.run(
                [sys.executable, "-c", _IDEAL, str(root)], capture_output=True, text=True, env=_env(), check=False
            )
            if ideal_run.returncode != 0:
                sys.exit(f"rendering one target after another failed:\n{ideal_run.stderr}")
            rounds.append(json.loads(ideal_run.stdout))
            shutil.rmtree(root / "dist", ignore_errors=True)
            cleans.append(_build(root, *jobs)[0])
            records = [
                json.loads(p.read_text())
                for p in (root / "dist/.booklets-cache").rglob("*.json")
                if p.name != "last-build.json"
            ]
            peaks.append(max(r["peak_rss_kb"] for r in records) / 1024)
            # How much of the wall time the workers spent on targets (start-up and the last
            # target's tail are the rest): a figure that machine load disturbs far less.
            busy.append(sum(r["seconds"] for r in records) / (args.jobs * cleans[-1]))
            noops += [_build(root, *jobs)[0] for _ in range(3)]
            lang, audience = _edit_audience(root)
            wall, out = _build(root, *jobs)
            edits.append(wall)
        renders = min(rounds, key=lambda r: sum(r.values()))
        ideal = sum(renders.values()) / args.jobs
        clean, noop, edit, peak_rss_mb = min(cleans), min(noops), min(edits), max(peaks)
        expected = sum(
            1 for name in renders if name.split("/")[1] == lang and name.split("/")[2].startswith(f"{audience}-")
        )
        figures = {
            "targets": len(renders),
            "jobs": args.jobs,
            "rounds": args.repeat,
            "load_average_at_start": round(load, 2),
            "sum_of_renders_s": round(sum(renders.values()), 2),
            "ideal_s": round(ideal, 2),
            "clean_build_s": round(clean, 2),
            "efficiency": round(ideal / clean, 3),
            "workers_busy": round(max(busy), 3),
            "noop_build_s": round(noop, 3),
            "edit_one_audience_s": round(edit, 2),
            "edit_rendered": _rendered(out),
            "edit_expected": expected,
            "worker_peak_rss_mb": round(peak_rss_mb, 1),
        }

    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    checks = [
        (
            "(a) clean build",
            f"{clean:.2f} s vs ideal {ideal:.2f} s: efficiency {ideal / clean:.2f}",
            ideal / clean >= 0.85,
            ">= 0.85",
        ),
        ("    workers busy", f"{max(busy):.0%} of the clean build's wall time", True, "(diagnostic)"),
        ("(b) no-op rebuild", f"{noop:.3f} s", noop <= 0.5, "<= 0.5 s"),
        (
            "(c) edit one audience",
            f"{edit:.2f} s, {figures['edit_rendered']} targets re-rendered",
            figures["edit_rendered"] == expected,
            f"== {expected} ({lang}/{audience})",
        ),
        ("(d) worker peak RSS", f"{peak_rss_mb:.0f} MB", peak_rss_mb <= 300, "<= 300 MB"),
    ]
    print(
        f"{len(renders)} targets, {args.jobs} workers, best of {args.repeat}, load average {load:.2f} at start; "
        f"sum of single renders {sum(renders.values()):.2f} s"
    )
    for name, value, ok, goal in checks:
        print(f"{name:24} {value:52} target {goal:28} {'ok' if ok else 'MISSED'}")
    return 0 if all(ok for _, _, ok, _ in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
