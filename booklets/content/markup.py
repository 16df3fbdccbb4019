"""Inline markup: the small Markdown subset content may use, rendered to safe HTML.

Paragraphs, bold, links, bullet and numbered lists; `[^source-id]` citations become numbered
endnote references. Raw HTML is escaped (markdown-it's `html` option off), italics render bold
(clear-print guidance: emphasis is bold, never italic), and only web, mail, phone and in-document
links are kept, so content can never point WeasyPrint at a local file.

Typesetting done here because WeasyPrint 70 cannot do it in CSS: a note marker follows its word
with no space; a paragraph that is only bold text is a run-in heading (`class="lead-in"`, kept
with what follows); and the last two words of a paragraph or list item are joined by a no-break
space when they are short, so no paragraph ends with one word alone on its last line.
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


NBSP = "\u00a0"
# A last line of one word looks like a mistake; joining the last two words moves the second-last
# down with it. Only for short words, so a long pair cannot leave a gap at the line's end.
_RUNT = re.compile(r"(\S{1,14}) (\S{1,14})$")


def _typeset(state: Any) -> None:
    """Core rule after inline parsing: lead-in paragraphs, note markers, last-line runts."""
    tokens = state.tokens
    for i, token in enumerate(tokens):
        if token.type != "inline" or not token.children:
            continue
        children = token.children
        opener = tokens[i - 1] if i else None
        if opener is not None and opener.type == "paragraph_open" and not opener.hidden and _only_bold(children):
            opener.attrSet("class", "lead-in")
        for j, child in enumerate(children):
            if child.type == "citation" and j and children[j - 1].type == "text":
                children[j - 1].content = children[j - 1].content.rstrip()
        _bind_last_words(children)


def _only_bold(children: list[Token]) -> bool:
    """A paragraph of bold text alone, such as `**Ways to report**`."""
    kinds = [c.type for c in children if not (c.type == "text" and not c.content.strip())]
    return (len(kinds) >= 3 and kinds[0] in ("strong_open", "em_open") and kinds[-1] in ("strong_close", "em_close")
            and all(k in ("text", "softbreak", "strong_open", "strong_close", "em_open", "em_close") for k in kinds)
            and kinds.count("strong_open") + kinds.count("em_open") == 1)


def _bind_last_words(children: list[Token]) -> None:
    """Join the last two words with a no-break space, when both are in one plain text run at the
    end (outside links: a URL is one long word anyway)."""
    depth = 0
    last = None
    for child in children:
        if child.type == "link_open":
            depth += 1
        elif child.type == "link_close":
            depth -= 1
        elif child.type == "text" and depth == 0 and child.content.strip():
            last = child
        elif child.type in ("softbreak", "hardbreak", "text", "link_open", "link_close"):
            continue
    if last is None:
        return
    tail = children[children.index(last) + 1:]
    # Only markers and closing tags may follow (a trailing citation or closing bold is fine).
    if any(c.type not in ("citation", "strong_close", "em_close", "strong_open", "em_open")
           and not (c.type == "text" and not c.content.strip()) for c in tail):
        return
    text = last.content.rstrip()
    if text.count(" ") >= 2:  # a one- or two-word paragraph has nothing to gain
        last.content = _RUNT.sub(lambda m: m.group(1) + NBSP + m.group(2), text) + last.content[len(text):]


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
    md.core.ruler.push("typeset", _typeset)
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
