"""`python build.py new facility NAME` and `new language CODE`: the files a new site or language
needs, written so that a person who has never read the schema only fills in blanks.

* `new facility NAME [--jurisdiction ID]` writes content/facilities/NAME.yaml with every field of
  the facility schema present, each under a comment (its field documentation) and every value
  tagged `!placeholder`, so a build shows the site at once, warns about each value left, and
  `--release` refuses them. The text readers see is written per language of booklet.yaml.
* `new language CODE` writes content/CODE/ with every file of the source language (strings,
  sources, shared sections, one file per audience): the source text, every line commented out
  under a header saying how to translate it. A commented-out file is an untranslated one, so a
  `--draft` build works at once, the source text standing in, marked [EN] (content/i18n.py).

Both add the new id to its list in content/booklet.yaml by editing the text where the list is
written, so the file's comments and layout stay as they were. Nothing is overwritten: a file or
folder that exists already is an error, and every check is made before the first file is written.
"""

from __future__ import annotations

import argparse
import json
import typing
from pathlib import Path

from booklets import paths
from booklets.content.yamlload import YList, YMap, load_yaml
from booklets.engine.output import write_atomic
from booklets.errors import BookletError, Problem

# The hint each placeholder shows until the real value replaces it (what to write there).
_HINTS: dict[str, str | list[str]] = {
    "name": "Name of the site",
    "address": ["Name of the site", "Street and number", "Town and postcode"],
    "calls_monitored": "Whether calls to these lines are recorded or listened to",
}
_CONTACT_HINTS: dict[str, str | list[str]] = {
    "name": "Who answers",
    "phone": "Phone number",
    "hours": "When the line is open",
    "address": ["Name or office", "Street and number", "Town and postcode"],
    "email": "name@example.org",
    "website": "www.example.org",
    "note": "One more line, e.g. that calls are free",
}
# Contact parts written commented out (what every card needs is written as a value).
_CONTACT_OPTIONAL = ("address", "email", "website", "note")
# Values written once for every language (a number or address reads the same in each).
_SAME_IN_EVERY_LANGUAGE = ("phone", "email", "website")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.description = (
        "Start a new facility or language: write its files with every value to fill in marked, and add it "
        "to content/booklet.yaml (comments kept). Then build with --draft to see it."
    )
    sub = p.add_subparsers(dest="what", metavar="WHAT", required=True)
    facility = sub.add_parser(
        "facility", help="content/facilities/NAME.yaml with every field, each value a !placeholder")
    facility.add_argument("name", metavar="NAME", help="the facility's id: lowercase letters, digits, hyphens")
    facility.add_argument(
        "--jurisdiction", metavar="ID",
        help="where the site is, one of content/jurisdictions/ (required when there are several)")
    language = sub.add_parser(
        "language", help="content/CODE/ with every file of the source language, commented out to translate")
    language.add_argument("code", metavar="CODE", help="the language code, e.g. fr or pt-br")
    for command in (facility, language):
        command.add_argument("--project", type=Path, default=Path("."),
                             help="project folder holding content/ (default: current folder)")
        command.add_argument("--debug", action="store_true", help="show tracebacks (for developers)")


def run(args: argparse.Namespace) -> int:
    root = args.project.resolve()
    if args.what == "facility":
        written = new_facility(root, args.name, args.jurisdiction)
        print(f"wrote {written}: replace each !placeholder value with the site's real one")
        print(f"added {args.name!r} to {paths.BOOKLET}; see it with "
              f"`python build.py --facility {args.name}` (a build warns while placeholders remain)")
    else:
        files = new_language(root, args.code)
        print(f"wrote {len(files)} files in {paths.language_dir(args.code)}/: translate each, uncommenting as you go")
        print(f"added {args.code!r} to {paths.BOOKLET}; see it now with `python build.py --lang {args.code} --draft` "
              "(the source text stands in, marked)")
    return 0


# --- booklet.yaml --------------------------------------------------------------------------------


