"""Build report: dist/index.html (a gallery of every booklet) and dist/manifest.json.

Both are made from the build records (cache.py), not from the content, so writing them costs no
parsing and a merged output folder (shards built on several machines, copied together) gets one
gallery of everything it holds.

Cover thumbnails are page 1 of each PDF rasterised with pypdfium2 (PDFium in a wheel: no system
package, about 20 ms a page). WeasyPrint 70 cannot rasterise, and rendering the cover HTML a
second time would cost far more and could drift from what the PDF shows.

The gallery is one self-contained HTML file with relative links, readable straight from disk;
`serve` adds live reload and links to each booklet's HTML preview (hidden until then).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from booklets import __version__, paths
from booklets.engine.cache import Record, file_unchanged
from booklets.engine.output import write_atomic
from booklets.plan import Target

if TYPE_CHECKING:
    from booklets.content.project import Project



def human_size(size: int) -> str:
    """1234567 -> '1.2 MB'."""
    value = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{size} B"  # pragma: no cover


def describe(project: Project, target: Target) -> dict[str, str]:
    """What the gallery shows about a target, taken from the validated content at render time."""
    from babel import Locale

    from booklets.content.markup import LANG_RE
    from booklets.content.project import placeholders

    def shown(value: Any) -> str:  # one language's text, a `[phrase]{lang=xx}` mark as its words
        return LANG_RE.sub(r"\1", str(project.local(value, target.language)))

    language = project.languages[target.language]
    audience = language.audiences[target.audience]
    facility = shown(project.facilities[target.facility].name)
    try:
        language_name = (
            Locale.parse(target.language).get_display_name(target.language) or target.language
        )
    except (ValueError, LookupError):
        language_name = target.language
    return {
        "audience_id": target.audience,
        "edition_id": target.edition,
        "title": audience.title,
        "audience": audience.name,
        "edition": project.editions[target.edition].name,
        "facility": facility,
        "language": language_name,
        "revision": project.booklet.revision,
        "effective": project.booklet.effective_date.isoformat(),
        "organisation": shown(project.booklet.organisation),
        "document": project.booklet.document_number,
        # Not ready for readers: the gallery flags the booklet and calls the build a draft.
        "placeholders": str(len(placeholders(project, {target.facility}))),
        "fallbacks": str(_fallbacks(project, target)),
    }


def _fallbacks(project: Project, target: Target) -> int:
    """Missing translations a --draft build filled from the source language in this booklet."""
    own = paths.language_dir(target.language) + "/"
    sites = {paths.facility_file(target.facility), *(paths.jurisdiction_file(j) for j in project.jurisdictions)}
    return sum(
        "missing translation" in w.message
        and (w.file.startswith(own) or (w.file in sites and w.message.startswith(f"no {target.language!r} text")))
        for w in project.warnings
    )


def manifest(records: Iterable[Record]) -> dict[str, Any]:
    """Per PDF (and web page): SHA-256, pages, bytes, the inputs hash of its target, revision (no
    timestamps); `format` says which it is."""
    entries = []
    for r in records:
        target = r.target.split("/")
        for f in r.booklets():
            entries.append(
                {
                    "path": f.path,
                    "format": f.kind,
                    "target": r.target,
                    "facility": target[0],
                    "language": target[1],
                    "audience": r.meta.get("audience_id", ""),
                    "edition": r.meta.get("edition_id", ""),
                    "revision": r.meta.get("revision", ""),
                    "sha256": f.sha256,
                    "pages": f.pages,
                    "bytes": f.bytes,
                    "inputs": r.inputs,
                }
            )
    return {"generator": f"booklets {__version__}", "booklets": entries}


def _card(r: Record) -> dict[str, Any]:
    m = r.meta
    covers = r.of_kind("cover")
    main, *others = r.booklets()
    return {
        "target": r.target,
        "lang": r.target.split("/")[1],  # the booklet's language, for its title and audience name
        "href": main.path,
        "format": main.kind,  # "pdf", or "html" for a web edition's page
        "cover": covers[0].path if covers else "",
        "title": m.get("title", r.target),
        "audience": m.get("audience", ""),
        "edition": m.get("edition", ""),
        "language": m.get("language", ""),
        "revision": m.get("revision", ""),
        "pages": main.pages,
        "size": human_size(main.bytes),
        "others": [{"path": f.path, "name": PurePosixPath(f.path).name} for f in others],
        "placeholders": int(m.get("placeholders", "0")),
        "fallbacks": int(m.get("fallbacks", "0")),
    }


def index_html(records: list[Record]) -> str:
    """The gallery page: one card per booklet, grouped by facility and language, in plan order."""
    first = records[0].meta if records else {}
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in records:
        groups.setdefault((r.meta.get("facility", ""), r.meta.get("language", "")), []).append(_card(r))
    document = (f"{first.get('document', '')}, revision {first.get('revision', '')}, "
                f"effective {first.get('effective', '')}") if first else ""
    cards = [c for g in groups.values() for c in g]
    return str(_template().render(
        title=f"{first.get('organisation', 'Booklets')}: booklets",
        document=document,
        count=len(records),
        with_placeholders=sum(1 for c in cards if c["placeholders"]),
        with_fallbacks=sum(1 for c in cards if c["fallbacks"]),
        version=__version__,
        groups=[{"facility": f, "language": language, "lang": cards[0]["lang"], "cards": cards}
                for (f, language), cards in groups.items()],
    ))


@cache
def _template() -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("booklets.engine", "templates"),
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return env.get_template("gallery.html.j2")


def _write_if_changed(path: Path, data: bytes) -> None:
    try:
        if path.read_bytes() == data:
            return
    except OSError:
        pass
    write_atomic(path, data)


def write_gallery(out_dir: Path, records: Mapping[Target, Record | None]) -> list[Record]:
    """Write index.html and manifest.json for every target whose files are all in place.

    `records` is every target of the whole matrix in plan order (not only this build's selection or
    shard), so the report always describes the whole output folder.
    """
    present = [
        r
        for r in records.values()
        if r is not None and all(file_unchanged(out_dir, f) for f in r.files)
    ]
    _write_if_changed(
        out_dir / paths.MANIFEST, (json.dumps(manifest(present), indent=2) + "\n").encode()
    )
    _write_if_changed(out_dir / paths.GALLERY, index_html(present).encode())
    return present
