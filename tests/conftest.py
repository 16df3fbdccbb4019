"""Shared fixtures: scratch projects in tmp_path, and the full default build once per session."""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from booklets.cli.main import main

REPO = Path(__file__).resolve().parent.parent

MINIMAL = {
    "content/booklet.yaml": """\
        organisation: Test Unit
        document_number: "T-1"
        revision: "2.0"
        effective_date: 2026-01-15
        languages: [en]
        audiences: [staff]
        editions: [screen]
        facilities: [north]
        """,
    "content/editions/screen.yaml": """\
        name: Screen
        size: {iso: A5, us: 5.5in 8.5in}
        stylesheets: [editions/screen.css]
        pdf_variant: pdf/ua-1
        """,
    "content/facilities/north.yaml": """\
        name: North Site
        address: ["1 North Road"]
        calls_monitored: "Support calls are not recorded."
        contacts:
          internal_line: {name: "Inside line", phone: "0100 000 001"}
          outside_body: {name: "Outside body", phone: "0100 000 002"}
        """,
    "content/en/sources.yaml": """\
        fact-one: {text: "Source One, 2020."}
        """,
    "content/en/shared.yaml": """\
        zero-tolerance:
          title: Zero tolerance
          body: |
            Never acceptable. A fact[^fact-one].
          variants:
            staff: {title: "Zero tolerance for staff"}
        """,
    "content/en/audiences/staff.yaml": """\
        name: Staff
        title: Boundaries
        summary: A test booklet.
        keywords: [test]
        reading_grade: 10
        sections:
          - include: zero-tolerance
          - id: how-to-report
            title: How to report
            body: |
              Tell someone.

              1. First
              2. Second
            callout: {title: "If you need help now", body: "Call the line."}
            contacts: [internal_line, outside_body]
        form:
          title: Acknowledgement
          intro: Sign below.
          statements: ["I have read this booklet."]
        """,
}


@pytest.fixture
def make_project(tmp_path: Path) -> Callable[..., Path]:
    """Write a small project (the real templates and strings, minimal content) with overrides.

    `make_project({"content/en/audiences/staff.yaml": "..."})` replaces or adds files; a value of
    None deletes that file.
    """

    def make(files: dict[str, str | None] | None = None) -> Path:
        root = tmp_path / "project"
        if root.exists():
            shutil.rmtree(root)
        shutil.copytree(REPO / "templates", root / "templates")
        (root / "content/en").mkdir(parents=True)
        shutil.copy(REPO / "content/en/strings.yaml", root / "content/en/strings.yaml")
        merged: dict[str, str | None] = {**MINIMAL, **(files or {})}
        for rel, text in merged.items():
            path = root / rel
            if text is None:
                path.unlink(missing_ok=True)
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text), encoding="utf-8")
        return root

    return make


@pytest.fixture(scope="session")
def default_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The full default matrix, built once per test session from the shipped content."""
    out = tmp_path_factory.mktemp("dist")
    assert main(["--project", str(REPO), "--out", str(out)]) == 0
    return out
