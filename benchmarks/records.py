"""Benchmark: `build.py records` on a stack of scanned forms, 100 and 1,000 pages at 200 dpi.

    python benchmarks/records.py [--project .] [--pages 1000] [--small 100] [--dpi 200] [--repeat 1]
    python benchmarks/records.py --decoder [--pages 100]

1. Makes packets for the project's English booklets that have a form (print edition) into a
   scratch dist/, for as many people as the big stack has forms.
2. Scans them (tests/scans.py, in a pool of processes; not timed): each form page drawn at DPI in
   grey, turned 0/90/180/270°, skewed up to ±4°, with sensor noise, stored as JPEG in one PDF, as
   an office scanner does. Every 25th page is blank and every 25th a booklet page without a form;
   2% of the roster has no page (missing). The small stack is the first SMALL pages of the same kind.
3. Times `build.py records STACK.pdf --roster ROSTER.csv --format json` in a fresh process for each
   stack (REPEAT times, the fastest counts: the one least slowed by other work on a shared machine)
   with the machine's cores as workers, and checks every state in its output.

Measured per run, from a small launcher process (see LAUNCHER): wall time; CPU time of the command
and of every process it started (workers and their fork server included); peak RSS of the main
process and of the largest worker. Targets (issue 16): the big stack in under
2 minutes, and memory flat in the number of pages (peak RSS at PAGES within 1.25x of SMALL, for
the main process and for a worker). Exit status 1 if a target or a count is missed.

With --decoder, step 3 is instead a comparison of zxing-cpp's options (binarizers, try_rotate,
try_downscale, enlarging the page) on form pages scanned at 150/200/300 dpi with light and heavy
noise: how many codes each reads and its time a page. `records` uses what this shows is needed.
"""

from __future__ import annotations

import argparse
import io
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from booklets.content.load import load_project  # noqa: E402
from booklets.packets.outputs import PacketPaths  # noqa: E402
from tests.scans import Encoded, Scanner, blank_page, encode, scan, scan_page, write_pdf  # noqa: E402

LANGUAGE = "en"


@dataclass(frozen=True)
class Expect:
    pages: int
    forms: int
    blank: int
    body: int
    roster: int

    @property
    def missing(self) -> int:
        return self.roster - self.forms


def kind(n: int) -> str:
    """What the n-th page of a stack is: blank, a booklet page, or a form."""
    return "blank" if n % 25 == 24 else "body" if n % 25 == 12 else "form"


