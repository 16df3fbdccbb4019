"""Reading a YAML file's text, and saying what is wrong with it in the words of someone editing it.

Size, encoding and emptiness are checked before parsing (read_text); a PyYAML syntax error becomes
one Problem at the place the author must fix (syntax_problem): an unclosed quote is reported where
it opens, not where YAML finally notices, with a hint in plain words.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from booklets.errors import Problem

MAX_FILE_BYTES = 1024 * 1024


def mark_pos(mark: Any) -> tuple[int, int]:
    return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)


def _syntax_hint(what: str, context: str) -> str:
    """What to do about a PyYAML syntax error, in the words of someone editing text."""
    if "'\\t'" in what:
        return "indent with spaces, not tabs"
    if "mapping values are not allowed" in what:
        return ("line this key up with the keys above it, or put the value in quotes if it "
                "contains ': '")
    if "<block end>" in what or "could not find expected ':'" in what:
        return "line this up with the keys above it (spaces only), and write `key: value`"
    if "sequence entries are not allowed" in what:
        return "start a list item `- ` on its own line, indented under its key"
    if "unknown escape" in what:
        return "in double quotes a backslash starts an escape: write \\\\ or use single quotes"
    if "cannot start any token" in what:
        return "a value that starts with this character must be in quotes"
    if "flow" in context:
        return "close the [ ] or { } on this value, and quote any item containing ':' or ','"
    if "another document" in what:
        return "a file holds one document: remove the `---` line"
    return "check indentation and quotes on this line"


def _runaway_quote(text: str, error_line: int) -> Any:
    """The start of a quoted value that spans lines and ends on the error's line, if any.

    An unclosed quote usually "closes" at the next quote in the file, and YAML then reports a
    confusing error there; the real mistake is where that quoted value began.
    """
    scanner = yaml.SafeLoader(text)
    try:
        while (token := scanner.get_token()) is not None:  # type: ignore[no-untyped-call]
            if token.start_mark.line + 1 > error_line:
                break
            if (isinstance(token, yaml.ScalarToken) and token.style in ('"', "'")
                    and token.start_mark.line != token.end_mark.line
                    and token.end_mark.line + 1 == error_line):
                return token.start_mark
    except yaml.YAMLError:
        pass
    finally:
        scanner.dispose()
    return None


def syntax_problem(rel: str, text: str, err: yaml.YAMLError) -> Problem:
    if isinstance(err, yaml.reader.ReaderError):
        line = text.count("\n", 0, err.position) + 1
        col = err.position - (text.rfind("\n", 0, err.position) + 1) + 1
        msg = (f"control character U+{err.character:04X} is not allowed in YAML; delete it "
               "(it often comes from copy and paste)")
        return Problem(rel, line, col, "", msg)
    what = str(getattr(err, "problem", None) or err)
    context = str(getattr(err, "context", None) or "")
    if "quoted scalar" in context and "end of stream" in what:
        line, col = mark_pos(getattr(err, "context_mark", None))
        return Problem(rel, line, col, "", "YAML syntax error: the quote opened here is never "
                       "closed; close it at the end of the value")
    mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
    line, col = mark_pos(mark)
    runaway = _runaway_quote(text, line)
    if runaway is not None:
        msg = (f"YAML syntax error: the quote opened here is not closed on its line, so the value "
               f"runs on to line {line} and breaks there; close the quote at the end of the value")
        return Problem(rel, *mark_pos(runaway), "", msg)
    detail = f"{context}, {what}" if context else what
    hint = _syntax_hint(what, context)
    return Problem(rel, line, col, "", f"YAML syntax error: {detail}; {hint}")


def read_text(path: Path, rel: str) -> tuple[str | None, list[Problem]]:
    """The file's text, or the problems that keep it from being read: size, encoding, emptiness."""
    try:
        # Read at most one byte past the limit: a file that grows, or a link to a device, can
        # never make us read without bound.
        with path.open("rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        return None, [Problem(rel, 1, 1, "", f"cannot read file: {exc.strerror}")]
    if len(raw) > MAX_FILE_BYTES:
        msg = f"file is over the {MAX_FILE_BYTES} byte limit (1 MiB); split it into smaller files"
        return None, [Problem(rel, 1, 1, "", msg)]
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, [Problem(rel, 1, 1, "", "file is saved as UTF-16; save it as UTF-8")]
    try:
        text = raw.decode("utf-8-sig")  # a BOM from Windows editors is harmless: accept it
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        before = raw[raw.rfind(b"\n", 0, exc.start) + 1 : exc.start]
        col = len(before.decode("utf-8", "replace")) + 1
        msg = f"not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save the file as UTF-8"
        return None, [Problem(rel, line, col, "", msg)]
    if not text.strip():
        return None, [Problem(rel, 1, 1, "", "file is empty; add content or delete the file")]
    return text, []


