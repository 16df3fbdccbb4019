"""Reading and rewriting one page's content stream: marked content, its text and where it sits.

The tagging stage (tagging.py) needs, for each page, which marked-content ids hold which text at
which height, and which runs are artifacts; and it must renumber ids and turn orphaned marked content
into artifacts. Both are content-stream work with pikepdf, kept here so tagging.py holds the
structure-tree logic alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pikepdf
from pikepdf import Array, Dictionary, Name


@dataclass
class Marked:
    """What one page's content stream says about one marked-content id, or one artifact."""

    y: float | None = None  # baseline of its first text, in default user space
    kind: str = ""  # artifacts: their /Type and /Subtype ("Pagination/Header"); "" if not given
    # The operands that show its strings (a string, or a TJ array of strings and kerning), in their
    # fonts: decoded only when its text is asked for (a link's description, a running head), a few
    # of the thousands of sequences in a booklet.
    shown: list[tuple[_Font, Any]] = field(default_factory=list, repr=False)
    # Where its BDC operators are in the instructions read_page read: rewrite_page changes those
    # instructions alone, without going through the whole stream again.
    at: list[int] = field(default_factory=list, repr=False)

    @property
    def text(self) -> str:
        return "".join(font.decode(bytes(item)) for font, operand in self.shown
                       for item in (operand if isinstance(operand, Array) else (operand,))
                       if isinstance(item, (bytes, pikepdf.String)))


@dataclass
class PageContent:
    """The tagged and the artifact text of one page, in content-stream order."""

    marked: dict[int, Marked] = field(default_factory=dict)  # by marked-content id
    artifacts: list[Marked] = field(default_factory=list)


# --- content streams ---------------------------------------------------------------------------

Matrix = tuple[float, float, float, float, float, float]
IDENTITY: Matrix = (1, 0, 0, 1, 0, 0)


def _mul(m: Matrix, n: Matrix) -> Matrix:
    """m × n, PDF's row-vector convention (apply m, then n)."""
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (a * a2 + b * c2, a * b2 + b * d2, c * a2 + d * c2, c * b2 + d * d2,
            e * a2 + f * c2 + e2, e * b2 + f * d2 + f2)


def _mcid_of(operands: list[Any]) -> int | None:
    if len(operands) == 2 and isinstance(operands[1], Dictionary) and "/MCID" in operands[1]:
        return int(operands[1].MCID)
    return None


# The operators read_page follows: graphics state, marked content, text position and text.
_READ_OPERATORS = "q Q cm BDC BMC EMC BT Tm Td TD TL T* Tf Tj TJ ' \" Do"
_READ = frozenset(_READ_OPERATORS.split())


def read_page(page: Any, instructions: list[Any] | None = None) -> PageContent:
    """Text and position of each marked-content id and artifact of a page, from its content stream
    (or from `instructions`, the stream already parsed)."""
    fonts = _page_fonts(page)
    content = PageContent()
    ctm: Matrix = IDENTITY
    stack: list[Matrix] = []
    marks: list[Marked | None] = []  # open marked-content sequences; None: neither tagged nor artifact
    tm: Matrix = IDENTITY
    tlm: Matrix = IDENTITY
    font: _Font | None = None
    leading = 0.0
    if instructions is None:
        instructions = pikepdf.parse_content_stream(page, _READ_OPERATORS)
    for index, instruction in enumerate(instructions):
        if isinstance(instruction, pikepdf.ContentStreamInlineImage):
            continue
        op = str(instruction.operator)
        if op not in _READ:
            continue
        operands = list(instruction.operands)
        if op == "q":
            stack.append(ctm)
        elif op == "Q":
            ctm = stack.pop() if stack else IDENTITY
        elif op == "cm":
            ctm = _mul(tuple(float(v) for v in operands), ctm)  # type: ignore[arg-type]
        elif op in ("BDC", "BMC"):
            marks.append(_open_mark(operands, content, index))
        elif op == "EMC":
            if marks:
                marks.pop()
        elif op == "BT":
            tm = tlm = IDENTITY
        elif op == "Tm":
            tm = tlm = tuple(float(v) for v in operands)  # type: ignore[assignment]
        elif op in ("Td", "TD"):
            tx, ty = float(operands[0]), float(operands[1])
            if op == "TD":
                leading = -ty
            tm = tlm = _mul((1, 0, 0, 1, tx, ty), tlm)
        elif op == "TL":
            leading = float(operands[0])
        elif op == "T*":
            tm = tlm = _mul((1, 0, 0, 1, 0, -leading), tlm)
        elif op == "Tf":
            font = fonts.get(str(operands[0]))
        elif op in ("Tj", "TJ", "'", '"'):
            if op in ("'", '"'):
                tm = tlm = _mul((1, 0, 0, 1, 0, -leading), tlm)
            mark = next((m for m in reversed(marks) if m is not None), None)
            if mark is None:
                continue
            if mark.y is None:
                mark.y = _mul(tm, ctm)[5]
            if font is not None:
                mark.shown.append((font, operands[0] if op == "TJ" else operands[-1]))  # TJ: strings and kerning
        elif op == "Do" and marks and marks[-1] is not None and marks[-1].y is None:
            marks[-1].y = ctm[5]
    return content


