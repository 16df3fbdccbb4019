"""Command line: `python build.py [COMMAND] [options]`; without a command, `build` runs.

Each command is one entry of COMMANDS: its name, its help, a function adding its options and a
function running it. `main(argv) -> int` never lets a traceback reach the user for bad input: every
problem is one line on stderr and the exit status is 2 (`--debug` re-raises for developers).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from booklets import __version__, paths
from booklets.cli import new as new_command
from booklets.cli import personal
from booklets.cli import schema as schema_command
from booklets.cli.options import default_jobs, jobs_count
from booklets.cli.pipes import reader_left, was_rich_broken_pipe
from booklets.engine.pipeline import DEFAULT_TIME_LIMIT
from booklets.errors import BookletError, Problem
from booklets.plan import Selection, Shard, split_values

if TYPE_CHECKING:
    from booklets.engine.pipeline import BuildOptions


@dataclass(frozen=True)
class Command:
    """One subcommand: how to parse it and how to run it (returns the exit status)."""

    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--project",
        type=Path,
        default=Path("."),
        help="project folder holding content/ and templates/ (default: current folder)",
    )
    p.add_argument("--out", type=Path, default=None, help="output folder (default: PROJECT/dist)")
    p.add_argument(
        "--audience",
        action="append",
        metavar="ID",
        help="only these audiences (repeatable, comma-separated)",
    )
    p.add_argument("--lang", action="append", metavar="CODE", help="only these languages")
    p.add_argument("--edition", action="append", metavar="ID", help="only these editions")
    p.add_argument("--facility", action="append", metavar="ID", help="only these facilities")
    p.add_argument("--debug", action="store_true", help="show tracebacks (for developers)")


def _seconds(text: str) -> float:
    if not text.replace(".", "", 1).isdigit() or float(text) >= 1e6:
        raise argparse.ArgumentTypeError(f"expected a number of seconds (0 for no limit), found {text!r}")
    return float(text)


def _shard(text: str) -> Shard:
    try:
        return Shard.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _add_engine(p: argparse.ArgumentParser) -> None:
    """Options of every command that builds: how many processes, and which part of the matrix."""
    p.add_argument(
        "--jobs",
        "-j",
        type=jobs_count,
        default=default_jobs(),
        metavar="N",
        help="worker processes rendering PDFs (default: this machine's cores)",
    )
    p.add_argument(
        "--shard",
        type=_shard,
        default=Shard(),
        metavar="I/N",
        help="build only part I of N disjoint parts of the selected targets (for CI matrices)",
    )
    p.add_argument(
        "--time-limit",
        type=_seconds,
        default=DEFAULT_TIME_LIMIT,
        metavar="SECONDS",
        help="stop a booklet whose templates, or whose PDF render, run longer than this (default: 120; 0: no limit)",
    )
    mode = p.add_mutually_exclusive_group()
    mode.add_argument(
        "--release",
        action="store_true",
        help="release build: refuse any !placeholder value left in a facility, require document control, "
        "record the revision in content/releases.yaml",
    )
    mode.add_argument(
        "--draft",
        action="store_true",
        help="build even where a translation is missing: the source language's text stands in, marked [EN] "
        "in the PDF and listed as warnings",
    )


def _selection(args: argparse.Namespace) -> Selection:
    return Selection(
        audiences=split_values(args.audience),
        languages=split_values(args.lang),
        editions=split_values(args.edition),
        facilities=split_values(args.facility),
    )


def _options(args: argparse.Namespace) -> BuildOptions:
    from booklets.engine.pipeline import BuildOptions

    root = args.project.resolve()
    return BuildOptions(
        root=root,
        out_dir=(args.out or root / "dist").resolve(),
        selection=_selection(args),
        release=args.release,
        draft=args.draft,
        force=getattr(args, "force", False),
        jobs=args.jobs,
        shard=args.shard,
        time_limit=args.time_limit,
    )


# --- build -------------------------------------------------------------------------------------


def _add_build(p: argparse.ArgumentParser) -> None:
    p.description = (
        "Render the selected booklets that changed since the last build (each target records a hash of "
        "everything it reads), in parallel worker processes, into OUT/<facility>/<lang>/<audience>-<edition>.pdf; "
        "then write the gallery OUT/index.html and OUT/manifest.json. Exit status: 0 all built, 2 bad input "
        "or a target failed."
    )
    _add_common(p)
    _add_engine(p)
    p.add_argument(
        "--list", action="store_true", help="print the selected targets, one per line, and stop"
    )
    p.add_argument(
        "--force", action="store_true", help="render every selected target, even if up to date"
    )
    p.add_argument(
        "--watch", action="store_true", help="build, then rebuild what each saved file affects"
    )


def build_once(options: BuildOptions) -> int:
    """One build: progress, the summary, warnings grouped, then errors or where to look.

    0 when every target succeeded, else 2."""
    from booklets.cli.progress import for_stream
    from booklets.cli.summary import gallery_line, grouped_warnings, print_summary
    from booklets.engine.pipeline import build

    result = build(options, for_stream(sys.stdout))
    print_summary(result, options.root)
    sys.stdout.flush()  # the warnings (stderr) come after the table on a shared terminal or log
    for warning in grouped_warnings(result, options.root):
        print(warning, file=sys.stderr, flush=True)
    for failed in (r for r in result.results if not r.ok):
        print(f"error: {failed.target.name}: {failed.error}", file=sys.stderr, flush=True)
    if result.ok and result.results:
        print(gallery_line(options.out_dir), flush=True)
    return 0 if result.ok else 2


def _run_build(args: argparse.Namespace) -> int:
    options = _options(args)
    if args.list:
        from booklets.engine.pipeline import list_targets

        for target in list_targets(options):
            print(target.name)
        return 0
    if args.watch:
        from booklets.cli.watch import watch

        return watch(options, lambda: _guarded(lambda: build_once(options), args.debug))
    return build_once(options)


# --- serve -------------------------------------------------------------------------------------


def _add_serve(p: argparse.ArgumentParser) -> None:
    p.description = (
        "Build, then watch content/ and templates/ and rebuild what each save affects, while serving on "
        "http://127.0.0.1:PORT/ the gallery, the PDFs and the HTML WeasyPrint receives for each booklet "
        "(/html/<facility>/<lang>/<audience>-<edition>.html). Open pages reload when a rebuild finishes."
    )
    _add_common(p)
    _add_engine(p)
    p.add_argument(
        "--port",
        type=int,
        default=8000,
        help="port on 127.0.0.1 (default: 8000; 0 picks a free one)",
    )


def _run_serve(args: argparse.Namespace) -> int:
    from booklets.cli.serve import serve

    options = _options(args)
    # The builder is this same command line in watch mode, in its own process.
    builder = [
        "build",
        "--watch",
        "--project",
        str(options.root),
        "--out",
        str(options.out_dir),
        "--jobs",
        str(options.jobs),
        "--shard",
        f"{options.shard.index}/{options.shard.count}",
        "--time-limit",
        str(options.time_limit),
    ]
    for flag, values in (
        ("--audience", args.audience),
        ("--lang", args.lang),
        ("--edition", args.edition),
        ("--facility", args.facility),
    ):
        builder += [arg for value in values or () for arg in (flag, value)]
    builder += ["--release"] if args.release else ["--draft"] if args.draft else []
    return serve(options, args.port, builder)


# --- check -------------------------------------------------------------------------------------


def _add_check(check: argparse.ArgumentParser) -> None:
    check.description = (
        "Reading level, long sentences, uncited figures, sources, placeholders, alt text and internal links, "
        "without rendering; with --pdf, a preflight of the built PDFs. "
        "Exit status: 0 fit, 1 errors found, 2 unusable input."
    )
    _add_common(check)
    check.add_argument(
        "--pdf",
        action="store_true",
        help="also preflight the PDFs built in --out: fonts, page counts, boxes, tags, text size, reading order",
    )
    check.add_argument("--jobs", "-j", type=jobs_count, default=default_jobs(), metavar="N",
                       help="processes checking PDFs at once with --pdf (default: this machine's cores)")
    check.add_argument("--strict", action="store_true", help="warnings count as errors")
    check.add_argument("--release", action="store_true", help="placeholders left count as errors")
    check.add_argument(
        "--format", choices=("table", "json"), default="table", help="table for people (default), json for CI"
    )


def _run_check(args: argparse.Namespace) -> int:
    from booklets.check.content import check_content
    from booklets.check.findings import print_check_report
    from booklets.content.load import load_project
    from booklets.plan import unknown_selectors

    root = args.project.resolve()
    project = load_project(root)
    selection = _selection(args)
    bad = unknown_selectors(project.booklet, selection, paths.BOOKLET)
    if bad:
        raise BookletError([Problem("command line", message=m) for m in bad])
    report = check_content(project, selection, release=args.release)
    if args.pdf:
        from booklets.check.pdf import check_pdfs

        check_pdfs(project, (args.out or root / "dist").resolve(), selection, report, args.jobs)
    report.finish(strict=args.strict)
    if args.format == "json":
        print(report.as_json())
    else:
        print_check_report(report)
    return 0 if report.ok else 1


COMMANDS: tuple[Command, ...] = (
    Command("build", "build booklets (the default command)", _add_build, _run_build),
    Command("serve", "build, watch and preview in a browser on localhost with live reload", _add_serve, _run_serve),
    Command("check", "check content (with --pdf, the built PDFs) before they go to readers", _add_check, _run_check),
    Command("packets", "personalised acknowledgement packets from a roster CSV", personal.add_packets,
            personal.run_packets),
    Command("records", "match scanned signed forms to a roster: who returned theirs", personal.add_records,
            personal.run_records),
    Command("schema", "JSON Schema of content files, for editors", schema_command.add_arguments, schema_command.run),
    Command("new", "start a new facility or language: its files with every value to fill in marked",
            new_command.add_arguments, new_command.run),
)


class _TopParser(argparse.ArgumentParser):
    """The top-level parser; its help also lists the options of `build`, the default command, so
    `python build.py --help` shows every option a plain `python build.py` takes."""

    default_command: argparse.ArgumentParser | None = None

    def format_help(self) -> str:
        text = super().format_help()
        if self.default_command is None:
            return text
        own = self.default_command.format_help()
        # Its option list only: what follows its "options:" heading, without a second --help.
        _, found, options = own.partition("\noptions:\n")
        if not found:  # pragma: no cover - argparse before 3.10 said "optional arguments:"
            return text
        lines = options.splitlines(keepends=True)
        if lines and lines[0].lstrip().startswith("-h, --help"):
            lines = lines[1:]
        return (f"{text}\nbuild options (`python build.py [options]`; a command's own options: "
                f"`python build.py COMMAND --help`):\n{''.join(lines)}")


def _parser() -> argparse.ArgumentParser:
    parser = _TopParser(
        prog="build.py",
        description="Build print-ready and accessible PDF booklets for every audience "
        "from content/.",
        epilog="Without a command, `build` runs: every booklet of content/booklet.yaml into dist/.",
    )
    parser.add_argument("--version", action="version", version=f"booklets {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        command_parser = sub.add_parser(command.name, help=command.help)
        command.add_arguments(command_parser)
        if command.name == "build":
            parser.default_command = command_parser
    return parser


def _guarded(run: Callable[[], int], debug: bool) -> int:
    """Run, printing bad input as one line per problem (exit status 2) instead of a traceback.

    Anything else is a bug in booklets, not in the user's content: still one line, exit status 70
    (EX_SOFTWARE, distinct from bad input 2 and check findings 1), and --debug shows the traceback.
    """
    try:
        return run()
    except BrokenPipeError:
        raise  # the reader of our output left: not a bug (main)
    except BookletError as exc:
        if debug:
            raise
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        return 2
    except Exception as exc:
        if debug:
            raise
        print(f"error: internal error (a bug in booklets, not in your content): "
              f"{type(exc).__name__}: {exc}; run again with --debug and report it", file=sys.stderr)
        return 70


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 2 bad input or a failed target)."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    names = [c.name for c in COMMANDS]
    if not args_list or args_list[0] not in (*names, "-h", "--help", "--version"):
        args_list.insert(0, "build")
    args = _parser().parse_args(args_list)
    command = next(c for c in COMMANDS if c.name == args.command)
    try:
        status = _guarded(lambda: command.run(args), args.debug)
        sys.stdout.flush()  # here, where a reader that has left can be noticed (not at exit)
        return status
    except KeyboardInterrupt:
        if args.debug:
            raise
        print("error: interrupted; each PDF in the output folder is either complete or as it was",
              file=sys.stderr)
        return 130
    except BrokenPipeError:
        return reader_left()
    except SystemExit as exc:
        if was_rich_broken_pipe(exc):
            return reader_left()
        raise
