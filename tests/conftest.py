"""Shared fixtures: scratch projects in tmp_path (written by tests/scratch.py), and builds made once
per session and shared by the tests that only read them: the minimal scratch project, the bilingual
one (tests/i18n_project.py) and the full default build."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from booklets.cli.main import main
from tests.i18n_project import bilingual
from tests.scratch import MINIMAL, REPO, FileEdit, write_project

__all__ = ["MINIMAL", "REPO"]  # tests import these from here too

# Builds shared by many tests, costliest first. Under pytest-xdist (pyproject's addopts) each
# worker is a process with its own session fixtures, so every test using one of these is sent to
# the same worker (one build, not one per worker); every other test stays with its module, whose
# module-scoped builds are then made once too.
SHARED_BUILDS = ("default_build", "bilingual_build", "minimal_build")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def group(item: pytest.Item) -> str:
        names = getattr(item, "fixturenames", ())
        return next((f for f in SHARED_BUILDS if f in names), item.nodeid.split("::")[0])

    for item in items:
        item.add_marker(pytest.mark.xdist_group(group(item)))
    # The default build's group is the longest: start it first, so it does not run alone at the end.
    items.sort(key=lambda item: group(item) != SHARED_BUILDS[0])


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


@pytest.fixture(scope="session")
def minimal_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The minimal scratch project, built once per session into its dist/. Read it, never change
    it: a test that edits or rebuilds works on a copy (shutil.copytree)."""
    root = write_project(tmp_path_factory.mktemp("minimal") / "project")
    assert main(["--project", str(root)]) == 0
    return root


@pytest.fixture(scope="session")
def bilingual_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tests/i18n_project.py's bilingual project (en + es), built once per session into its dist/.
    Read it, never change it (copy it first)."""
    root = write_project(tmp_path_factory.mktemp("bilingual") / "project", bilingual())
    assert main(["--project", str(root)]) == 0
    return root


@pytest.fixture(scope="session")
def default_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The full default matrix, built once per test session from the shipped content.

    BOOKLETS_TEST_BUILD=<folder> builds into that folder instead, incrementally (only what changed
    since the last run is rendered again): for running default-build tests one at a time while
    working. The build still runs, so the PDFs are always those of the code under test."""
    kept = os.environ.get("BOOKLETS_TEST_BUILD")
    out = Path(kept) if kept else tmp_path_factory.mktemp("dist")
    assert main(["--project", str(REPO), "--out", str(out)]) == 0
    return out
