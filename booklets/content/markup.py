"""Inline markup: the small Markdown subset content may use, rendered to safe HTML.

Paragraphs, bold, links, bullet and numbered lists; `[^source-id]` citations become numbered
endnote references. Raw HTML is escaped (markdown-it's `html` option off), italics render bold
(clear-print guidance: emphasis is bold, never italic), and only web, mail, phone and in-document
links are kept, so content can never point WeasyPrint at a local file.

Sub-headings: content writes a sub-heading as a paragraph of bold text alone (`**Ways to report**`).
Where a parser is made with `subheadings=True` (section bodies), such a paragraph becomes an
`<h3 class="subheading">`, styled like the bold line it was, so screen-reader users can list the
sub-headings and jump to them. A bold paragraph ending like a sentence (`.`, `!`, `,`, `;`, `…`) stays
an emphasised paragraph: "**It is not your fault.**" is a statement, not a heading.

Two small additions for booklets: `[words]{lang=en}` marks a phrase in another language (a
`<span lang="en">`, so a screen reader voices it right and a translation check can tell a quoted
English name from untranslated text), and a link to a contact, `[the line for families](#contact-
family_line)`, is followed by that contact's phone number when the renderer is given one
(`env["contact_phones"]`), so text that says "call" always prints what to call.

Typesetting done here because WeasyPrint 70 cannot do it in CSS: a note marker follows its word
with no space; a paragraph that is only bold text is a run-in heading (`class="lead-in"`, kept
with what follows; in section bodies it becomes the sub-heading above); and the last two words
of a paragraph or list item are joined by a no-break space when they are short, so no paragraph
ends with one word alone on its last line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from markupsafe import Markup, escape

CITE_RE = re.compile(r"\[\^([a-z0-9][a-z0-9-]{0,39})\]")
# `]{lang=xx}` right after a bracketed phrase: a sequence ordinary text never has.
LANG_ATTR_RE = re.compile(r"\{lang=([a-z]{2,3}(?:-[A-Za-z0-9]{1,8}){0,3})\}")
LANG_RE = re.compile(r"(?<!\\)\[([^\[\]\n]+)\]" + LANG_ATTR_RE.pattern)
"""`[misconduct in public office]{lang=en}`: a phrase in another language (in plain text)."""
# What looks like a language mark, valid or not (for content checks).
_LANG_MARK_RE = re.compile(r"\]\{lang=([^}]*)\}")
_CONTACT_HREF = re.compile(r"^#contact-([A-Za-z0-9_-]+)$")
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


def _lang_rule(state: StateInline, silent: bool) -> bool:
    """`[phrase]{lang=xx}`: the phrase (inline Markdown itself, e.g. bold) in a span with that language."""
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


def _render_link_close(
    renderer: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """`</a>`, and after a link to a contact, the contact's phone number in brackets."""
    depth, j = 0, idx - 1
    while j >= 0:
        if tokens[j].type == "link_close":
            depth += 1
        elif tokens[j].type == "link_open":
            if depth == 0:
                break
            depth -= 1
        j -= 1
    href = str(tokens[j].attrGet("href") or "") if j >= 0 else ""
    match = _CONTACT_HREF.match(href)
    phone = env.get("contact_phones", {}).get(match.group(1)) if match else None
    return f'</a> <span class="contact-ref">({phone})</span>' if phone else "</a>"


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


# A bold paragraph ending like this is a sentence said with emphasis, not a heading.
_SENTENCE_END = (".", "!", ",", ";", "…")


def _subheadings(state: StateCore) -> None:
    """Top-level paragraphs that are one bold run and nothing else become <h3 class="subheading">."""
    tokens = state.tokens
    for i in range(len(tokens) - 2):
        opening, inline, closing = tokens[i : i + 3]
        if opening.type != "paragraph_open" or opening.level != 0 or inline.children is None:
            continue
        parts = [t for t in inline.children if not (t.type == "text" and not t.content)]
        if len(parts) < 3 or parts[0].type != "strong_open" or parts[-1].type != "strong_close":
            continue
        inner = parts[1:-1]
        if not all(t.type == "text" for t in inner):
            continue
        text = "".join(t.content for t in inner).strip()
        if not text or text.endswith(_SENTENCE_END):
            continue
        opening.type, opening.tag = "heading_open", "h3"
        opening.attrs = {"class": "subheading"}
        closing.type, closing.tag = "heading_close", "h3"
        inline.children = inner


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




def make_markdown(subheadings: bool = False) -> MarkdownIt:
    """The one markdown parser content is rendered with; `subheadings` for section bodies."""
    md = MarkdownIt("commonmark", {"html": False, "typographer": True})
    md.disable(
        ["heading", "lheading", "code", "fence", "blockquote", "hr", "html_block", "html_inline",
         "image", "reference", "backticks", "autolink"]
    )
    # Curly quotes, but no other "typographic replacements": they turn a law's "§115.32(c)" into
    # "§115.32©" and "(r)" into "®"; a dash or an ellipsis is written as the character itself.
    md.enable(["smartquotes"])
    md.disable(["replacements"])
    md.inline.ruler.before("link", "citation", _citation_rule)
    md.inline.ruler.before("link", "lang", _lang_rule)
    md.add_render_rule("link_close", _render_link_close)
    md.add_render_rule("citation", _render_citation)
    md.add_render_rule("em_open", _bold("<strong>"))
    md.add_render_rule("em_close", _bold("</strong>"))
    md.core.ruler.push("typeset", _typeset)
    md.validateLink = lambda url: bool(_SAFE_LINK.match(url.strip()))  # type: ignore[method-assign]
    if subheadings:
        md.core.ruler.push("subheadings", _subheadings)
    return md


def lang_spans(text: str) -> Markup:
    """Plain text (a facility value, say) as safe HTML, with `[words]{lang=xx}` marked."""
    out, pos = Markup(""), 0
    for match in LANG_RE.finditer(text):
        out += escape(text[pos:match.start()])
        out += Markup('<span lang="{}">{}</span>').format(match.group(2), match.group(1))
        pos = match.end()
    return out + escape(text[pos:])


def lang_mark_problems(text: str) -> list[str]:
    """What is wrong with each language mark in a text (`]{lang=English}`), one message each."""
    return [
        f"expected a language code such as en, es or pt-BR in {{lang=...}}, found {m.group(1)!r}; "
        "write the phrase as [phrase]{lang=en}"
        for m in _LANG_MARK_RE.finditer(text) if not LANG_ATTR_RE.fullmatch(m.group(0)[1:])
    ]


def citations_in(text: str) -> list[str]:
    """Source ids cited in a text, in order (for validation without rendering)."""
    return CITE_RE.findall(text)


def plain_text(text: str) -> str:
    """The words of a markdown text without markup or citations (for reading-level checks)."""
    text = CITE_RE.sub("", text)
    text = LANG_RE.sub(r"\1", text)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"^\s*(?:[-*+]|\d+[.)])\s+", "", text, flags=re.MULTILINE)
    return text.replace("**", "").replace("__", "")
