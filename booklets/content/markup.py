"""Inline markup: the small Markdown subset content may use, rendered to safe HTML.

Paragraphs, bold, links, bullet and numbered lists; `[^source-id]` citations become numbered
endnote references. Raw HTML is escaped (markdown-it's `html` option off), italics render bold
(clear-print guidance: emphasis is bold, never italic), and only web, mail, phone and in-document
links are kept, so content can never point WeasyPrint at a local file.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

CITE_RE = re.compile(r"\[\^([a-z0-9][a-z0-9-]{0,39})\]")
_SAFE_LINK = re.compile(r"^(https?:|mailto:|tel:|#)", re.IGNORECASE)


def _citation_rule(state: StateInline, silent: bool) -> bool:
    match = CITE_RE.match(state.src, state.pos)
    if not match:
        return False
    if not silent:
        token = state.push("citation", "", 0)
        token.meta = {"id": match.group(1)}
    state.pos = match.end()
    return True


def _render_citation(
    renderer: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    source_id = tokens[idx].meta["id"]
    order: list[str] = env.setdefault("citations", [])
    if source_id not in order:
        order.append(source_id)
    number = order.index(source_id) + 1
    return f'<sup class="cite"><a href="#source-{source_id}">{number}</a></sup>'


def _bold(tag: str) -> Any:
    def render(
        renderer: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        return tag

    return render


def make_markdown() -> MarkdownIt:
    """The one markdown parser content is rendered with."""
    md = MarkdownIt("commonmark", {"html": False, "typographer": True})
    md.disable(
        ["heading", "lheading", "code", "fence", "blockquote", "hr", "html_block", "html_inline",
         "image", "reference", "backticks", "autolink"]
    )
    md.enable(["replacements", "smartquotes"])
    md.inline.ruler.before("link", "citation", _citation_rule)
    md.add_render_rule("citation", _render_citation)
    md.add_render_rule("em_open", _bold("<strong>"))
    md.add_render_rule("em_close", _bold("</strong>"))
    md.validateLink = lambda url: bool(_SAFE_LINK.match(url.strip()))  # type: ignore[method-assign]
    return md


def citations_in(text: str) -> list[str]:
    """Source ids cited in a text, in order (for validation without rendering)."""
    return CITE_RE.findall(text)


def plain_text(text: str) -> str:
    """The words of a markdown text without markup or citations (for reading-level checks)."""
    text = CITE_RE.sub("", text)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"^\s*(?:[-*+]|\d+[.)])\s+", "", text, flags=re.MULTILINE)
    return text.replace("**", "").replace("__", "")
