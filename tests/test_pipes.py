"""Output piped to a reader that stops reading (`| head -1`) ends quietly: no traceback, no
"internal error", exit status 141 (what a shell reports for a program ended by SIGPIPE), and a
build stopped that way loses nothing.

Each command runs in a subprocess writing into a real pipe. A pipe whose read end is closed before
the command starts makes its first write fail every time; `| head -1` is the everyday case, where
the command may also finish writing before head leaves (then its status is 0).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def _cli(root: Path, *args: str) -> list[str]:
    return [sys.executable, str(REPO / "build.py"), *args, "--project", str(root)]


def _into_closed_pipe(cmd: list[str]) -> subprocess.CompletedProcess[str]:
    """Run with stdout a pipe nobody reads any more (its read end closed before the start)."""
    read, write = os.pipe()
    os.close(read)
    try:
        return subprocess.run(cmd, stdout=write, stderr=subprocess.PIPE, text=True, timeout=600,
                              env={**os.environ, "PYTHONPATH": str(REPO)})
    finally:
        os.close(write)


def _quiet(done: subprocess.CompletedProcess[str]) -> None:
    assert done.returncode == 141, done.stderr
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr
    assert "BrokenPipeError" not in done.stderr and "Exception ignored" not in done.stderr


def test_list_into_a_closed_pipe_ends_quietly_with_141(make_project: Callable[..., Path]) -> None:
    done = _into_closed_pipe(_cli(make_project(), "--list"))
    _quiet(done)
    assert done.stderr == ""


def test_list_piped_into_head_prints_the_first_target_and_ends_quietly(
        make_project: Callable[..., Path]) -> None:
    root = make_project()
    shell = f"{' '.join(_cli(root, '--list'))} | head -1; echo \"status=${{PIPESTATUS[0]}}\" >&2"
    done = subprocess.run(["bash", "-c", shell], capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.stdout == "north/en/staff-screen\n"
    status = done.stderr.splitlines()[-1]
    assert status in ("status=0", "status=141"), done.stderr  # 0 if it wrote everything before head left
    assert done.stderr.splitlines()[:-1] == []


@pytest.mark.parametrize("command", [[], ["check"]])
def test_build_and_check_into_a_closed_pipe_end_quietly(
        make_project: Callable[..., Path], command: list[str]) -> None:
    root = make_project()
    done = _into_closed_pipe(_cli(root, *command))
    _quiet(done)
    # The build stopped at its first line of output, like an interrupted build: nothing half-made.
    assert not [p for p in (root / "dist").rglob("*") if p.name.endswith(".tmp")]


def test_summary_into_a_closed_pipe_ends_quietly_and_keeps_the_pdfs(
        make_project: Callable[..., Path]) -> None:
    root = make_project()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    assert subprocess.run(_cli(root), capture_output=True, timeout=600, env=env).returncode == 0
    pdf = root / "dist/north/en/staff-screen.pdf"
    before = pdf.read_bytes()
    _quiet(_into_closed_pipe(_cli(root)))  # nothing to do: its first output is the summary
    _quiet(_into_closed_pipe(_cli(root, "--force")))  # stops at its first progress line
    assert pdf.read_bytes() == before
    assert not [p for p in (root / "dist").rglob("*") if p.name.endswith(".tmp")]
