"""A scratch project builds into a PDF with the expected metadata and text."""

from pathlib import Path

import pypdf


def test_scratch_project_builds(minimal_build: Path) -> None:
    """The session's minimal build (conftest: built with `main`, which must return 0)."""
    pdf = pypdf.PdfReader(minimal_build / "dist/north/en/staff-screen.pdf")
    assert pdf.metadata is not None and pdf.metadata.title.startswith("Boundaries")
    text = "\n".join(page.extract_text() for page in pdf.pages)
    assert "Zero tolerance for staff" in text
