"""`python build.py schema`: the JSON Schema of each kind of content file, for editors.

    build.py schema                    list the kinds of file and the files each describes
    build.py schema audience           print one schema
    build.py schema --out DIR          write every <kind>.schema.json into DIR
    build.py schema --docs FILE        regenerate FILE's field reference (docs/content-format.md)

The schemas and the reference are made by content/jsonschema.py from the content models.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from booklets.errors import BookletError, Problem


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.description = (
        "JSON Schema (draft-07) of each kind of content file, for an editor's YAML support (completion, hover "
        "help, checks while typing; see docs/content-format.md). KIND prints one; --out writes them all."
    )
    p.add_argument("kind", nargs="?", metavar="KIND", help="booklet, edition, facility, strings, sources, shared, "
                   "audience or releases (default: list them)")
    p.add_argument("--out", type=Path, metavar="DIR", help="write every KIND.schema.json into DIR")
    p.add_argument("--docs", type=Path, metavar="FILE",
                   help="rewrite the generated field reference in FILE (docs/content-format.md)")
    p.add_argument("--debug", action="store_true", help="show tracebacks (for developers)")


def run(args: argparse.Namespace) -> int:
    from booklets.content import jsonschema
    from booklets.engine.output import write_atomic

    if args.kind is not None:
        kind = jsonschema.find_kind(args.kind)
        if kind is None:
            known = ", ".join(k.name for k in jsonschema.KINDS)
            raise BookletError([Problem("command line", message=f"no schema for {args.kind!r}; known: {known}")])
        sys.stdout.write(jsonschema.schema_text(kind))
    if args.out is not None:
        for kind in jsonschema.KINDS:
            write_atomic(args.out / kind.filename, jsonschema.schema_text(kind).encode(), durable=False)
            print(f"wrote {args.out / kind.filename}")
    if args.docs is not None:
        try:
            text = args.docs.read_text(encoding="utf-8")
            new = jsonschema.with_reference(text)
        except (OSError, ValueError) as exc:
            raise BookletError([Problem(str(args.docs), message=str(exc))]) from None
        if new != text:
            write_atomic(args.docs, new.encode(), durable=False)
        print(f"{'wrote' if new != text else 'up to date:'} {args.docs}")
    if args.kind is None and args.out is None and args.docs is None:
        for kind in jsonschema.KINDS:
            print(f"{kind.name:<10} {kind.files}")
        print("print one with `build.py schema KIND`; write them all with `build.py schema --out DIR`")
    return 0
