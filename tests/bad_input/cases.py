"""The bad-input corpus: one small broken project per case, and the exact lines the CLI must print.

Every case starts from BASE (tests/scratch.py's minimal one-booklet project), changes
a file or two, and lists every line expected on stderr. The test (tests/test_bad_input.py) also
checks exit status 2, no traceback, and that the PDF an earlier build wrote is byte-identical.

`{outside}` in an expected line stands for a folder outside the project that the test creates
(holding a file named `secret.txt`); `{out}` for the output folder; `{project}` for the project.

To add a case: copy a neighbour, run `pytest tests/test_bad_input.py -k NAME`, and check that
the printed line says exactly what is wrong, where, and how to fix it before pasting it in.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field

from tests.scratch import BOOKLET, MINIMAL, NORTH, SCREEN, SHARED, SOURCES, STAFF, FileEdit, append, edit

MAIN_TEMPLATE = "templates/booklet.html.j2"
EXTRA_TEMPLATE = "templates/partials/extra.html.j2"

# The base project is the minimal scratch project of tests/scratch.py (templates/ and
# content/en/strings.yaml copied from the repository); the line numbers below depend on its
# content, as written (dedented).
BASE: dict[str, str] = {rel: textwrap.dedent(text) for rel, text in MINIMAL.items()}


# Template cases put their mistake in a partial of their own, included at the top of <main>, so
# their line numbers do not move when the real templates change.
INCLUDE_EXTRA = edit("<main>\n", '<main>\n{% include "partials/extra.html.j2" %}\n')


def with_extra(template: str) -> dict[str, FileEdit]:
    return {MAIN_TEMPLATE: INCLUDE_EXTRA, EXTRA_TEMPLATE: template}


def image(src: str) -> dict[str, FileEdit]:
    """The inline section gets an image with this src."""
    return {STAFF: edit("    contacts: [internal_line, outside_body]\n",
                        "    contacts: [internal_line, outside_body]\n"
                        f"    image: {{src: '{src}', alt: A picture}}\n")}


def stylesheet(path: str) -> dict[str, FileEdit]:
    return {SCREEN: edit("stylesheets: [editions/screen.css]", f"stylesheets: ['{path}']")}


@dataclass(frozen=True)
class Case:
    """One broken project and the exact stderr lines it must produce."""

    name: str
    files: dict[str, FileEdit]
    expected: list[str]
    argv: tuple[str, ...] = ()
    links: dict[str, str] = field(default_factory=dict)  # path in project -> target ({outside})
    fifos: tuple[str, ...] = ()  # named pipes to make in the project (a read would block for ever)


A = "error: " + STAFF
# A problem found while a booklet renders is reported for that booklet (its target name first).
RENDERING = "error: north/en/staff-screen: "
B = "error: " + BOOKLET

CASES: list[Case] = [
    # --- YAML syntax -------------------------------------------------------------------------
    Case("syntax-indented-key", {STAFF: edit("title: Boundaries", " title: Boundaries")}, [
        f"{A}:2:7: YAML syntax error: mapping values are not allowed here; line this key up with "
        "the keys above it, or put the value in quotes if it contains ': '"]),
    Case("syntax-list-item-indent",
         {STAFF: edit("    title: How to report", "   title: How to report")}, [
        f"{A}:9:4: YAML syntax error: while parsing a block collection, expected <block end>, but "
        "found '<block mapping start>'; line this up with the keys above it (spaces only), and "
        "write `key: value`"]),
    Case("syntax-tab-indent", {STAFF: edit("    title: How to report", "\ttitle: How to report")}, [
        f"{A}:9:1: YAML syntax error: while scanning for the next token, found character '\\t' "
        "that cannot start any token; indent with spaces, not tabs"]),
    Case("syntax-unclosed-double-quote",
         {NORTH: edit('phone: "0100 000 001"}', 'phone: "0100 000 001}')}, [
        "error: content/facilities/north.yaml:5:47: YAML syntax error: the quote opened here is "
        "not closed on its line, so the value runs on to line 6 and breaks there; close the quote "
        "at the end of the value"]),
    Case("syntax-unclosed-quote-at-end",
         {SOURCES: edit('"Source One, 2020."}', '"Source One, 2020.}')}, [
        "error: content/en/sources.yaml:1:18: YAML syntax error: the quote opened here is never "
        "closed; close it at the end of the value"]),
    Case("syntax-unclosed-single-quote",
         {STAFF: edit("summary: A test booklet.", "summary: 'A test booklet.")}, [
        f"{A}:3:10: YAML syntax error: the quote opened here is never closed; close it at the "
        "end of the value"]),
    Case("syntax-colon-in-value",
         {STAFF: edit("summary: A test booklet.", "summary: Note: read this")}, [
        f"{A}:3:14: YAML syntax error: mapping values are not allowed here; line this key up with "
        "the keys above it, or put the value in quotes if it contains ': '"]),
    Case("syntax-unclosed-list", {STAFF: edit("keywords: [test]", "keywords: [test")}, [
        f"{A}:5:14: YAML syntax error: while parsing a flow sequence, expected ',' or ']', but got "
        "':'; close the [ ] or { } on this value, and quote any item containing ':' or ','"]),
    Case("syntax-backslash-in-double-quotes", {NORTH: edit('"1 North Road"', '"C:\\Road"')}, [
        "error: content/facilities/north.yaml:2:15: YAML syntax error: while scanning a "
        "double-quoted scalar, found unknown escape character 'R'; in double quotes a backslash "
        "starts an escape: write \\\\ or use single quotes"]),
    Case("syntax-two-documents", {SOURCES: append("---\nfact-two: {text: Two}\n")}, [
        "error: content/en/sources.yaml:2:1: YAML syntax error: expected a single document in the "
        "stream, but found another document; a file holds one document: remove the `---` line"]),
    Case("control-character", {STAFF: edit("A test booklet.", "A test\x07booklet.")}, [
        f"{A}:3:16: control character U+0007 is not allowed in YAML; delete it (it often comes "
        "from copy and paste)"]),
    Case("control-character-escape",
         {STAFF: edit("title: Boundaries", 'title: "Bound\\x1baries"')}, [
        f"{A}:2:8: title: contains the character U+001B (a control character), which cannot be "
        "printed; delete it (it often comes from copy and paste or a \\ escape)"]),
    Case("character-in-no-font", {STAFF: edit("title: Boundaries", "title: Boundaries \u0808")}, [
        f"{RENDERING}{STAFF}:2:19: the character '\u0808' (U+0808) is in none of the booklet's fonts, so the PDF "
        "would show an empty box; remove it or write it another way"]),
    # --- encoding and empty files --------------------------------------------------------------
    Case("not-utf8-latin1",
         {STAFF: BASE[STAFF].replace("Boundaries", "Limites \xe9").encode("latin-1")}, [
        f"{A}:2:16: not valid UTF-8 (byte 0xe9); save the file as UTF-8"]),
    Case("not-utf8-utf16", {STAFF: BASE[STAFF].encode("utf-16")}, [
        f"{A}:1:1: file is saved as UTF-16; save it as UTF-8"]),
    Case("empty-file", {SOURCES: ""}, [
        "error: content/en/sources.yaml:1:1: file is empty; add content or delete the file"]),
    Case("comments-only-file", {SOURCES: "# sources come later\n"}, [
        "error: content/en/sources.yaml:1:1: file has no content; add content or delete the file"]),
    Case("top-level-list", {STAFF: "- name: Staff\n- title: Boundaries\n"}, [
        f"{A}:1:1: expected a mapping of keys to values, found a list"]),
    # --- duplicate keys ------------------------------------------------------------------------
    Case("duplicate-key", {STAFF: append("title: Boundaries again\n")}, [
        f"{A}:21:1: title: duplicate key (first defined on line 2); keep only one"]),
    Case("duplicate-key-in-flow-mapping",
         {NORTH: edit('{name: "Inside line",', '{name: "Inside line", name: x,')}, [
        "error: content/facilities/north.yaml:5:40: contacts.internal_line.name: duplicate key "
        "(first defined on line 5); keep only one"]),
    # --- wrong types ---------------------------------------------------------------------------
    Case("number-field-given-text", {STAFF: edit("reading_grade: 10", "reading_grade: ten")}, [
        f"{A}:5:16: reading_grade: expected a number, found 'ten'"]),
    Case("list-given-text", {STAFF: edit("keywords: [test]", "keywords: test")}, [
        f"{A}:4:11: keywords: expected a list, found 'test'"]),
    Case("text-given-list", {STAFF: edit("title: Boundaries", "title: [Bound, aries]")}, [
        f"{A}:2:8: title: expected text, found a list"]),
    Case("mapping-given-list", {NORTH: edit(
        "contacts:\n  internal_line: {name: \"Inside line\", phone: \"0100 000 001\"}\n"
        "  outside_body: {name: \"Outside body\", phone: \"0100 000 002\"}\n",
        "contacts:\n  - internal_line\n")}, [
        "error: content/facilities/north.yaml:5:3: contacts: expected a mapping of keys to values, "
        "found a list"]),
    Case("localized-text-given-list", {NORTH: edit('name: North Site', 'name: [North, Site]')}, [
        "error: content/facilities/north.yaml:1:7: name: expected text, or a mapping of language "
        "codes to text, found a list"]),
    Case("bad-date", {BOOKLET: edit("effective_date: 2026-01-15", "effective_date: 2026-13-45")}, [
        f"{B}:4:17: effective_date: expected a date written YYYY-MM-DD, found '2026-13-45'"]),
    Case("number-out-of-range", {SCREEN: append("pad_to_multiple: 0\n")}, [
        "error: content/editions/screen.yaml:5:18: pad_to_multiple: expected a value greater than "
        "or equal to 1, found '0'"]),
    Case("choice-not-allowed", {BOOKLET: append("paper: a4\n")}, [
        f"{B}:9:8: paper: expected 'iso' or 'us', found 'a4'"]),
    Case("page-size-css-injection",
         {SCREEN: edit("iso: A5,", "iso: 'A5; } body { display: none',")}, [
        "error: content/editions/screen.yaml:2:13: size.iso: expected a simple size such as `A5` or "
        "`5.5in 8.5in`, found 'A5; } body { display: none'"]),
    # --- YAML 1.1/1.2 coercions in text --------------------------------------------------------
    Case("coercion-phone-number", {NORTH: edit('phone: "0100 000 001"', "phone: 0800555111")}, [
        "error: content/facilities/north.yaml:5:47: contacts.internal_line.phone: unquoted "
        '0800555111 would be read as a number by YAML tools; put it in quotes: "0800555111"']),
    Case("coercion-time",
         {NORTH: edit('phone: "0100 000 001"', 'phone: "0100 000 001", hours: 9:30')}, [
        "error: content/facilities/north.yaml:5:70: contacts.internal_line.hours: unquoted 9:30 "
        'would be read as a number by YAML tools; put it in quotes: "9:30"']),
    Case("coercion-no", {STAFF: edit("title: Boundaries", "title: no")}, [
        f'{A}:2:8: title: unquoted no would be read as a true/false value by YAML tools; put it '
        'in quotes: "no"']),
    Case("coercion-on",
         {STAFF: edit('statements: ["I have read this booklet."]', "statements: [on]")}, [
        f'{A}:20:16: form.statements[0]: unquoted on would be read as a true/false value by YAML '
        'tools; put it in quotes: "on"']),
    Case("coercion-date", {STAFF: edit("summary: A test booklet.", "summary: 2026-01-01")}, [
        f'{A}:3:10: summary: unquoted 2026-01-01 would be read as a date by YAML tools; put it in '
        'quotes: "2026-01-01"']),
    Case("coercion-version-number", {BOOKLET: edit('revision: "2.0"', "revision: 2.0")}, [
        f'{B}:3:11: revision: unquoted 2.0 would be read as a number by YAML tools; put it in '
        'quotes: "2.0"']),
    Case("null-in-text", {STAFF: edit("title: Boundaries", "title: null")}, [
        f"{A}:2:1: title: expected text, found nothing"]),
    Case("key-with-line-break", {STAFF: append('"title\\nx": Boundaries\n')}, [
        f"{A}:21:1: title\\nx: unknown key `title\\nx`; did you mean `title`?"]),
    # --- unknown keys --------------------------------------------------------------------------
    Case("unknown-key-typo", {STAFF: edit("title: Boundaries", "titel: Boundaries")}, [
        f"{A}:1:1: title: required key `title` is missing; add it",
        f"{A}:2:1: titel: unknown key `titel`; did you mean `title`?"]),
    Case("unknown-key-spelling", {BOOKLET: edit("organisation:", "organization:")}, [
        f"{B}:1:1: organisation: required key `organisation` is missing; add it",
        f"{B}:1:1: organization: unknown key `organization`; did you mean `organisation`?"]),
    Case("unknown-key-nested", {STAFF: edit('callout: {title:', 'callout: {colour: red, title:')}, [
        f"{A}:15:15: sections[1].callout.colour: unknown key `colour`; expected one of: title, "
        "body"]),
    # --- missing required fields ---------------------------------------------------------------
    Case("missing-required", {STAFF: edit("summary: A test booklet.\n", "")}, [
        f"{A}:1:1: summary: required key `summary` is missing; add it"]),
    Case("missing-several", {STAFF: "name: Staff\n"}, [
        f"{A}:1:1: reading_grade: required key `reading_grade` is missing; add it",
        f"{A}:1:1: sections: required key `sections` is missing; add it",
        f"{A}:1:1: summary: required key `summary` is missing; add it",
        f"{A}:1:1: title: required key `title` is missing; add it"]),
    Case("missing-nested",
         {NORTH: edit("  outside_body: {name: \"Outside body\", ", "  outside_body: {")}, [
        "error: content/facilities/north.yaml:6:17: contacts.outside_body.name: required key "
        "`name` is missing; add it"]),
    Case("incomplete-inline-section", {STAFF: edit("    title: How to report\n", "")}, [
        f"{A}:8:5: sections[1]: an inline section needs id, title and body (or use `include: "
        "<shared id>`)"]),
    # --- references ----------------------------------------------------------------------------
    Case("missing-shared-section",
         {STAFF: edit("include: zero-tolerance", "include: zero-tolerence")}, [
        f"{A}:7:14: sections[0].include: section 'zero-tolerence' does not exist; did you mean "
        "'zero-tolerance'?"]),
    Case("missing-audience",
         {BOOKLET: edit("audiences: [staff]", "audiences: [staff, residents]")}, [
        f"{B}:6:20: audiences[1]: audience 'residents' has no file "
        "content/en/audiences/residents.yaml; create it or remove the entry"]),
    Case("missing-facility", {BOOKLET: edit("facilities: [north]", "facilities: [north, south]")}, [
        f"{B}:8:21: facilities[1]: facility 'south' has no file content/facilities/south.yaml; "
        "create it or remove the entry"]),
    Case("missing-edition", {BOOKLET: edit("editions: [screen]", "editions: [screen, print]")}, [
        f"{B}:7:20: editions[1]: edition 'print' has no file content/editions/print.yaml; create "
        "it or remove the entry"]),
    Case("missing-language", {BOOKLET: edit("languages: [en]", "languages: [en, fr]")}, [
        f"{B}:5:17: languages[1]: language 'fr' has no folder content/fr/; create it or remove "
        "the entry"]),
    Case("missing-source", {STAFF: edit("Tell someone.", "Tell someone[^no-such-source].")}, [
        f"{A}:10:11: sections[1].body: cites unknown source [^no-such-source]; add it to "
        "content/en/sources.yaml"]),
    Case("missing-contact-role", {STAFF: edit("contacts: [internal_line, outside_body]",
                                              "contacts: [internal_line, support_line]")}, [
        f"{A}:16:31: sections[1].contacts[1]: facility 'north' has no contact 'support_line'; "
        "add it to content/facilities/north.yaml"]),
    Case("unknown-contact-role", {STAFF: edit("contacts: [internal_line, outside_body]",
                                              "contacts: [internal_line, hotline]")}, [
        f"{A}:16:31: sections[1].contacts[1]: expected 'internal_line', 'safeguarding_lead', "
        "'outside_body', 'support_line', 'family_line' or 'staff_support', found 'hotline'"]),
    Case("variant-for-unknown-audience", {SHARED: edit("staff: {title:", "stafff: {title:")}, [
        "error: content/en/shared.yaml:6:5: zero-tolerance.variants.stafff: variant for unknown "
        "audience 'stafff'; known: staff"]),
    Case("unknown-selector", {}, [
        "error: command line: --audience 'nobody' is not in content/booklet.yaml; known: staff"],
        argv=("--audience", "nobody")),
    # --- hostile YAML --------------------------------------------------------------------------
    Case("alias-bomb", {STAFF: append(
        'lol: &a ["lol", "lol", "lol"]\n'
        "lol2: &b [*a, *a, *a]\n"
        "lol3: [*b, *b, *b]\n")}, [
        *(f"{A}:22:{c}: alias *a is not supported (no anchors & or aliases *); write the value out"
          for c in (11, 15, 19)),
        *(f"{A}:23:{c}: alias *b is not supported (no anchors & or aliases *); write the value out"
          for c in (8, 12, 16))]),
    Case("alias-bomb-in-booklet-yaml", {BOOKLET: append("x: &a [en, en]\ny: [*a, *a]\n")}, [
        *(f"{B}:10:{c}: alias *a is not supported (no anchors & or aliases *); write the value out"
          for c in (5, 9))]),
    Case("merge-key", {STAFF: append("<<: {title: Other}\n")}, [
        f"{A}:21:1: merge keys (<<) are not supported; write the keys out"]),
    Case("python-object-tag",
         {STAFF: edit("title: Boundaries", "title: !!python/object/apply:os.system [ls]")}, [
        f"{A}:2:8: title: unknown tag !!python/object/apply:os.system; only !placeholder is "
        "allowed"]),
    Case("file-too-large", {SOURCES: lambda text: text + "# " + "x" * (1024 * 1024) + "\n"}, [
        "error: content/en/sources.yaml:1:1: file is over the 1048576 byte limit (1 MiB); split "
        "it into smaller files"]),
    Case("nesting-too-deep",
         {STAFF: edit("keywords: [test]", "keywords: " + "[" * 60 + "]" * 60)}, [
        f"{A}:4:51: nesting is deeper than 40 levels; flatten the structure"]),
    Case("content-file-links-outside", {}, [
        f"{A}:1:1: is a link to {{outside}}/secret.yaml, outside the project; copy the file into "
        "the project instead"], links={STAFF: "{outside}/secret.yaml"}),
    # --- templates -----------------------------------------------------------------------------
    Case("template-syntax-error",
         with_extra("<p>Extra</p>\n{% if true %}\n<p>x</p>\n{% endiff %}\n"), [
        "error: templates/partials/extra.html.j2:4:1: template syntax error: Encountered unknown "
        "tag 'endiff'. Jinja was looking for the following tags: 'elif' or 'else' or 'endif'. "
        "The innermost block that needs to be closed is 'if'."]),
    Case("template-undefined-variable", with_extra("<p>Extra</p>\n<p>{{ audience.titel }}</p>\n"), [
        "error: templates/partials/extra.html.j2:2:1: template uses an undefined value: "
        "audience has no field 'titel' (did you mean 'title'?); define it or guard it with `is defined`"]),
    Case("template-missing-include",
         with_extra('<p>Extra</p>\n{% include "partials/nope.html.j2" %}\n'), [
        "error: templates/partials/extra.html.j2:2:1: template 'partials/nope.html.j2' not found "
        "in templates/; check the name and the file"]),
    Case("template-type-error", with_extra("<p>Extra</p>\n<p>{{ audience.title + 1 }}</p>\n"), [
        "error: templates/partials/extra.html.j2:2:1: template error: TypeError: can only "
        'concatenate str (not "int") to str']),
    Case("template-sandbox-escape", with_extra(
        "<p>Extra</p>\n{{ ''.__class__.__mro__[1].__subclasses__() }}\n"), [
        "error: templates/partials/extra.html.j2:2:1: template error: SecurityError: access to "
        "attribute '__class__' of 'str' object is unsafe."]),
    # The sandbox (issue 12, item 1): templates get plain data and may call only what they are given.
    Case("template-calls-a-model-method-to-unpickle", with_extra(
        "<p>Extra</p>\n{{ booklet.parse_raw('gASV', content_type='pickle', allow_pickle=True) }}\n"), [
        "error: templates/partials/extra.html.j2:2:1: template uses an undefined value: booklet has no "
        "field 'parse_raw'; define it or guard it with `is defined`"]),
    Case("template-calls-a-model-method-to-read-a-file", with_extra(
        "<p>Extra</p>\n{{ audience.parse_file('/etc/passwd') }}\n"), [
        "error: templates/partials/extra.html.j2:2:1: template uses an undefined value: audience has no "
        "field 'parse_file'; define it or guard it with `is defined`"]),
    Case("template-calls-a-removed-global", with_extra("<p>Extra</p>\n{{ lipsum(100) }}\n"), [
        "error: templates/partials/extra.html.j2:2:1: template uses an undefined value: 'lipsum' is "
        "undefined; define it or guard it with `is defined`"]),
    Case("template-format-string-reaches-internals", with_extra(
        "<p>Extra</p>\n{{ '{0.__class__.__init__.__globals__}'.format(booklet) }}\n"), [
        "error: templates/partials/extra.html.j2:2:1: template error: SecurityError: templates may not "
        "call str.format: they get plain data; use a filter, or ask for the value to be added to the "
        "template context"]),
    Case("template-attr-filter-reaches-internals", with_extra(
        "<p>Extra</p>\n{{ (booklet|attr('_fields')).values() }}\n"), [
        "error: templates/partials/extra.html.j2:2:1: template error: SecurityError: booklet has no "
        "field '_fields'"]),
    Case("template-self-reaches-the-context", with_extra(
        "<p>Extra</p>\n{{ self._TemplateReference__context }}\n"), [
        "error: templates/partials/extra.html.j2:2:1: template error: SecurityError: access to "
        "attribute '_TemplateReference__context' of 'TemplateReference' object is unsafe."]),
    Case("template-calls-the-loop", with_extra(
        "<p>Extra</p>\n{% for s in sections %}{{ loop(sections) }}{% endfor %}\n"), [
        "error: templates/partials/extra.html.j2:2:1: template error: SecurityError: templates may not "
        "call LoopContext: they get plain data; use a filter, or ask for the value to be added to the "
        "template context"]),
    Case("template-imports-a-file-outside", with_extra(
        "<p>Extra</p>\n{% import '../content/booklet.yaml' as b %}\n"), [
        "error: templates/partials/extra.html.j2:2:1: template '../content/booklet.yaml' not found in "
        "templates/; check the name and the file"]),
    # Limits (item 12): a template that never ends, or makes too much, stops with its line.
    Case("template-never-ends", with_extra(
        "<p>Extra</p>\n{% for a in range(99999) %}{% for b in range(99999) %}{% endfor %}{% endfor %}\n"), [
        "error: templates/partials/extra.html.j2:2:1: the template ran for more than 2 s, the time "
        "limit per booklet (--time-limit): a loop that never ends? Make it shorter, or raise "
        "--time-limit"], argv=("--time-limit", "2")),
    Case("template-macro-calls-itself-without-end", with_extra(
        "<p>Extra</p>\n{% macro m(n) %}{% if n %}{{ m(n - 1) }}{{ m(n - 1) }}{% endif %}{% endmacro %}\n"
        "{{ m(60) }}\n"), [
        "error: templates/partials/extra.html.j2:2:1: the template ran for more than 2 s, the time "
        "limit per booklet (--time-limit): a loop that never ends? Make it shorter, or raise "
        "--time-limit"], argv=("--time-limit", "2")),
    Case("template-writes-too-much", with_extra(
        "<p>Extra</p>\n{% for i in range(99999) %}<p>{{ 'x' * 1000 }}</p>{% endfor %}\n"), [
        "error: templates/partials/extra.html.j2:2:1: the template wrote more than 8 MiB of HTML, far "
        "more than a booklet needs: a loop that runs too long?"]),
    Case("template-value-too-large", with_extra("<p>Extra</p>\n{{ 'x' * 10 ** 9 }}\n"), [
        "error: templates/partials/extra.html.j2:2:1: a value of 1,000,000,000 characters or items, "
        "over the 2,097,152 a template may make; a loop or repetition that runs too long?"]),
    Case("template-value-doubles-line-by-line", with_extra(
        "<p>Extra</p>\n{% set s = 'x' * 1000000 %}\n{% set s = s ~ s ~ s %}\n"), [
        "error: templates/partials/extra.html.j2:3:1: a value of 3,000,000 characters or items, over "
        "the 2,097,152 a template may make; a loop or repetition that runs too long?"]),
    Case("template-text-piles-up-in-a-block", with_extra(
        "<p>Extra</p>\n{% set s %}{% for i in range(99999) %}{{ 'x' * 2000000 }}{% endfor %}{% endset %}\n"), [
        "error: templates/partials/extra.html.j2:2:1: the template wrote more than 8 MiB of HTML, far "
        "more than a booklet needs: a loop that runs too long?"]),
    Case("template-values-pile-up-in-a-list", with_extra(
        "<p>Extra</p>\n{% set ns = namespace(items=[]) %}\n"
        "{% for i in range(99999) %}{% set ns.items = ns.items + ['x' * 2000000] %}{% endfor %}\n"), [
        "error: templates/partials/extra.html.j2:3:1: the template used more than 256 MiB of memory: "
        "a loop that builds up text without end?"]),
    Case("template-huge-width", with_extra("<p>Extra</p>\n{{ '%999999999d' | format(1) }}\n"), [
        "error: templates/partials/extra.html.j2:2:1: a width or precision of 999,999,999 is over the "
        "100,000 a template may use"]),
    Case("template-huge-centre", with_extra("<p>Extra</p>\n{{ 'x' | center(10 ** 9) }}\n"), [
        "error: templates/partials/extra.html.j2:2:1: the number given to |center, 1,000,000,000 is "
        "over the 100,000 a template may use"]),
    Case("template-huge-power", with_extra("<p>Extra</p>\n{{ 7 ** 99999999 }}\n"), [
        "error: templates/partials/extra.html.j2:2:1: 7 ** 99999999 is a number too large for a "
        "template"]),
    Case("template-range-too-large", with_extra("<p>Extra</p>\n{{ range(10 ** 12) | list }}\n"), [
        "error: templates/partials/extra.html.j2:2:1: template error: OverflowError: Range too big. "
        "The sandbox blocks ranges larger than MAX_RANGE (100000)."]),
    Case("template-links-outside",
         with_extra('<p>Extra</p>\n{% include "partials/linked.html.j2" %}\n'), [
        "error: templates/partials/extra.html.j2:2:1: template 'partials/linked.html.j2' is a link "
        "to {outside}/secret.txt, outside templates/; copy the file into templates/ instead"],
        links={"templates/partials/linked.html.j2": "{outside}/secret.txt"}),
    # --- resources: images and stylesheets -----------------------------------------------------
    Case("image-file-url", image("file:///etc/passwd"), [
        f"{A}:17:18: sections[1].image.src: expected a path inside content/assets/, found the URL "
        "'file:///etc/passwd'; copy the file into content/assets/ and give its path from there"]),
    Case("image-absolute-path", image("/etc/passwd"), [
        f"{A}:17:18: sections[1].image.src: expected a path inside content/assets/, found "
        "'/etc/passwd'; give the path from content/assets/ (no leading /, no ..)"]),
    Case("image-parent-path", image("../../../etc/passwd"), [
        f"{A}:17:18: sections[1].image.src: expected a path inside content/assets/, found "
        "'../../../etc/passwd'; give the path from content/assets/ (no leading /, no ..)"]),
    Case("image-https", image("https://example.com/logo.png"), [
        f"{A}:17:18: sections[1].image.src: expected a path inside content/assets/, found the URL "
        "'https://example.com/logo.png'; copy the file into content/assets/ and give its path "
        "from there"]),
    Case("image-missing", image("logo.png"), [
        f"{A}:17:18: sections[1].image.src: image content/assets/logo.png does not exist"]),
    Case("image-link-outside", image("logo.png"), [
        f"{A}:17:18: sections[1].image.src: image content/assets/logo.png is a link to a file "
        "outside content/assets/; copy the file in instead"],
        links={"content/assets/logo.png": "{outside}/secret.txt"}),
    Case("stylesheet-http", stylesheet("http://example.com/evil.css"), [
        "error: content/editions/screen.yaml:3:15: stylesheets[0]: expected a path inside "
        "templates/, found the URL 'http://example.com/evil.css'; copy the file into templates/ "
        "and give its path from there"]),
    Case("stylesheet-file-url", stylesheet("file:///etc/passwd"), [
        "error: content/editions/screen.yaml:3:15: stylesheets[0]: expected a path inside "
        "templates/, found the URL 'file:///etc/passwd'; copy the file into templates/ and give "
        "its path from there"]),
    Case("stylesheet-absolute-path", stylesheet("/etc/passwd"), [
        "error: content/editions/screen.yaml:3:15: stylesheets[0]: expected a path inside "
        "templates/, found '/etc/passwd'; give the path from templates/ (no leading /, no ..)"]),
    Case("stylesheet-parent-path", stylesheet("../content/booklet.yaml"), [
        "error: content/editions/screen.yaml:3:15: stylesheets[0]: expected a path inside "
        "templates/, found '../content/booklet.yaml'; give the path from templates/ (no leading "
        "/, no ..)"]),
    Case("stylesheet-link-outside", stylesheet("editions/evil.css"), [
        "error: content/editions/screen.yaml:3:15: stylesheets[0]: stylesheet "
        "templates/editions/evil.css is a link to a file outside templates/; copy the file in "
        "instead"], links={"templates/editions/evil.css": "{outside}/secret.txt"}),
    Case("template-image-file-url",
         with_extra('<p>Extra</p>\n<img src="file:///etc/passwd" alt="">\n'), [
        f"{RENDERING}templates/partials/extra.html.j2:2:6: refused to load file:///etc/passwd: "
        "/etc/passwd is outside the project's templates/ and content/assets/"]),
    Case("template-attachment",
         with_extra('<p>Extra</p>\n<a rel="attachment" href="/etc/passwd">x</a>\n'), [
        f"{RENDERING}templates/partials/extra.html.j2:2:21: refused to load file:///etc/passwd: "
        "/etc/passwd is outside the project's templates/ and content/assets/"]),
    Case("template-https-image",
         with_extra('<p>Extra</p>\n<img src="https://example.com/x.png" alt="">\n'), [
        f"{RENDERING}templates/partials/extra.html.j2:2:6: refused to load https://example.com/x.png: "
        "only files inside the project are used, never the network"]),
    Case("stylesheet-import-outside", {
        **stylesheet("editions/hostile.css"),
        "templates/editions/hostile.css": "/* imports a file from outside */\n"
                                          '@import url("../../../../../../../../etc/passwd");\n'}, [
        f"{RENDERING}templates/editions/hostile.css:2:9: refused to load file:///etc/passwd: "
        "/etc/passwd is outside the project's templates/ and content/assets/"]),
    # --- the renderer reads only what the inputs hash counts (issue 12, item 6) -----------------
    Case("template-reads-content-outside-assets",
         with_extra('<p>Extra</p>\n<img src="../content/en/sources.yaml" alt="">\n'), [
        f"{RENDERING}templates/partials/extra.html.j2:2:6: refused to load file://{{project}}/content/en/"
        "sources.yaml: {project}/content/en/sources.yaml is outside the project's templates/ and "
        "content/assets/"]),
    Case("template-links-a-hidden-stylesheet",
         {**with_extra('<p>Extra</p>\n<link rel="stylesheet" href="css/.theme.css">\n'),
          "templates/css/.theme.css": "body { color: red }\n"}, [
        f"{RENDERING}templates/partials/extra.html.j2:2:24: refused to load file://{{project}}/"
        "templates/css/.theme.css: {project}/templates/css/.theme.css is a hidden file or an "
        "editor's backup; give the resource a plain name"]),
    Case("template-includes-an-editor-backup",
         {**with_extra('<p>Extra</p>\n{% include "partials/extra.html.j2~" %}\n'),
          "templates/partials/extra.html.j2~": "<p>an older copy</p>\n"}, [
        "error: templates/partials/extra.html.j2:2:1: template 'partials/extra.html.j2~' is a hidden "
        "file or an editor's backup, which are never read; give it a plain name"]),
    Case("template-includes-a-fifo", with_extra('<p>Extra</p>\n{% include "partials/pipe.html.j2" %}\n'), [
        "error: templates/partials/extra.html.j2:2:1: template 'partials/pipe.html.j2' is not a plain "
        "file (a device, FIFO or folder); replace it with a file"], fifos=("templates/partials/pipe.html.j2",)),
    Case("asset-is-a-fifo", {**image("pipe.png")}, [
        f"{A}:17:18: sections[1].image.src: image content/assets/pipe.png is not a plain file (a "
        "device, FIFO or folder); put the image file there"],
        fifos=("content/assets/pipe.png",)),
    # --- what WeasyPrint reports, at the line that has it (issue 12, items 13 and 14) -----------
    Case("stylesheet-unknown-property", {
        **stylesheet("editions/typo.css"),
        "templates/editions/typo.css": "/* a typo */\n.cover { colr: red; }\n"}, [
        f"{RENDERING}templates/editions/typo.css:2:10: `colr: red` is ignored: unknown property; "
        "correct the declaration or remove it"]),
    Case("stylesheet-calc-without-operand", {
        **stylesheet("editions/typo.css"),
        "templates/editions/typo.css": "/* a typo */\n.cover { width: calc(100% - ); }\n"}, [
        f"{RENDERING}templates/editions/typo.css:2:10: `width: calc(100% - )` cannot be read (the "
        "renderer fails on it: AssertionError); correct the declaration or remove it"]),
    Case("template-style-unknown-property",
         with_extra("<p>Extra</p>\n<style>\n  .extra { colr: blue; }\n</style>\n"), [
        f"{RENDERING}templates/partials/extra.html.j2:3:12: `colr: blue` is ignored: unknown property; "
        "correct the declaration or remove it"]),
    Case("svg-image-imports-a-stylesheet", {
        **image("drawing.svg"),
        "content/assets/drawing.svg": '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">\n'
                                      '<style>@import "theme.css";</style>\n'
                                      '<rect width="10" height="10"/>\n</svg>\n'}, [
        f"{RENDERING}content/assets/drawing.svg:2:8: an SVG image cannot import a stylesheet (@import); "
        "put its styles in the SVG's own <style>"]),
    Case("link-to-a-missing-anchor", {STAFF: edit("Tell someone.", "Tell [someone](#s-nowhere).")}, [
        f"{RENDERING}{STAFF}:11:22: a link to #s-nowhere leads nowhere in this booklet: no section, "
        "source or form has that id; link to #s-<section id>, #sources or #form"]),
    Case("print-stylesheet-hides-the-notes-pages", {
        BOOKLET: edit("editions: [screen]", "editions: [screen, print]"),
        "content/editions/print.yaml": "name: Print\nsize: {iso: A5, us: 5.5in 8.5in}\n"
                                       "stylesheets: [editions/print.css, editions/no-notes.css]\n"
                                       "notes_pages: true\npad_to_multiple: 4\n",
        "templates/editions/no-notes.css": ".notes { display: none; }\n"}, [
        "error: north/en/staff-print: templates/partials/notes.html.j2:1:24: the print edition pads the "
        "booklet with Notes pages before the back cover, but the laid-out booklet has no Notes pages "
        "(no page holds #notes-1): a stylesheet hides them (display: none?); show them in print, or "
        "set notes_pages: false in the edition"], argv=("--edition", "print")),
    Case("character-only-a-system-font-has", {STAFF: edit("title: Boundaries", "title: Boundaries ☎")}, [
        f"{RENDERING}{A[7:]}:2:19: the character '☎' (U+260E) is in none of the booklet's fonts, so "
        "the PDF would show an empty box; remove it or write it another way"]),
    # --- identifiers that would make output paths escape dist/ ----------------------------------
    Case("id-path-traversal", {BOOKLET: edit("audiences: [staff]", "audiences: [../../etc]")}, [
        f"{B}:6:13: audiences[0]: expected an id of lowercase letters, digits and hyphens (at "
        "most 40), found '../../etc'"]),
    Case("id-dot-dot", {BOOKLET: edit("facilities: [north]", "facilities: ['..']")}, [
        f"{B}:8:14: facilities[0]: expected an id of lowercase letters, digits and hyphens (at "
        "most 40), found '..'"]),
    Case("id-absolute", {BOOKLET: edit("editions: [screen]", "editions: [/tmp/screen]")}, [
        f"{B}:7:12: editions[0]: expected an id of lowercase letters, digits and hyphens (at "
        "most 40), found '/tmp/screen'"]),
    Case("id-nul-byte", {BOOKLET: edit("languages: [en]", 'languages: ["en\\0"]')}, [
        f"{B}:5:13: languages[0]: contains the character U+0000 (a control character), which "
        "cannot be printed; delete it (it often comes from copy and paste or a \\ escape)"]),
    Case("shared-id-uppercase", {SHARED: edit("zero-tolerance:", "Zero_Tolerance:")}, [
        "error: content/en/shared.yaml:1:1: Zero_Tolerance: expected an id of lowercase letters, "
        "digits and hyphens (at most 40), found 'Zero_Tolerance'"]),
]
