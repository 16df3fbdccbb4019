"""Reading and rewriting one page's content: marked content, its text and where it sits.

The tagging stage (tagging.py) needs, for each page, which marked-content ids hold which text at
which height, and which runs are artifacts; and it must renumber ids and turn orphaned marked content
into artifacts. It does so on the page as WeasyPrint's writer (pydyf) holds it before the PDF is
serialised: a list with one item per operator (bytes such as ``b"1 0 0 -1 83 126.5 Tm"``), except
that a marked-content opening is three items, its tag (``"/Span"``), its property list (a
``pydyf.Dictionary``) and ``b"BDC"``. Nothing is parsed but the few operators that place text, and
renumbering replaces a property list in place: no content stream is decoded or encoded again.

The same reader serves the checker (check/validators.py), which reads a finished PDF back with
pikepdf: :func:`pikepdf_items` turns a pikepdf page into items of the same form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pydyf  # WeasyPrint's PDF writer: the objects a page is made of until it is written

# A string in a Tj/TJ operand: hex (<002b>, what WeasyPrint writes) or literal ((abc)).
_SHOWN = re.compile(rb"<([0-9A-Fa-f\s]*)>|\(((?:\\.|[^\\)])*)\)", re.S)


class Font:
    """Enough of a font to turn shown strings into text, its /ToUnicode map read on first use."""

    def __init__(self, cmap: bytes, two_byte: bool) -> None:
        self.width = 2 if two_byte else 1
        self._cmap = cmap
        self._map: dict[int, str] | None = None

    def decode(self, data: bytes) -> str:
        if self._map is None:
            self._map = _parse_cmap(self._cmap.decode("latin-1"))
        w, table = self.width, self._map
        return "".join(table.get(int.from_bytes(data[i : i + w], "big"), "") for i in range(0, len(data) - w + 1, w))


def _parse_cmap(text: str) -> dict[int, str]:
    def uni(hexstr: str) -> str:
        return bytes.fromhex(hexstr).decode("utf-16-be", errors="replace")

    table: dict[int, str] = {}
    for block in re.findall(r"beginbfchar(.*?)endbfchar", text, re.S):
        for src, dst in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]*)>", block):
            table[int(src, 16)] = uni(dst)
    for block in re.findall(r"beginbfrange(.*?)endbfrange", text, re.S):
        for lo, hi, dst in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*(<[0-9a-fA-F]*>|\[[^\]]*\])", block):
            start, end = int(lo, 16), int(hi, 16)
            if dst.startswith("["):
                for code, item in zip(range(start, end + 1), re.findall(r"<([0-9a-fA-F]*)>", dst), strict=False):
                    table[code] = uni(item)
            else:
                base = bytes.fromhex(dst[1:-1])
                for offset in range(end - start + 1):
                    last = (int.from_bytes(base[-2:], "big") + offset).to_bytes(2, "big")
                    table[start + offset] = (base[:-2] + last).decode("utf-16-be", errors="replace")
    return table


def _strings(operand: bytes) -> list[bytes]:
    """The strings of a Tj/TJ operand (kerning numbers left out): hex or literal."""
    out = []
    for hexa, literal in _SHOWN.findall(operand):
        if literal or not hexa:
            out.append(re.sub(rb"\\(.)", rb"\1", literal, flags=re.S))
        else:
            out.append(bytes.fromhex(hexa.decode("ascii")))
    return out


@dataclass
class Marked:
    """What one page's content says about one marked-content id, or one artifact."""

    y: float | None = None  # baseline of its first text, in default user space
    kind: str = ""  # artifacts: their /Type and /Subtype ("Pagination/Header"); "" if not given
    # The operands that show its strings, in their fonts: decoded only when its text is asked for
    # (a link's description, a running head), a few of the thousands of sequences in a booklet.
    shown: list[tuple[Font, bytes]] = field(default_factory=list, repr=False)
    # Where its BDC operators are in the page's items: rewrite changes those items alone.
    at: list[int] = field(default_factory=list, repr=False)

    @property
    def text(self) -> str:
        return "".join(font.decode(s) for font, operand in self.shown for s in _strings(operand))


@dataclass
class PageContent:
    """The tagged and the artifact text of one page, in content order."""

    marked: dict[int, Marked] = field(default_factory=dict)  # by marked-content id
    artifacts: list[Marked] = field(default_factory=list)


Matrix = tuple[float, float, float, float, float, float]
IDENTITY: Matrix = (1, 0, 0, 1, 0, 0)


def _mul(m: Matrix, n: Matrix) -> Matrix:
    """m × n, PDF's row-vector convention (apply m, then n)."""
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (a * a2 + b * c2, a * b2 + b * d2, c * a2 + d * c2, c * b2 + d * d2,
            e * a2 + f * c2 + e2, e * b2 + f * d2 + f2)


def _numbers(operands: bytes) -> Matrix:
    return tuple(float(v) for v in operands.split())  # type: ignore[return-value]


# The operators read: graphics state, marked content, text position and text.
_READ = frozenset(b"q Q cm BDC BMC EMC BT Tm Td TD TL T* Tf Tj TJ ' \" Do".split())


