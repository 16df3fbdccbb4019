"""Command line: `python build.py [build] [options]`, and the subcommands later stages add.

`main(argv) -> int` never lets a traceback reach the user for bad input: every problem is one
line on stderr and the exit status is 2 (`--debug` re-raises for developers).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from booklets import __version__
from booklets.errors import BookletError, Problem
from booklets.plan import Selection, split_values

COMMANDS = ("build", "check", "packets")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="build.py",
        description="Build print-ready and accessible PDF booklets for every audience from content/.",
        epilog="Without a command, `build` runs: every booklet of content/booklet.yaml into dist/.",
    )
    parser.add_argument("--version", action="version", version=f"booklets {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    build = sub.add_parser("build", help="build booklets (the default command)")
    _add_common(build)
    mode = build.add_mutually_exclusive_group()
    mode.add_argument("--release", action="store_true",
                      help="release build: refuse any !placeholder value left in a facility, "
                           "require document control, record the revision in "
                           "content/releases.yaml")
    mode.add_argument("--draft", action="store_true",
                      help="build even where a translation is missing: the source language's text "
                           "stands in, marked [EN] in the PDF and listed as warnings")
    _check_parser(sub)
    _add_packets(sub)
    return parser


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--project", type=Path, default=Path("."),
                   help="project folder holding content/ and templates/ (default: current folder)")
    p.add_argument("--out", type=Path, default=None, help="output folder (default: PROJECT/dist)")
    p.add_argument("--audience", action="append", metavar="ID", help="only these audiences (repeatable, comma-separated)")
    p.add_argument("--lang", action="append", metavar="CODE", help="only these languages")
    p.add_argument("--edition", action="append", metavar="ID", help="only these editions")
    p.add_argument("--facility", action="append", metavar="ID", help="only these facilities")
    p.add_argument("--debug", action="store_true", help="show tracebacks (for developers)")


def _selection(args: argparse.Namespace) -> Selection:
    return Selection(
        audiences=split_values(args.audience),
        languages=split_values(args.lang),
        editions=split_values(args.edition),
        facilities=split_values(args.facility),
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status.

    0 ok, 2 bad input or a failed target, 70 an internal error (a bug), 130 interrupted.
    """
    args_list = list(sys.argv[1:] if argv is None else argv)
    if not args_list or args_list[0] not in (*COMMANDS, "-h", "--help", "--version"):
        args_list.insert(0, "build")
    args = _parser().parse_args(args_list)
    try:
        if args.command == "check":
            return _run_check(args)
        if args.command == "packets":
            return _run_packets(args)
        return _run_build(args)
    except BookletError as exc:
        if args.debug:
            raise
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        if args.debug:
            raise
        print("error: interrupted; each PDF in the output folder is either complete or as it was",
              file=sys.stderr)
        return 130
    except Exception as exc:
        # Not the user's input: a bug in booklets. One line still, and the way to see more.
        if args.debug:
            raise
        print(f"error: internal error (a bug in booklets, not in your content): "
              f"{type(exc).__name__}: {exc}; run again with --debug and report it", file=sys.stderr)
        return 70  # EX_SOFTWARE: distinct from bad input (2) and check findings (1)


def _run_build(args: argparse.Namespace) -> int:
    from booklets.pipeline import BuildOptions, build
    from booklets.report import print_summary

    root = args.project.resolve()
    out = (args.out or root / "dist").resolve()
    result = build(BuildOptions(root=root, out_dir=out, selection=_selection(args),
                                release=args.release, draft=args.draft))
    for warning in result.warnings:
        print(warning, file=sys.stderr)
    print_summary(result, root)
    for failed in (r for r in result.results if not r.ok):
        print(f"error: {failed.target.name}: {failed.error}", file=sys.stderr)
    return 0 if result.ok else 2


def _check_parser(sub: Any) -> None:
    check = sub.add_parser(
        "check", help="check content (with --pdf, the built PDFs) before they go to readers",
        description="Reading level, long sentences, uncited figures, sources, placeholders, alt "
                    "text and internal links, without rendering; with --pdf, a preflight of the "
                    "built PDFs. "
                    "Exit status: 0 fit, 1 errors found, 2 unusable input.")
    _add_common(check)
    check.add_argument("--pdf", action="store_true",
                       help="also preflight the PDFs built in --out: fonts, page counts, boxes, "
                            "tags, text size, reading order")
    check.add_argument("--strict", action="store_true", help="warnings count as errors")
    check.add_argument("--release", action="store_true", help="placeholders left count as errors")
    check.add_argument("--format", choices=("table", "json"), default="table",
                       help="table for people (default), json for CI")


def _run_check(args: argparse.Namespace) -> int:
    from booklets.check import check_content
    from booklets.content import load_project
    from booklets.findings import print_report
    from booklets.plan import unknown_selectors

    root = args.project.resolve()
    project = load_project(root)
    selection = _selection(args)
    bad = unknown_selectors(project.booklet, selection)
    if bad:
        raise BookletError([Problem("command line", message=m) for m in bad])
    report = check_content(project, selection, release=args.release)
    if args.pdf:
        from booklets.preflight import check_pdfs

        check_pdfs(project, (args.out or root / "dist").resolve(), selection, report)
    report.finish(strict=args.strict)
    if args.format == "json":
        print(report.as_json())
    else:
        print_report(report)
    return 0 if report.ok else 1


def _add_packets(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "packets", help="personalised acknowledgement packets from a roster CSV",
        description="One booklet per person on ROSTER (CSV with columns name, id, audience, language, "
                    "facility, date), its form page filled in with their details and a records QR code. "
                    "Writes dist/personal/batch-ROSTER.pdf (roster order, each part whole sheets).")
    p.add_argument("roster", type=Path, metavar="ROSTER.csv", help="the roster (UTF-8 CSV, header row first)")
    p.add_argument("--project", type=Path, default=Path("."),
                   help="project folder holding content/ and templates/ (default: current folder)")
    p.add_argument("--out", type=Path, default=None, help="output folder (default: PROJECT/dist)")
    p.add_argument("--edition", default="print", metavar="ID", help="edition of the booklets (default: print)")
    p.add_argument("--per-person", action="store_true",
                   help="also write one PDF per person to dist/personal/ROSTER/")
    p.add_argument("--skip-bad-rows", action="store_true",
                   help="write the good rows and list the bad ones (default: write nothing if any row is bad)")
    p.add_argument("--debug", action="store_true", help="show tracebacks (for developers)")


def _run_packets(args: argparse.Namespace) -> int:
    from booklets.packets import PacketOptions, make_packets

    root = args.project.resolve()
    out = (args.out or root / "dist").resolve()
    result = make_packets(PacketOptions(root=root, out_dir=out, roster=args.roster, roster_name=str(args.roster),
                                        edition=args.edition, per_person=args.per_person,
                                        skip_bad_rows=args.skip_bad_rows))
    for warning in result.warnings:
        print(warning, file=sys.stderr)
    for problem in result.skipped:
        print(f"skipped: {problem}", file=sys.stderr)
    if result.skipped:
        rows = len({p.line for p in result.skipped})
        print(f"skipped {rows} bad row{'s' * (rows != 1)}; the other {result.people} were written", file=sys.stderr)
    shown = result.batch.relative_to(root) if result.batch.is_relative_to(root) else result.batch
    print(f"{result.people} people, {result.pages} pages: {shown}")
    if result.per_person:
        print(f"{len(result.per_person)} personal files in {shown.parent / result.per_person[0].parent.name}/")
    print(f"booklets: {len(result.reused)} reused from the build, {len(result.built)} built")
    return 0
