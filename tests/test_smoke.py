"""A scratch project builds into a PDF with the expected metadata and text."""

from pathlib import Path

import pypdf

from booklets.cli.main import main


def test_scratch_project_builds(make_project, tmp_path: Path) -> None:
    root = make_project()
    assert main(["--project", str(root)]) == 0
    pdf = pypdf.PdfReader(root / "dist/north/en/staff-screen.pdf")
    assert pdf.metadata is not None and pdf.metadata.title.startswith("Boundaries")
    text = "\n".join(page.extract_text() for page in pdf.pages)
    assert "Zero tolerance for staff" in text