def _booklet(root: Path) -> tuple[str, YMap]:
    """booklet.yaml's text and data; a file the loader refuses is reported as the build would."""
    path = root / paths.BOOKLET
    if not path.is_file():
        raise BookletError([Problem(paths.BOOKLET, message="not found; run from the project folder or pass --project")])
    doc, problems = load_yaml(path, root)
    if doc is None or problems:
        raise BookletError(problems)
    if not isinstance(doc.data, YMap):
        raise BookletError([Problem(paths.BOOKLET, 1, 1, "", "expected a mapping; fix it, then run this again")])
    return path.read_text(encoding="utf-8"), doc.data


def _list_of(data: YMap, key: str) -> YList:
    value = data.get(key)
    if not isinstance(value, YList):
        line, column = data.key_pos.get(key, (1, 1))
        raise BookletError([Problem(paths.BOOKLET, line, column, key, "expected a list of ids; fix it first")])
    return value


def add_to_list(text: str, items: YList, item: str) -> str:
    """`text` with `item` appended to the YAML list `items` where it is written: a flow list
    `[a, b]` becomes `[a, b, item]`, a block list gets a line `- item` after its last entry.
    Everything else (comments, spacing, order) is kept as it was."""
    lines = text.splitlines(keepends=True)
    start = sum(len(line) for line in lines[: items.line - 1]) + items.column - 1
    if text[start] == "[":
        end = text.index("]", start)
        inner = text[start + 1 : end]
        joined = f"{inner.rstrip()}, {item}" if inner.strip() else item
        return text[: start + 1] + joined + text[end:]
    last_line = items.item_pos[-1][0]  # an entry is one id: its line is the entry's last
    indent = " " * (items.column - 1)
    insert = sum(len(line) for line in lines[:last_line])
    newline = "" if text[:insert].endswith("\n") else "\n"
    return text[:insert] + newline + f"{indent}- {item}\n" + text[insert:]


def _refuse(problems: list[Problem]) -> None:
    if problems:
        raise BookletError(problems)


def _outside(root: Path, rel: str) -> list[Problem]:
    """Never write through a link: the folder a new file goes in must be the project's own."""
    folder = (root / rel).parent
    while not folder.exists():
        folder = folder.parent
    if folder.resolve().is_relative_to((root / paths.CONTENT).resolve()) and not (root / paths.CONTENT).is_symlink():
        return []
    return [Problem(rel, message="would be written through a link to a folder outside content/; "
                    "replace the link with a folder")]


# --- facility ------------------------------------------------------------------------------------


def _quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar


def _placeholder(hint: str, languages: list[str] | None) -> str:
    """`!placeholder "hint"`, or one per language: `{en: !placeholder "hint", es: ...}`."""
    if languages is None:
        return f"!placeholder {_quoted(hint)}"
    return "{" + ", ".join(f"{lang}: !placeholder {_quoted(hint)}" for lang in languages) + "}"


def _comment(text: str, indent: str) -> list[str]:
    return [f"{indent}# {line}".rstrip() for line in text.splitlines()] if text else []


def _field_lines(model: type, field: str, value: str | list[str], indent: str, languages: list[str]) -> list[str]:
    """One field: its documentation as a comment, then the field with placeholder values."""
    from booklets.content.jsonschema import description

    lines = _comment(description(model, field), indent)
    per_language = None if field in _SAME_IN_EVERY_LANGUAGE else languages
    if isinstance(value, list):
        lines.append(f"{indent}{field}:")
        lines += [f"{indent}  - {_placeholder(hint, per_language)}" for hint in value]
    else:
        lines.append(f"{indent}{field}: {_placeholder(value, per_language)}")
    return lines


def _roles() -> list[str]:
    from booklets.content.fieldtypes import Role

    literal = typing.get_args(Role)[0]
    return list(typing.get_args(literal))