def read_items(items: list[Any], fonts: dict[str, Font]) -> PageContent:
    """Text and position of each marked-content id and artifact of a page's items; `fonts` by
    resource name ("/F1")."""
    content = PageContent()
    ctm: Matrix = IDENTITY
    stack: list[Matrix] = []
    marks: list[Marked | None] = []  # open marked-content sequences; None: neither tagged nor artifact
    tm: Matrix = IDENTITY
    tlm: Matrix = IDENTITY
    font: Font | None = None
    leading = 0.0
    for index, item in enumerate(items):
        if type(item) is not bytes:  # a tag or property list: read at its BDC/BMC
            continue
        space = item.rfind(b" ")
        op = item[space + 1 :]
        if op not in _READ:
            continue
        operands = item[:space] if space > 0 else b""
        if op == b"q":
            stack.append(ctm)
        elif op == b"Q":
            ctm = stack.pop() if stack else IDENTITY
        elif op == b"cm":
            ctm = _mul(_numbers(operands), ctm)
        elif op == b"BDC":
            marks.append(_open_mark(items[index - 2], items[index - 1], content, index))
        elif op == b"BMC":
            marks.append(_open_mark(items[index - 1], None, content, index))
        elif op == b"EMC":
            if marks:
                marks.pop()
        elif op == b"BT":
            tm = tlm = IDENTITY
        elif op == b"Tm":
            tm = tlm = _numbers(operands)
        elif op in (b"Td", b"TD"):
            tx, ty = (float(v) for v in operands.split())
            if op == b"TD":
                leading = -ty
            tm = tlm = _mul((1, 0, 0, 1, tx, ty), tlm)
        elif op == b"TL":
            leading = float(operands)
        elif op == b"T*":
            tm = tlm = _mul((1, 0, 0, 1, 0, -leading), tlm)
        elif op == b"Tf":
            font = fonts.get(operands.split()[0].decode("latin-1"))
        elif op in (b"Tj", b"TJ", b"'", b'"'):
            if op in (b"'", b'"'):
                tm = tlm = _mul((1, 0, 0, 1, 0, -leading), tlm)
            mark = next((m for m in reversed(marks) if m is not None), None)
            if mark is None:
                continue
            if mark.y is None:
                mark.y = _mul(tm, ctm)[5]
            if font is not None:
                mark.shown.append((font, operands))
        elif op == b"Do" and marks and marks[-1] is not None and marks[-1].y is None:
            marks[-1].y = ctm[5]
    return content


def _open_mark(tag: Any, props: Any, content: PageContent, index: int) -> Marked | None:
    """The record a BDC/BMC opens (item `index`): a marked-content id's, an artifact's, or None."""
    if isinstance(props, dict) and "MCID" in props:
        mark = content.marked.setdefault(int(props["MCID"]), Marked())
        mark.at.append(index)
        return mark
    if tag == "/Artifact":
        kind = "/".join(str(props[k])[1:] for k in ("Type", "Subtype") if isinstance(props, dict) and k in props)
        content.artifacts.append(Marked(kind=kind))
        return content.artifacts[-1]
    return None


def rewrite(items: list[Any], renumber: dict[int, int], marked: dict[int, Marked], middle: float) -> None:
    """Renumber the held marked content of a page's items (as read_items read them into `marked`);
    the rest becomes running-head (above `middle`) or running-foot artifacts."""
    for mcid, mark in marked.items():
        new = renumber.get(mcid)
        for index in mark.at:
            if new is not None:
                items[index - 1] = pydyf.Dictionary({"MCID": new})
                continue
            where = "/Header" if mark.y is not None and mark.y > middle else "/Footer"
            items[index - 2] = "/Artifact"
            items[index - 1] = pydyf.Dictionary({"Type": "/Pagination", "Subtype": where})


# --- a finished PDF, read back with pikepdf (the checker) ----------------------------------------

def pikepdf_items(page: Any) -> list[Any]:
    """A pikepdf page's content as read_items reads it (only the operators it follows)."""
    import pikepdf

    items: list[Any] = []
    for instruction in pikepdf.parse_content_stream(page, "q Q cm BDC BMC EMC BT Tm Td TD TL T* Tf Tj TJ ' \" Do"):
        op = str(instruction.operator)
        operands = list(instruction.operands)
        if op in ("BDC", "BMC"):
            items.append(str(operands[0]))
            if op == "BDC":
                props = operands[1]
                items.append({str(k)[1:]: (str(v) if isinstance(v, pikepdf.Name) else v) for k, v in props.items()}
                             if isinstance(props, pikepdf.Dictionary) else None)
            items.append(op.encode())
        elif op in ("Tj", "TJ", "'", '"'):
            shown = operands[-1]
            parts = shown if isinstance(shown, pikepdf.Array) else [shown]
            hexa = b"".join(b"<" + bytes(p).hex().encode() + b">" for p in parts if isinstance(p, pikepdf.String))
            items.append(b"[" + hexa + b"] " + op.encode())
        else:
            items.append(b" ".join([*(str(v).encode() for v in operands), op.encode()]))
    return items


def pikepdf_fonts(page: Any) -> dict[str, Font]:
    """A pikepdf page's fonts by resource name."""
    import pikepdf

    resources = page.obj.get("/Resources")
    fonts = resources.get("/Font") if isinstance(resources, pikepdf.Dictionary) else None
    if not isinstance(fonts, pikepdf.Dictionary):
        return {}
    out = {}
    for name, font in fonts.items():
        if isinstance(font, pikepdf.Dictionary):
            cmap = font.get("/ToUnicode")
            data = cmap.read_bytes() if isinstance(cmap, pikepdf.Stream) else b""
            out[str(name)] = Font(data, font.get("/Subtype") == "/Type0")
    return out