def _open_mark(operands: list[Any], content: PageContent, index: int) -> Marked | None:
    """The record a BDC/BMC opens (instruction `index`): a marked-content id's, an artifact's, or
    None (another tag)."""
    mcid = _mcid_of(operands)
    if mcid is not None:
        mark = content.marked.setdefault(mcid, Marked())
        mark.at.append(index)
        return mark
    if operands and operands[0] == Name.Artifact:
        props = operands[1] if len(operands) > 1 and isinstance(operands[1], Dictionary) else Dictionary()
        kind = "/".join(str(props[k])[1:] for k in ("/Type", "/Subtype") if k in props)
        content.artifacts.append(Marked(kind=kind))
        return content.artifacts[-1]
    return None


class _Font:
    """Enough of a font to turn shown strings into text: its /ToUnicode map and code width."""

    def __init__(self, font: Any) -> None:
        self.width = 2 if font.get("/Subtype") == "/Type0" else 1
        self.map: dict[int, str] = {}
        cmap = font.get("/ToUnicode")
        if isinstance(cmap, pikepdf.Stream):
            self._parse(cmap.read_bytes().decode("latin-1"))

    def _parse(self, text: str) -> None:
        def uni(hexstr: str) -> str:
            raw = bytes.fromhex(hexstr)
            return raw.decode("utf-16-be", errors="replace")

        for block in re.findall(r"beginbfchar(.*?)endbfchar", text, re.S):
            for src, dst in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]*)>", block):
                self.map[int(src, 16)] = uni(dst)
        for block in re.findall(r"beginbfrange(.*?)endbfrange", text, re.S):
            for lo, hi, dst in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*(<[0-9a-fA-F]*>|\[[^\]]*\])", block):
                start, end = int(lo, 16), int(hi, 16)
                if dst.startswith("["):
                    for code, item in zip(range(start, end + 1), re.findall(r"<([0-9a-fA-F]*)>", dst), strict=False):
                        self.map[code] = uni(item)
                else:
                    base = bytes.fromhex(dst[1:-1])
                    for offset in range(end - start + 1):
                        last = (int.from_bytes(base[-2:], "big") + offset).to_bytes(2, "big")
                        self.map[start + offset] = (base[:-2] + last).decode("utf-16-be", errors="replace")

    def decode(self, data: bytes) -> str:
        w = self.width
        return "".join(self.map.get(int.from_bytes(data[i : i + w], "big"), "") for i in range(0, len(data) - w + 1, w))


def _page_fonts(page: Any) -> dict[str, _Font]:
    resources = page.obj.get("/Resources")
    fonts = resources.get("/Font") if isinstance(resources, Dictionary) else None
    if not isinstance(fonts, Dictionary):
        return {}
    return {str(name): _Font(font) for name, font in fonts.items() if isinstance(font, Dictionary)}


def rewrite_page(pdf: pikepdf.Pdf, page: Any, renumber: dict[int, int], marked: dict[int, Marked],
                 instructions: list[Any]) -> None:
    """Renumber the held marked content of a page; the rest becomes running-head/foot artifacts.
    `instructions`: the page's whole content stream, as read_page read it into `marked`."""
    middle = _page_middle(page)
    out = list(instructions)
    for mcid, mark in marked.items():
        new = renumber.get(mcid)
        if new is None:
            where = "/Header" if mark.y is not None and mark.y > middle else "/Footer"
        for index in mark.at:
            operands, op = list(out[index].operands), out[index].operator
            if new is None:
                operands = [Name.Artifact, Dictionary(Type=Name.Pagination, Subtype=Name(where))]
            else:
                operands = [operands[0], Dictionary(MCID=new)]
            out[index] = pikepdf.ContentStreamInstruction(operands, op)
    page.obj.Contents = pdf.make_stream(pikepdf.unparse_content_stream(out))


def _page_middle(page: Any) -> float:
    box = page.obj.get("/MediaBox")
    return (float(box[1]) + float(box[3])) / 2 if isinstance(box, Array) else 0.0