def facility_yaml(fid: str, jurisdiction: str | None, languages: list[str], known: list[str],
                  required: dict[str, list[str]] | None = None) -> str:
    """The text of a new facility file: every field of the schema, documented, to fill in.
    `required`: per role, the parts the jurisdiction requires (written as values, never commented)."""
    from booklets.content.schema import Contact, Facility

    role_names = {"internal_line": "reporting line inside the site", "safeguarding_lead": "safeguarding lead",
                  "outside_body": "outside reporting body", "support_line": "confidential support line",
                  "family_line": "line for families", "staff_support": "staff support"}
    lines = [
        f"# {paths.facility_file(fid)}, written by `python build.py new facility {fid}`.",
        "# Every value tagged !placeholder is a blank to fill in: write the site's real detail in its",
        "# place and remove the tag. A build warns while any remain (`python build.py check` lists each",
        "# with its line); `python build.py --release` refuses them. Text readers see is written per",
        f"# language ({', '.join(f'{lang}: ...' for lang in languages)}); docs/content-format.md has every field.",
        "",
    ]
    for field in Facility.model_fields:
        if field == "jurisdiction":
            from booklets.content.jsonschema import description

            lines += _comment(description(Facility, field), "")
            if jurisdiction is not None:
                lines.append(f"jurisdiction: {jurisdiction}" + (f"   # one of: {', '.join(known)}" if known else ""))
            else:
                lines.append("# jurisdiction:   (this project has none in content/jurisdictions/)")
        elif field == "contacts":
            from booklets.content.jsonschema import description

            lines += _comment(description(Facility, field), "")
            lines.append("contacts:")
            lines += ["# Each contact's optional parts are written commented out: uncomment the ones the site",
                      "# has. The back cover shows every card on one page, and every part of all six would",
                      "# not fit (the build says so, naming this file)."]
            for role in _roles():
                lines.append(f"  {role}:")
                for part in Contact.model_fields:
                    hint = _CONTACT_HINTS.get(part, part)
                    if part == "name":
                        hint = f"Name of the {role_names.get(role, role)}"
                    written = _field_lines(Contact, part, hint, "    ", languages)
                    if part in _CONTACT_OPTIONAL and part not in (required or {}).get(role, []):
                        written = [line if line.lstrip().startswith("#") else "    # " + line[4:] for line in written]
                    lines += written
        else:
            lines += _field_lines(Facility, field, _HINTS.get(field, field), "", languages)
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _required_parts(root: Path, jurisdiction: str) -> dict[str, list[str]]:
    """The jurisdiction file's `contacts:` (what each role must give there), read safely; a file
    the build would refuse gives none here (the build then says what is wrong with it)."""
    from booklets.content.yamlload import load_yaml

    doc, problems = load_yaml(root / paths.jurisdiction_file(jurisdiction), root.resolve())
    data = doc.data if doc is not None and not problems else None
    contacts = data.get("contacts") if isinstance(data, dict) else None
    if not isinstance(contacts, dict):
        return {}
    return {str(role): [str(p) for p in parts] for role, parts in contacts.items() if isinstance(parts, list)}


def new_facility(root: Path, fid: str, jurisdiction: str | None = None) -> str:
    """Write content/facilities/FID.yaml and add FID to booklet.yaml; returns the file written."""
    from booklets.content.fieldtypes import IDENT_RE

    text, data = _booklet(root)
    facilities = _list_of(data, "facilities")
    languages = [str(x) for x in _list_of(data, "languages")]
    rel = paths.facility_file(fid) if IDENT_RE.match(fid) else ""
    known = sorted(p.stem for p in (root / paths.JURISDICTIONS).glob("*.yaml"))
    problems = []
    if not rel:
        problems.append(Problem("command line", message=f"NAME {fid!r} is not an id: use lowercase letters, digits "
                                "and hyphens (at most 40), e.g. north-prison"))
    elif (root / rel).exists() or (root / rel).is_symlink():
        problems.append(Problem(rel, message="exists already; edit it, or choose another NAME"))
    if fid in facilities:
        problems.append(Problem.at(facilities[facilities.index(fid)], f"facility {fid!r} is listed already",
                                   file=paths.BOOKLET))
    if jurisdiction is None and len(known) == 1:
        jurisdiction = known[0]
    elif jurisdiction is None and known:
        problems.append(Problem("command line", message=f"--jurisdiction is required: one of {', '.join(known)}"))
    elif jurisdiction is not None and jurisdiction not in known:
        problems.append(Problem("command line", message=f"--jurisdiction {jurisdiction!r} has no file "
                                f"{paths.jurisdiction_file(jurisdiction)}; known: {', '.join(known) or 'none'}"))
    _refuse(problems or _outside(root, rel))
    required = _required_parts(root, jurisdiction) if jurisdiction is not None else {}
    write_atomic(root / rel, facility_yaml(fid, jurisdiction, languages, known, required).encode("utf-8"))
    write_atomic(root / paths.BOOKLET, add_to_list(text, facilities, fid).encode("utf-8"))
    return rel


