"""Which running heads of a finished tagged PDF repeat a heading of its structure tree.

The validator filter in validators.py drops an outloud TAG-002 finding ("prose marked as an
artifact") only when every line it quotes is such a running head. This reads the PDF back as a
reader does (pikepdf), with the same content reader the tagging stage uses (render/pagecontent.py).
"""

from __future__ import annotations

import io
import re
from typing import Any

import pikepdf

from booklets.render.pagecontent import PageContent, pikepdf_fonts, pikepdf_items, read_items

_WORDS = re.compile(r"\s+")


def running_heads(data: bytes) -> dict[int, list[str]]:
    """Page index -> the text of each /Pagination artifact on it that repeats a heading of the
    document's structure tree (a running head: the section title, said once as its heading)."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        root = pdf.Root.get("/StructTreeRoot")
        if not isinstance(root, pikepdf.Dictionary):
            return {}
        page_index = {page.obj.objgen: i for i, page in enumerate(pdf.pages)}
        content = [read_items(pikepdf_items(page), pikepdf_fonts(page)) for page in pdf.pages]
        headings = [_squash(text) for text in _heading_texts(root, page_index, content)]
        out: dict[int, list[str]] = {}
        for index, page in enumerate(content):
            texts = [a.text for a in page.artifacts if a.kind.startswith("Pagination")
                     and _squash(a.text) and any(h.endswith(_squash(a.text)) for h in headings)]
            if texts:
                out[index] = texts
        return out


def _heading_texts(root: Any, page_index: dict[Any, int], content: list[PageContent]) -> list[str]:
    """The text of every H, H1…H6 element, from its marked content in tree order."""
    out = []
    stack: list[tuple[Any, int | None]] = [(kid, None) for kid in reversed(_kids(root.get("/K")))]
    while stack:
        elem, page = stack.pop()
        if not isinstance(elem, pikepdf.Dictionary):
            continue
        page = _page(elem, page, page_index)
        if re.fullmatch(r"/H[1-6]?", str(elem.get("/S", ""))):
            out.append(" ".join(content[p].marked[m].text for p, m in _mcids(elem, page, page_index)
                                if m in content[p].marked))
        stack.extend((kid, page) for kid in reversed(_kids(elem.get("/K"))))
    return out


def _mcids(elem: Any, page: int | None, page_index: dict[Any, int]) -> list[tuple[int, int]]:
    """(page, marked-content id) of everything an element holds, in order."""
    out = []
    for kid in _kids(elem.get("/K")):
        if isinstance(kid, int) and page is not None:
            out.append((page, int(kid)))
        elif isinstance(kid, pikepdf.Dictionary):
            where = _page(kid, page, page_index)
            if "/MCID" in kid and where is not None:
                out.append((where, int(kid.MCID)))
            elif "/S" in kid:
                out.extend(_mcids(kid, where, page_index))
    return out


def _page(obj: Any, inherited: int | None, page_index: dict[Any, int]) -> int | None:
    pg = obj.get("/Pg")
    return page_index.get(pg.objgen) if isinstance(pg, pikepdf.Dictionary) else inherited


def _kids(k: Any) -> list[Any]:
    if k is None:
        return []
    return list(k) if isinstance(k, pikepdf.Array) else [k]


def _squash(text: str) -> str:
    return _WORDS.sub(" ", text).strip()
