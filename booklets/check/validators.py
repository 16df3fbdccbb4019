"""PDF/UA-1 validators from PyPI, run on a tagged booklet: page-validation and outloud.

Two independent checkers, so one's blind spot is the other's finding:

* **page-validation** (`import page`, a Rust validator that passes the veraPDF corpus): the
  machine-checkable PDF/UA-1 rules (ISO 14289-1), profile `ua1`. Every failed rule is an error.
* **outloud**: the same conformance rules calibrated against veraPDF, plus semantic rules no
  validator makes (prose marked as an artifact, a link without text, a running head left in the
  reading order). Its errors are errors, its warnings warnings; its notes (info) are left out.

Both are optional: `check --pdf` works without them and says how to install them
(`pip install page-validation outloud`, or the `test` extra). Versions this project is checked
against: page-validation 0.11, outloud 0.2.1.

One outloud rule is wrong for these booklets and is not reported: TAG-002 ("prose marked as an
artifact") on a running head. ISO 14289-1 §7.8 requires running headers and footers to be
/Pagination artifacts with a /Header or /Footer subtype (ISO 32000-1 Table 330), and that is what a
booklet's running head (its section title) is; outloud only recognises a running head that recurs on
three or more pages, so a long title of a two-page section reads to it as artifacted prose. The
heading itself is in the structure tree on the section's first page. A TAG-002 finding is dropped
only when every line it quotes is a /Pagination artifact on that page that repeats a heading of the
structure tree, so real prose hidden as an artifact is still reported.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from booklets.check.runningheads import running_heads

VALIDATORS = ("page-validation", "outloud")
INSTALL = "pip install page-validation outloud"
_MODULES = {"page-validation": "page", "outloud": "outloud"}


@dataclass(frozen=True)
class ValidatorFinding:
    """One failed rule of one validator on one PDF."""

    validator: str
    rule: str
    severity: Literal["error", "warning"]
    page: int | None  # 1-based, None for the whole document
    message: str
    count: int = 1

    def __str__(self) -> str:
        where = f"page {self.page}: " if self.page else ""
        times = f" ({self.count}×)" if self.count > 1 else ""
        return f"{self.validator} {self.rule}: {where}{self.message}{times}"


def missing() -> list[str]:
    """The validators that are not installed (their PyPI names)."""
    return [name for name in VALIDATORS if importlib.util.find_spec(_MODULES[name]) is None]


def validate(path: Path) -> list[ValidatorFinding]:
    """Every error and warning the installed validators report on the PDF at `path`."""
    absent = missing()
    found: list[ValidatorFinding] = []
    if "page-validation" not in absent:
        found += _page_validation(path)
    if "outloud" not in absent:
        found += _outloud(path)
    return found


def _page_validation(path: Path) -> list[ValidatorFinding]:
    import page

    try:
        report = page.validate_pdf(path, profile="ua1")
    except page.PageError as exc:
        return [ValidatorFinding("page-validation", "unreadable", "error", None, str(exc))]
    # One entry per failed rule; the message names the first failing object.
    return [ValidatorFinding("page-validation", f.rule_id, "error", None, f.message)
            for f in report.failures]


def _outloud(path: Path) -> list[ValidatorFinding]:
    import outloud

    result = outloud.check(str(path))
    if result.error:
        return [ValidatorFinding("outloud", "unreadable", "error", None, result.error)]
    running: dict[int, list[str]] | None = None
    out = []
    for f in result.sorted_findings():
        if f.severity not in ("error", "warning"):
            continue
        if f.rule == "TAG-002":
            if running is None:
                running = running_heads(path.read_bytes())
            if _is_running_head(f, running):
                continue
        message = f.message + (f" ({f.evidence})" if f.evidence else "")
        out.append(ValidatorFinding("outloud", f.rule, f.severity, f.page, message, f.count))
    return out


def _is_running_head(finding: Any, running: dict[int, list[str]]) -> bool:
    """Every line a TAG-002 finding quotes is a running head or foot on its page (see above)."""
    if finding.page is None or not finding.evidence:
        return False
    heads = [" ".join(text.split()) for text in running.get(finding.page - 1, [])]
    # outloud quotes up to two lines, each cut at 90 characters ("…"), joined by "; ".
    quoted = [" ".join(q.rstrip("…").split()) for q in str(finding.evidence).split("; ")]
    if finding.count > len(quoted):
        return False  # lines it does not quote cannot be vouched for
    return all(any(q and head.startswith(q) for head in heads) for q in quoted)