# --- language ------------------------------------------------------------------------------------


def _language_name(code: str) -> str:
    from babel import Locale, UnknownLocaleError

    try:
        return Locale.parse(code.replace("-", "_")).get_display_name("en") or code
    except (UnknownLocaleError, ValueError):
        return ""


def commented_copy(source_rel: str, source_text: str, code: str, source_lang: str) -> str:
    """A translation file not started yet: the source text, every line commented out."""
    name, source_name = _language_name(code) or code, _language_name(source_lang) or source_lang
    header = [
        f"# {name} ({code}) translation of {source_rel}, written by `python build.py new language {code}`.",
        f"# Below is the {source_name} text with every line commented out. To translate a part, uncomment",
        "# it with the keys above it (keep the keys, ids and `include:` lines as they are) and write the",
        f"# {name} text. Whatever is still commented out is untranslated: a build lists it, and",
        f"# `python build.py --draft` shows the {source_name} text in its place, marked [{source_lang.upper()}].",
        "",
    ]
    body = [f"# {line}".rstrip() if line.strip() else "#" for line in source_text.splitlines()]
    return "\n".join(header + body) + "\n"


def new_language(root: Path, code: str) -> list[str]:
    """Write content/CODE/ from the source language and add CODE to booklet.yaml; the files."""
    from booklets.content.fieldtypes import IDENT_RE

    text, data = _booklet(root)
    languages = _list_of(data, "languages")
    source_lang = str(data.get("source_language") or "en")
    problems = []
    if not IDENT_RE.match(code) or not _language_name(code):
        problems.append(Problem("command line", message=f"CODE {code!r} is not a language code Babel knows; use "
                                "one such as fr, pt or pt-br"))
    elif (root / paths.language_dir(code)).exists():
        problems.append(Problem(paths.language_dir(code) + "/", message="exists already; translate the files "
                                "in it, or remove it to start again"))
    if code in languages:
        problems.append(Problem.at(languages[languages.index(code)], f"language {code!r} is listed already",
                                   file=paths.BOOKLET))
    source_dir = root / paths.language_dir(source_lang)
    if not source_dir.is_dir():
        problems.append(Problem(paths.language_dir(source_lang) + "/", message="the source language has no "
                                "folder to translate from"))
    _refuse(problems or _outside(root, paths.strings_file(code)))
    # The terminology list is each language's own, not a translation (content/load.py): not copied.
    own = {paths.terms_file(source_lang)}
    written = []
    for path in sorted(source_dir.rglob("*.yaml")):
        source_rel = path.relative_to(root).as_posix()
        if source_rel in own or path.is_symlink():
            continue
        rel = f"{paths.language_dir(code)}/{path.relative_to(source_dir).as_posix()}"
        text_of = commented_copy(source_rel, path.read_text(encoding="utf-8"), code, source_lang)
        write_atomic(root / rel, text_of.encode("utf-8"))
        written.append(rel)
    write_atomic(root / paths.BOOKLET, add_to_list(text, languages, code).encode("utf-8"))
    return written
