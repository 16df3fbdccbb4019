"""The commands that handle personal data: `packets` (personalised acknowledgement packets from a
roster) and `records` (scanned signed forms read back into a training record)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from booklets.cli.options import default_jobs, jobs_count

# --- packets -----------------------------------------------------------------------------------


def add_packets(p: argparse.ArgumentParser) -> None:
    p.description = (
        "One booklet per person on ROSTER (CSV with columns name, id, audience, language, facility, date), its "
        "form page filled in with their details and a records QR code. Writes dist/personal/ROSTER-<hash>/"
        "batch-EDITION.pdf (roster order; each part padded as the edition pads), and with --imposed "
        "batch-EDITION-imposed.pdf (2-up sheets for duplex office printing)."
    )
    p.add_argument("roster", type=Path, metavar="ROSTER.csv", help="the roster (UTF-8 CSV, header row first)")
    p.add_argument(
        "--project",
        type=Path,
        default=Path("."),
        help="project folder holding content/ and templates/ (default: current folder)",
    )
    p.add_argument("--out", type=Path, default=None, help="output folder (default: PROJECT/dist)")
    p.add_argument("--edition", default="print", metavar="ID", help="edition of the booklets (default: print)")
    p.add_argument("--per-person", action="store_true",
                   help="also write one PDF per person to dist/personal/ROSTER-<hash>/EDITION/")
    p.add_argument(
        "--imposed", action="store_true",
        help="also write the batch as 2-up saddle-stitch sheets for duplex office printing (print both "
        "sides, flip on the short edge; each person's booklet is whole sheets: fold and staple per person)",
    )
    p.add_argument(
        "--jobs", "-j", type=jobs_count, default=default_jobs(), metavar="N",
        help="worker processes for booklets that must be built (default: this machine's cores)",
    )
    p.add_argument(
        "--skip-bad-rows",
        action="store_true",
        help="write the good rows and list the bad ones (default: write nothing if any row is bad)",
    )
    p.add_argument("--debug", action="store_true", help="show tracebacks (for developers)")


def run_packets(args: argparse.Namespace) -> int:
    from booklets.packets.run import PacketOptions, make_packets

    root = args.project.resolve()
    out = (args.out or root / "dist").resolve()
    result = make_packets(
        PacketOptions(
            root=root,
            out_dir=out,
            roster=args.roster,
            roster_name=str(args.roster),
            edition=args.edition,
            per_person=args.per_person,
            skip_bad_rows=args.skip_bad_rows,
            jobs=args.jobs,
            imposed=args.imposed,
        )
    )
    for warning in result.warnings:
        print(warning, file=sys.stderr)
    for problem in result.skipped:
        print(f"skipped: {problem}", file=sys.stderr)
    if result.skipped:
        rows = len({p.line for p in result.skipped})
        print(f"skipped {rows} bad row{'s' * (rows != 1)}; the other {result.people} were written", file=sys.stderr)
    def shown(path: Path) -> Path:
        return path.relative_to(root) if path.is_relative_to(root) else path

    print(f"{result.people} people, {result.pages} pages: {shown(result.batch)}")
    if result.imposed is not None:
        print(f"imposed for duplex office printing, {result.sheets} sheet sides: {shown(result.imposed)}")
    if result.per_person:
        print(f"{len(result.per_person)} personal files in {shown(result.per_person[0].parent)}/")
    print(f"booklets: {len(result.reused)} reused from the build, {len(result.built)} built")
    return 0


# --- records -----------------------------------------------------------------------------------


def add_records(p: argparse.ArgumentParser) -> None:
    p.description = (
        "Read scanned signed forms (PDF, PNG, JPEG, TIFF; every page), find the records QR code packets printed "
        "on each, and write OUT/records/ROSTER-records.csv: one row per person on the roster (returned, missing, "
        "duplicate, old revision) and per odd page (unknown ID, other document, unreadable code). "
        "Exit status: 0 everyone returned, 1 some missing or odd, 2 unusable input."
    )
    p.add_argument("scans", nargs="+", type=Path, metavar="SCAN", help="scanned PDFs or images, in any number")
    p.add_argument(
        "--roster", type=Path, required=True, metavar="ROSTER.csv", help="the roster the packets were made from"
    )
    p.add_argument(
        "--project",
        type=Path,
        default=Path("."),
        help="project folder holding content/ and templates/ (default: current folder)",
    )
    p.add_argument("--out", type=Path, default=None, help="output folder (default: PROJECT/dist)")
    p.add_argument(
        "--format", choices=("table", "json"), default="table", help="table for people (default), json for scripts"
    )
    p.add_argument(
        "--jobs", "-j", type=jobs_count, default=default_jobs(), metavar="N",
        help="worker processes reading pages (default: this machine's cores)",
    )
    p.add_argument("--debug", action="store_true", help="show tracebacks (for developers)")


def run_records(args: argparse.Namespace) -> int:
    from booklets.packets.records import RecordsOptions, as_json, make_records, print_summary

    root = args.project.resolve()
    out = (args.out or root / "dist").resolve()
    live = sys.stderr.isatty()

    def progress(done: int, total: int) -> None:
        if done == total or done % 10 == 0:
            print(f"\rread {done} of {total} pages", end="\n" if done == total else "", file=sys.stderr, flush=True)

    result = make_records(
        RecordsOptions(
            root=root,
            out_dir=out,
            roster=args.roster,
            scans=tuple(args.scans),
            roster_name=str(args.roster),
            scan_names=tuple(str(s) for s in args.scans),
            jobs=args.jobs,
        ),
        progress if live else None,
    )
    shown = str(result.csv.relative_to(root) if result.csv.is_relative_to(root) else result.csv)
    if args.format == "json":
        print(as_json(result, shown))
    else:
        print_summary(result, shown)
    return 0 if result.ok else 1


