"""Benchmark: personalised packets for 1,000 people from a warm cache, against rendering per person.

    python benchmarks/packets.py [--project .] [--people 1000] [--small 100] [--samples 3]

1. Writes rosters of SMALL and PEOPLE rows cycling over every audience that has a form, every
   language and every facility of the project (print edition).
2. Warms the cache: one packets run builds the booklets it needs into a scratch dist/ and measures
   each form once (not timed).
3. Times `build.py packets` for SMALL and for PEOPLE rows, each in a fresh process, REPEAT times
   (the fastest run counts: the one least slowed by other work on a shared machine), and reads each
   process's CPU time and peak RSS (os.wait4).
4. Estimates the naive cost (a full booklet render per person: HTML + WeasyPrint layout + PDF) by
   timing SAMPLES such renders and extrapolating linearly to PEOPLE. This is an estimate, not a run
   of 1,000 renders (which would take the better part of an hour on this machine).

Targets (issue 6): PEOPLE in <= 15 s wall; >= 50x faster than the naive estimate; peak RSS at PEOPLE
within 1.5x of that at SMALL. Exit status 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from booklets.content.load import load_project  # noqa: E402
from booklets.plan import Target  # noqa: E402
from booklets.render.html import render_html  # noqa: E402
from booklets.render.target import render_target  # noqa: E402

EDITION = "print"


def combos(root: Path) -> list[tuple[str, str, str]]:
    """(audience, language, facility) for every booklet of the matrix that has a form to sign."""
    project = load_project(root)
    return [(a, lang, f) for f in project.booklet.facilities for lang in project.booklet.languages
            for a in project.booklet.audiences if project.languages[lang].audiences[a].form is not None]


def write_roster(path: Path, rows: int, matrix: list[tuple[str, str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["name", "id", "audience", "language", "facility", "date"])
        for i in range(rows):
            audience, language, facility = matrix[i % len(matrix)]
            out.writerow([f"Person {i + 1:05d} Example-Name", f"B{i + 1:05d}", audience, language, facility,
                          f"2026-12-{1 + i % 28:02d}"])


def timed_run(root: Path, roster: Path, out: Path) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user + system) and peak RSS (MB) of one `build.py packets` process."""
    cmd = [sys.executable, str(REPO / "build.py"), "packets", str(roster), "--project", str(root), "--out", str(out)]
    with tempfile.TemporaryFile() as log:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=log)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            log.seek(0)
            sys.exit(f"packets failed:\n{log.read().decode()}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def best_of(repeat: int, root: Path, roster: Path, out: Path) -> tuple[float, float, float, list[float]]:
    """The fastest of `repeat` runs (the least disturbed by other work), its CPU time, the largest
    peak RSS, and every wall time."""
    runs = [timed_run(root, roster, out) for _ in range(repeat)]
    fastest = min(runs)
    return fastest[0], fastest[1], max(r[2] for r in runs), [r[0] for r in runs]


def naive_seconds(root: Path, matrix: list[tuple[str, str, str]], samples: int) -> float:
    """Mean seconds to render one person's whole booklet (HTML + layout + PDF), as a per-person tool would."""
    project = load_project(root)
    times = []
    for i in range(samples):
        audience, language, facility = matrix[i % len(matrix)]
        target = Target(facility, language, audience, EDITION)
        person = {"name": f"Person {i:05d}", "id": f"N{i:05d}", "date": "1 December 2026"}
        start = time.perf_counter()
        render_target(project, target, render_html(project, target, person))
        times.append(time.perf_counter() - start)
    return statistics.mean(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--project", type=Path, default=REPO)
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--small", type=int, default=100)
    parser.add_argument("--samples", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per roster; the fastest counts")
    args = parser.parse_args()
    root = args.project.resolve()
    matrix = combos(root)
    with tempfile.TemporaryDirectory(prefix="packets-bench-") as tmp:
        work = Path(tmp)
        out = work / "dist"
        rosters = {n: work / f"roster-{n}.csv" for n in (args.small, args.people)}
        for n, path in rosters.items():
            write_roster(path, n, matrix)
        cold = timed_run(root, rosters[args.small], out)[0]
        small_wall, small_cpu, small_rss, _ = best_of(args.repeat, root, rosters[args.small], out)
        wall, cpu, rss, walls = best_of(args.repeat, root, rosters[args.people], out)
        batch = out / "personal" / f"batch-roster-{args.people}.pdf"
        size = batch.stat().st_size
    per_person = naive_seconds(root, matrix, args.samples)
    naive = per_person * args.people
    speedup = naive / wall
    ratio = rss / small_rss
    checks = [
        (f"{args.people} people from a warm cache", f"{wall:.1f} s", "<= 15 s", wall <= 15),
        ("speed-up over rendering per person", f"{speedup:.0f}x", ">= 50x", speedup >= 50),
        (f"peak RSS {args.people} vs {args.small}", f"{rss:.0f} MB / {small_rss:.0f} MB = {ratio:.2f}x", "<= 1.5x",
         ratio <= 1.5),
    ]
    print(f"project {root}: {len(matrix)} booklets with a form (print edition), roster rows cycle over them")
    print(f"first run, {args.small} people (builds the booklets into a scratch dist/): {cold:.1f} s")
    print(f"warm run, {args.small} people: {small_wall:.2f} s wall ({small_cpu:.2f} s CPU), "
          f"peak RSS {small_rss:.0f} MB")
    print(f"warm run, {args.people} people: {wall:.2f} s wall ({cpu:.2f} s CPU; all runs: "
          f"{', '.join(f'{w:.1f}' for w in walls)} s), peak RSS {rss:.0f} MB, batch {size / 1e6:.1f} MB")
    print(f"naive: {per_person:.2f} s per person's booklet (mean of {args.samples} full renders) "
          f"x {args.people} = {naive / 60:.0f} min (extrapolated)")
    for what, value, target, ok in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {what}: {value} (target {target})")
    return 0 if all(ok for *_, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
