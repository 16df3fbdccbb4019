"""Inline markup: the small Markdown subset content may use, rendered to safe HTML.

Paragraphs, bold, links, bullet and numbered lists; `[^source-id]` citations become numbered
endnote references; `[Crown Court]{lang=en}` marks a phrase written in another language (a
`<span lang="en">`, so a screen reader reads it with the right voice). Raw HTML is escaped
(markdown-it's `html` option off), italics render bold (clear-print guidance: emphasis is bold,
never italic), and only web, mail, phone and in-document links are kept, so content can never
point WeasyPrint at a local file.
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
from markupsafe import Markup, escape
from pydantic_core import PydanticCustomError

CITE_RE = re.compile(r"\[\^([a-z0-9][a-z0-9-]{0,39})\]")
# `]{lang=xx}` right after a bracketed phrase: a sequence ordinary text never has.
LANG_ATTR_RE = re.compile(r"\{lang=([a-z]{2,3}(?:-[A-Za-z0-9]{1,8}){0,3})\}")
# What looks like a language mark, valid or not (for content checks).
_LANG_MARK_RE = re.compile(r"\]\{lang=([^}]*)\}")
# A whole mark in plain text: `[phrase]{lang=xx}`, the phrase without brackets.
_LANG_SPAN_RE = re.compile(r"(?<!\\)\[([^\[\]]+)\]" + LANG_ATTR_RE.pattern)
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


def lang_tag(value: Any) -> Any:
    """A pydantic validator: a language code as `{lang=...}` marks take it (schema.Phrase.lang)."""
    if isinstance(value, str) and not LANG_ATTR_RE.fullmatch(f"{{lang={value}}}"):
        raise PydanticCustomError("bad_lang_tag", "expected a language code such as en, es or pt-BR, found {found}",
                                  {"found": repr(str(value))})
    return value


def _lang_span_rule(state: StateInline, silent: bool) -> bool:
    """`[phrase]{lang=xx}`: the phrase (inline Markdown) in a span with that language."""
    if state.src[state.pos] != "[":
        return False
    label_end = state.md.helpers.parseLinkLabel(state, state.pos, True)
    if label_end < 0:
        return False
    attr = LANG_ATTR_RE.match(state.src, label_end + 1)
    if attr is None or attr.end() > state.posMax:
        return False
    if not silent:
        old_pos, old_max = state.pos, state.posMax
        state.pos, state.posMax = old_pos + 1, label_end
        state.push("lang_open", "span", 1).attrs = {"lang": attr.group(1)}
        state.md.inline.tokenize(state)
        state.push("lang_close", "span", -1)
        state.posMax = old_max
    state.pos = attr.end()
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
    md.inline.ruler.before("link", "lang_span", _lang_span_rule)
    md.add_render_rule("citation", _render_citation)
    md.add_render_rule("em_open", _bold("<strong>"))
    md.add_render_rule("em_close", _bold("</strong>"))
    md.validateLink = lambda url: bool(_SAFE_LINK.match(url.strip()))  # type: ignore[method-assign]
    return md


def citations_in(text: str) -> list[str]:
    """Source ids cited in a text, in order (for validation without rendering)."""
    return CITE_RE.findall(text)


def lang_spans(text: str) -> Markup:
    """Plain text (a source, which is not Markdown) escaped, with its `[phrase]{lang=xx}` marks
    made spans in that language, as Markdown text gets them."""
    out, at = Markup(""), 0
    for match in _LANG_SPAN_RE.finditer(text):
        out += escape(text[at:match.start()])
        out += Markup('<span lang="{}">{}</span>').format(match.group(2), match.group(1))
        at = match.end()
    return out + escape(text[at:])


def lang_mark_problems(text: str) -> list[str]:
    """What is wrong with each language mark in a text (`]{lang=English}`), one message each."""
    return [
        f"expected a language code such as en, es or pt-BR in {{lang=...}}, found {m.group(1)!r}; "
        "write the phrase as [phrase]{lang=en}"
        for m in _LANG_MARK_RE.finditer(text) if not LANG_ATTR_RE.fullmatch(m.group(0)[1:])
    ]


def plain_text(text: str) -> str:
    """The words of a markdown text without markup or citations (for reading-level checks)."""
    text = CITE_RE.sub("", text)
    text = _LANG_SPAN_RE.sub(r"\1", text)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"^\s*(?:[-*+]|\d+[.)])\s+", "", text, flags=re.MULTILINE)
    return text.replace("**", "").replace("__", "")