def expect(pages: int) -> Expect:
    kinds = [kind(n) for n in range(pages)]
    forms = kinds.count("form")
    return Expect(pages, forms, kinds.count("blank"), kinds.count("body"), forms + max(1, forms // 50))


def write_roster(path: Path, people: int, matrix: list[tuple[str, str]]) -> None:
    lines = ["name,id,audience,language,facility,date"]
    for i in range(people):
        audience, facility = matrix[i % len(matrix)]
        lines.append(f"Person {i + 1:05d} Example,S{i + 1:05d},{audience},{LANGUAGE},{facility},2026-12-01")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


# --- scanning, in a pool (each worker opens the batch once) ---------------------------------------

_batch: dict[str, Any] = {}


def _open_batch(path: str) -> None:
    import pypdfium2

    _batch["pdf"] = pypdfium2.PdfDocument(path)


def _scan(job: tuple[int, str, int, int]) -> Encoded:
    n, what, page, dpi = job
    scanner = Scanner(dpi, (0, 90, 180, 270)[n % 4], (0.0, 2.0, -3.0, 4.0, -1.5)[n % 5], 6.0, seed=n)
    image = scan(blank_page(154, 216, dpi), scanner) if what == "blank" else scan_page(_batch["pdf"], page, scanner)
    return encode(image)


def form_pages(batch: Path, people: int) -> tuple[list[int], list[int]]:
    """Each person's form page in the batch (the page with their ID), and pages without a form."""
    import pypdfium2

    pdf = pypdfium2.PdfDocument(batch)
    try:
        forms: list[int] = []
        body: list[int] = []
        for i in range(len(pdf)):
            text = pdf[i].get_textpage().get_text_range()
            (forms if f"S{len(forms) + 1:05d}" in text else body).append(i)
    finally:
        pdf.close()
    assert len(forms) == people, f"found {len(forms)} form pages for {people} people"
    return forms, body


def make_stack(path: Path, batch: Path, pages: int, forms: list[int], body: list[int], dpi: int) -> None:
    jobs = []
    person = 0
    for n in range(pages):
        what = kind(n)
        if what == "form":
            jobs.append((n, what, forms[person], dpi))
            person += 1
        else:
            jobs.append((n, what, body[(n * 7) % len(body)], dpi))
    with multiprocessing.get_context("fork").Pool(os.cpu_count(), _open_batch, (str(batch),)) as pool:
        write_pdf(path, pool.imap(_scan, jobs, chunksize=8))


# --- timing --------------------------------------------------------------------------------------

# Runs the command and measures it from a small process of its own: a child's peak RSS on Linux
# includes what its parent had when it forked (measured: a 300 MB parent gives `python -c pass` a
# 311 MB peak), and this benchmark holds the scanned stack. The launcher is also the "subreaper" of
# everything the command starts, so the fork server and its workers, orphaned when the command
# ends, are collected here and their CPU time and peak RSS counted.
LAUNCHER = """
import ctypes, json, os, resource, sys, time
subreaper = ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0) == 0  # PR_SET_CHILD_SUBREAPER
start = time.perf_counter()
pid = os.posix_spawn(sys.argv[2], sys.argv[2:], os.environ)
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - start
others = 0
while True:
    try:
        others = max(others, os.wait4(-1, 0)[2].ru_maxrss)
    except ChildProcessError:
        break
tree = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(sys.argv[1], "w") as fh:
    json.dump({"status": os.waitstatus_to_exitcode(status), "wall": wall, "subreaper": subreaper,
               "cpu": tree.ru_utime + tree.ru_stime, "main_kb": usage.ru_maxrss, "worker_kb": others}, fh)
"""


def timed_run(cmd: list[str]) -> tuple[float, float, float, float, str]:
    """Wall s, CPU s of the whole process tree, peak RSS MB of the main process and of the largest
    other process (a worker), and stdout, for one run of `cmd`."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile("r", suffix=".json") as report:
        subprocess.run([sys.executable, "-c", LAUNCHER, report.name, *cmd], stdout=out, stderr=err, check=True)
        data = json.load(report)
        out.seek(0)
        err.seek(0)
        if data["status"] not in (0, 1):
            sys.exit(f"records failed ({data['status']}):\n{err.read().decode()}")
        if not data["subreaper"]:
            print("warning: cannot collect the workers; their CPU time and memory are not counted", file=sys.stderr)
        return data["wall"], data["cpu"], data["main_kb"] / 1024, data["worker_kb"] / 1024, out.read().decode()


def check(data: dict[str, Any], want: Expect) -> list[str]:
    counts, pages = data["counts"], data["pages"]
    got = (counts["returned"], counts["missing"], pages["read"], pages["blank"], pages["without_code"])
    expected = (want.forms, want.missing, want.pages, want.blank, want.body)
    names = ("returned", "missing", "pages read", "blank", "without a code")
    return [f"{n}: {g} (expected {e})" for n, g, e in zip(names, got, expected, strict=True) if g != e]


# --- the decoder's options ----------------------------------------------------------------------

def decoder_study(batch: Path, forms: list[int], body: list[int], people: int) -> None:
    """How many form pages each decoder configuration reads, and its time a page, per scan
    condition; then the time of records' pass chain on pages without a code."""
    import pypdfium2
    import zxingcpp
    from PIL import Image

    from booklets.packets.qrdecode import decode

    qr = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    local, fixed, histogram = (zxingcpp.Binarizer.LocalAverage, zxingcpp.Binarizer.FixedThreshold,
                               zxingcpp.Binarizer.GlobalHistogram)

    def zx(binarizer: Any, scale: float = 1.0, **options: Any) -> Any:
        def read(image: Any) -> bool:
            if scale != 1:
                image = image.resize((round(image.width * scale), round(image.height * scale)),
                                     Image.Resampling.BILINEAR)
            return any(b.valid for b in zxingcpp.read_barcodes(image, formats=qr, binarizer=binarizer, **options))
        return read

    plain = {"try_rotate": False, "try_invert": False}
    configs = {  # column: (what it is, how to read a page)
        "defaults": ("zxing's defaults: LocalAverage, try_rotate, try_downscale, try_invert", zx(local)),
        "local": ("LocalAverage, try_downscale (no try_rotate, no try_invert)", zx(local, **plain)),
        "local-nodown": ("LocalAverage without try_downscale", zx(local, try_downscale=False, **plain)),
        "fixed": ("FixedThreshold", zx(fixed, **plain)),
        "histogram": ("GlobalHistogram", zx(histogram, **plain)),
        "fixed-x1.5": ("FixedThreshold on the page enlarged 1.5x", zx(fixed, 1.5, **plain)),
        "records": ("records: fixed, then local, then fixed-x1.5 where a symbol was seen",
                    lambda image: bool(decode(image)[0])),
    }
    for column, (what, _) in configs.items():
        print(f"{column:>13}: {what}")
    conditions = [(dpi, noise, quality) for dpi in (150, 200, 300) for noise, quality in ((6, 75), (25, 40), (45, 30))]
    sample = forms[:: max(1, people // 24)][:24]
    pdf = pypdfium2.PdfDocument(batch)
    try:
        print(f"{len(sample)} form pages per condition, turned 0/90/180/270°, skewed 0 to ±4°; noise is the "
              "standard deviation in grey levels")
        print(f"{'condition':<34}" + "".join(f" | {n:<15}" for n in configs) + " | any of records' passes")
        for dpi, noise, quality in conditions:
            reads = dict.fromkeys(configs, 0)
            seconds = dict.fromkeys(configs, 0.0)
            union = 0  # read by any of records' three passes: what enlarging every page would add
            for k, page in enumerate(sample):
                scanner = Scanner(dpi, (0, 90, 180, 270)[k % 4], (0.0, 2.0, -3.0, 4.0, -4.0)[k % 5], noise, seed=k)
                jpeg = encode(scan_page(pdf, page, scanner), quality).jpeg
                image = Image.open(io.BytesIO(jpeg))
                image.load()
                ok = {}
                for name, (_, read) in configs.items():
                    start = time.perf_counter()
                    ok[name] = read(image)
                    reads[name] += ok[name]
                    seconds[name] += time.perf_counter() - start
                union += ok["local"] or ok["fixed"] or ok["fixed-x1.5"]
            label = f"{dpi} dpi, noise {noise}, JPEG q{quality}"
            print(f"{label:<34}" + "".join(f" | {reads[n]:>2}/{len(sample)} {seconds[n] / len(sample) * 1000:4.0f} ms"
                                           for n in configs) + f" | {union}/{len(sample)}")
        for dpi in (150, 200, 300):
            pages = body[:: max(1, len(body) // 12)][:12]
            start = time.perf_counter()
            for k, page in enumerate(pages):
                decode(scan_page(pdf, page, Scanner(dpi, (0, 90)[k % 2], 2.0, 6.0, seed=k)))
            print(f"records' passes on a page without a code at {dpi} dpi: "
                  f"{(time.perf_counter() - start) / len(pages) * 1000:.0f} ms (scanning included)")
    finally:
        pdf.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--project", type=Path, default=REPO)
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--small", type=int, default=100)
    parser.add_argument("--dpi", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=1, help="timed runs per stack; the fastest counts")
    parser.add_argument("--decoder", action="store_true",
                        help="instead of timing the command, compare the decoder's options on scanned form pages")
    args = parser.parse_args()
    root = args.project.resolve()
    project = load_project(root)
    matrix = [(a, f) for f in project.booklet.facilities for a in project.booklet.audiences
              if project.languages[LANGUAGE].audiences[a].form is not None]
    big, small = expect(args.pages), expect(args.small)
    results = {}
    with tempfile.TemporaryDirectory(prefix="records-bench-") as tmp:
        work = Path(tmp)
        out = work / "dist"
        roster = work / "roster.csv"
        write_roster(roster, big.roster, matrix)
        start = time.perf_counter()
        subprocess.run([sys.executable, str(REPO / "build.py"), "packets", str(roster), "--project", str(root),
                        "--out", str(out)], check=True, stdout=subprocess.DEVNULL)
        batch = PacketPaths.of(out, roster, "print").batch
        forms, body = form_pages(batch, big.roster)
        print(f"packets for {big.roster} people: {time.perf_counter() - start:.0f} s")
        if args.decoder:
            decoder_study(batch, forms, body, big.roster)
            return 0
        for want, name in ((small, "small"), (big, "big")):
            stack = work / f"stack-{want.pages}.pdf"
            start = time.perf_counter()
            make_stack(stack, batch, want.pages, forms, body, args.dpi)
            print(f"scanned {want.pages} pages at {args.dpi} dpi: {time.perf_counter() - start:.0f} s, "
                  f"{stack.stat().st_size / 1e6:.0f} MB")
            people = work / f"roster-{name}.csv"
            write_roster(people, want.roster, matrix)
            cmd = [sys.executable, str(REPO / "build.py"), "records", str(stack), "--roster", str(people),
                   "--project", str(root), "--out", str(out), "--format", "json"]
            runs = [timed_run(cmd) for _ in range(args.repeat)]
            wall, cpu, main_rss, worker_rss, output = min(runs)
            problems = check(json.loads(output), want)
            results[name] = (want.pages, wall, cpu, max(r[2] for r in runs), max(r[3] for r in runs), problems,
                             [r[0] for r in runs])
    print(f"project {root}: {len(matrix)} {LANGUAGE} booklets with a form, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}")
    for pages, wall, cpu, main_rss, worker_rss, problems, walls in results.values():
        print(f"{pages:>5} pages: {wall:6.1f} s wall (runs: {', '.join(f'{w:.1f}' for w in walls)}), "
              f"{cpu:6.1f} s CPU, {pages / wall:5.1f} pages/s; peak RSS main {main_rss:.0f} MB, "
              f"largest worker {worker_rss:.0f} MB" + (f"; WRONG: {'; '.join(problems)}" if problems else ""))
    _, wall, _, main_big, worker_big, problems_big, _ = results["big"]
    _, _, _, main_small, worker_small, problems_small, _ = results["small"]
    checks = [
        (f"{args.pages} pages", f"{wall:.1f} s", "< 120 s", wall < 120),
        ("peak RSS of the main process, big vs small", f"{main_big / main_small:.2f}x", "<= 1.25x",
         main_big <= 1.25 * main_small),
        ("peak RSS of a worker, big vs small", f"{worker_big / worker_small:.2f}x", "<= 1.25x",
         worker_big <= 1.25 * worker_small),
        ("every state as expected", "yes" if not problems_big + problems_small else "no", "yes",
         not problems_big + problems_small),
    ]
    for what, value, target, ok in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {what}: {value} (target {target})")
    return 0 if all(ok for *_, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
