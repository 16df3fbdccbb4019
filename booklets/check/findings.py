"""What `check` found, and how it is shown: a table on the terminal or JSON for CI.

A finding is located like a Problem (file, line, column, key) and carries a severity: `error`
fails the check (exit 1), `warning` fails it only under --strict, `notice` is always reported and
never fails it (placeholders outside --release, which makes them errors where they are found).
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

from rich.console import Console
from rich.table import Table
from rich.text import Text

from booklets.errors import Problem

Severity = Literal["error", "warning", "notice"]
_ORDER = {"error": 0, "warning": 1, "notice": 2}
_STYLE = {"error": "bold red", "warning": "yellow", "notice": "cyan"}


@dataclass(frozen=True)
class Finding:
    """One thing a coordinator must know before a booklet goes to readers: a Problem (located as
    every problem is, by file, line, column and key), how much it matters, and which check found it."""

    severity: Severity
    check: str
    problem: Problem

    @classmethod
    def of(cls, severity: Severity, check: str, file: str, line: int = 0, column: int = 0, key: str = "",
           message: str = "") -> Finding:
        return cls(severity, check, Problem(file, line, column, key, message))

    file = property(lambda self: self.problem.file)
    line = property(lambda self: self.problem.line)
    column = property(lambda self: self.problem.column)
    key = property(lambda self: self.problem.key)
    message = property(lambda self: self.problem.message)

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}:{self.column or 1}" if self.line else self.file

    def as_dict(self) -> dict[str, Any]:
        return {"severity": self.severity, "check": self.check, **asdict(self.problem), "where": self.where}

    def __str__(self) -> str:
        key = f" {self.key}:" if self.key else ""
        return f"{self.where}:{key} {self.severity}: {self.message} [{self.check}]"


@dataclass(frozen=True)
class SectionGrade:
    """The measured grade of one section of one booklet."""

    section: str
    grade: float
    words: int
    sentences: int


@dataclass(frozen=True)
class AudienceGrade:
    """One booklet's measured reading level against its audience's target."""

    language: str
    audience: str
    formula: str
    target: float
    grade: float
    sections: tuple[SectionGrade, ...]
    facility: str = ""
    """The facility the booklet is measured for (its jurisdiction's wording and its contacts)."""

    @property
    def worst(self) -> SectionGrade | None:
        return max(self.sections, key=lambda s: s.grade, default=None)

    @property
    def ok(self) -> bool:
        return all(s.grade <= self.target for s in self.sections)


@dataclass(frozen=True)
class PdfResult:
    """One PDF the preflight opened: which edition it is, its pages, and how many errors it has."""

    path: str
    edition: str
    pages: int
    errors: int = 0
    warnings: int = 0


@dataclass
class CheckReport:
    """Everything one `check` run found."""

    findings: list[Finding] = field(default_factory=list)
    grades: list[AudienceGrade] = field(default_factory=list)
    pdfs: list[PdfResult] = field(default_factory=list)
    strict: bool = False

    def finish(self, strict: bool) -> CheckReport:
        """Apply --strict (warnings become errors), drop repeats, sort by severity then place."""
        self.strict = strict
        out: dict[tuple[Any, ...], Finding] = {}
        for f in self.findings:
            if strict and f.severity == "warning":
                f = replace(f, severity="error")
            out.setdefault((f.file, f.line, f.column, f.key, f.check, f.message), f)
        self.findings = sorted(
            out.values(), key=lambda f: (_ORDER[f.severity], f.file, f.line, f.column, f.key))

        def count(path: str, severity: Severity) -> int:
            return sum(f.file == path and f.severity == severity for f in self.findings)

        self.pdfs = [replace(p, errors=count(p.path, "error"), warnings=count(p.path, "warning"))
                     for p in self.pdfs]
        return self

    def count(self, severity: Severity) -> int:
        return sum(f.severity == severity for f in self.findings)

    @property
    def ok(self) -> bool:
        return self.count("error") == 0

    def as_json(self) -> str:
        data = {
            "ok": self.ok,
            "strict": self.strict,
            "errors": self.count("error"),
            "warnings": self.count("warning"),
            "notices": self.count("notice"),
            "grades": [
                {**{k: v for k, v in asdict(g).items() if k != "sections"},
                 "ok": g.ok,
                 "worst_section": asdict(g.worst) if g.worst else None,
                 "sections": [asdict(s) for s in g.sections]}
                for g in self.grades
            ],
            "pdfs": [asdict(p) for p in self.pdfs],
            "findings": [f.as_dict() for f in self.findings],
        }
        return json.dumps(data, indent=2, ensure_ascii=False)


def _table(title: str, columns: tuple[tuple[str, str], ...], whole: tuple[str, ...] = ()) -> Table:
    """A table whose `whole` columns (paths, file:line:col, keys) are never wrapped."""
    table = Table(title=title, title_justify="left", box=None, pad_edge=False, header_style="bold")
    for name, justify in columns:
        table.add_column(name, justify=justify, overflow="fold",  # type: ignore[arg-type]
                         no_wrap=name in whole)
    return table


# A message column narrower than this reads badly: below it, findings are listed, not tabled.
_MESSAGE_MIN = 40


def _count(n: int, what: str) -> str:
    """'1 error', '2 errors'."""
    return f"{n} {what}{'' if n == 1 else 's'}"


def _widest(values: list[str]) -> int:
    return max((len(v) for v in values), default=0)


def _findings_fit(width: int, findings: list[Finding]) -> bool:
    """Whether the findings table fits `width` with its location columns whole."""
    fixed = (len("severity"), _widest([f.check for f in findings] + ["check"]),
             _widest([f.where for f in findings]), _widest([f.key for f in findings] + ["key"]))
    return sum(fixed) + 2 * len(fixed) + _MESSAGE_MIN <= width


def _print_findings(console: Console, findings: list[Finding]) -> None:
    """Findings as a table on a wide terminal; on a narrow one a list that keeps each location on
    one line (`file:line:col` stays whole, so a terminal or editor can open it) and wraps only the
    message below it."""
    if _findings_fit(console.width, findings):
        table = _table("Findings", tuple((c, "left") for c in ("severity", "check", "where", "key", "message")),
                       whole=("severity", "check", "where", "key"))
        for f in findings:
            table.add_row(Text(f.severity, _STYLE[f.severity]), f.check, f.where, f.key, f.message)
        console.print(table, "")
        return
    from rich.padding import Padding

    console.print(Text("Findings", "italic"))
    for f in findings:
        console.print(Text.assemble(f.where, "  ", (f.severity, _STYLE[f.severity]), "  ", f.check),
                      soft_wrap=True)
        console.print(Padding(Text(f"{f.key}: {f.message}" if f.key else f.message), (0, 0, 0, 4)))
    console.print("")


def _print_pdfs(console: Console, pdfs: list[PdfResult]) -> None:
    rows = []
    for p in pdfs:
        result = (Text(_count(p.errors, "error"), "bold red") if p.errors
                  else Text(_count(p.warnings, "warning"), "yellow") if p.warnings
                  else Text("ok", "green"))
        rows.append((p.path, p.edition, str(p.pages), result))
    if _widest([p.path for p in pdfs]) + _widest([p.edition for p in pdfs]) + 5 + 12 + 6 <= console.width:
        table = _table("PDF preflight", (("pdf", "left"), ("edition", "left"), ("pages", "right"),
                                         ("result", "left")), whole=("pdf", "edition"))
        for row in rows:
            table.add_row(*row)
        console.print(table, "")
        return
    console.print(Text("PDF preflight", "italic"))
    for path, edition, pages, result in rows:
        console.print(Text.assemble(path, "  ", edition, "  ", f"{pages} pages  ", result), soft_wrap=True)
    console.print("")


def _print_grades(console: Console, grades: list[AudienceGrade]) -> None:
    """Reading level per booklet: a table, or on a narrow terminal one line per booklet."""
    rows = []
    for g in grades:
        worst = f"{g.worst.section} {g.worst.grade:g}" if g.worst else "-"
        result = Text("ok", "green") if g.ok else Text("above target", "bold red")
        rows.append((g.language, g.audience, g.facility, g.formula, f"≤ {g.target:g}", f"{g.grade:g}", worst,
                     result))
    columns = ("language", "audience", "facility", "formula", "target", "overall", "worst section", "result")
    natural = sum(max(len(c), _widest([str(r[i]) for r in rows])) + 2 for i, c in enumerate(columns))
    if natural <= console.width:
        table = _table("Reading level", tuple((c, "right" if c in ("target", "overall") else "left")
                                              for c in columns))
        for row in rows:
            table.add_row(*row)
        console.print(table, "")
        return
    console.print(Text("Reading level", "italic"))
    for lang, audience, facility, formula, target, grade, worst, result in rows:
        where = f" at {facility}" if facility else ""
        console.print(Text.assemble(f"{lang} {audience}{where}: {grade} (target {target}, {formula}), hardest "
                                    f"section {worst}: ", result))
    console.print("")


def print_check_report(report: CheckReport, console: Console | None = None) -> None:
    """The terminal view: reading level per booklet, PDFs checked, then every finding."""
    # Not a terminal (CI, a log file): never wrap paths and messages at 80 columns.
    console = console or Console(highlight=False, width=None if sys.stdout.isatty() else 200)
    if report.grades:
        _print_grades(console, report.grades)
    if report.pdfs:
        _print_pdfs(console, report.pdfs)
    if report.findings:
        _print_findings(console, report.findings)
    summary = ", ".join(_count(report.count(s), s) for s in ("error", "warning", "notice"))
    if report.strict:
        summary += " (--strict: warnings count as errors)"
    console.print(Text(summary, "green" if report.ok else "bold red"))
