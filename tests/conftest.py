"""Shared fixtures: scratch projects in tmp_path (written by tests/scratch.py), and builds made once
per session and shared by the tests that only read them: the minimal scratch project, the bilingual
one (tests/i18n_project.py) and the full default build.

The suite runs on every core with pytest-xdist (`-n auto` in pyproject's addopts). Its workers are
separate processes, each with its own session, so a session fixture would run once per worker:
the default matrix, the costliest thing the suite does, would be built twice. `_once` makes each
shared build once per test run: the workers' temporary folders share a parent, the first worker
to need a build makes it there while holding a lock, and the others wait for it and read it."""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from booklets.cli.main import main
from tests.i18n_project import bilingual
from tests.scratch import MINIMAL, REPO, FileEdit, write_project

__all__ = ["MINIMAL", "REPO"]  # tests import these from here too


@pytest.fixture
def make_project(tmp_path: Path) -> Callable[..., Path]:
    """Write a small project (the real templates and strings, minimal content) with overrides.

    `make_project({"content/en/audiences/staff.yaml": "..."})` replaces or adds files; a value of
    None deletes that file. Calling it again starts afresh. Keyword arguments go to
    tests/scratch.py's write_project (`facilities=`, `languages=`).
    """

    def make(files: dict[str, FileEdit] | None = None, **options: object) -> Path:
        root = tmp_path / "project"
        if root.exists():
            shutil.rmtree(root)
        return write_project(root, files, **options)  # type: ignore[arg-type]

    return make


@contextmanager
def _once(factory: pytest.TempPathFactory, name: str) -> Iterator[tuple[Path, bool]]:
    """(the folder for the shared build `name`, whether it is already made), holding a lock on it
    for the whole run of the test session's workers. Mark it made with _made(folder)."""
    base = factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # pytest-of-<user>/pytest-<n>/: shared by this run's workers only
    with open(base / f"{name}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, or the worker dies
        folder = base / name
        yield folder, (folder / ".made").is_file()


def _made(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / ".made").write_text("")


@pytest.fixture(scope="session")
def minimal_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The minimal scratch project, built once per session into its dist/. Read it, never change
    it: a test that edits or rebuilds works on a copy (shutil.copytree)."""
    with _once(tmp_path_factory, "minimal") as (folder, made):
        root = folder / "project"
        if not made:
            write_project(root)
            assert main(["--project", str(root)]) == 0
            _made(folder)
    return root


@pytest.fixture(scope="session")
def bilingual_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tests/i18n_project.py's bilingual project (en + es), built once per session into its dist/.
    Read it, never change it (copy it first)."""
    with _once(tmp_path_factory, "bilingual") as (folder, made):
        root = folder / "project"
        if not made:
            write_project(root, bilingual())
            assert main(["--project", str(root)]) == 0
            _made(folder)
    return root


@pytest.fixture(scope="session")
def default_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The full default matrix, built once per test session from the shipped content.

    BOOKLETS_TEST_BUILD=<folder> builds into that folder instead, incrementally (only what changed
    since the last run is rendered again): for running default-build tests one at a time while
    working. The build still runs, so the PDFs are always those of the code under test."""
    kept = os.environ.get("BOOKLETS_TEST_BUILD")
    with _once(tmp_path_factory, "default") as (folder, made):
        out = Path(kept) if kept else folder / "dist"
        if not made:
            assert main(["--project", str(REPO), "--out", str(out)]) == 0
            _made(folder)
    return out
