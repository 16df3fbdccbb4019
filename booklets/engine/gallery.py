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

import html
import json
from collections.abc import Iterable, Mapping
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

    language = project.languages[target.language]
    audience = language.audiences[target.audience]
    facility = project.facilities[target.facility].name
    if isinstance(facility, dict):
        facility = facility.get(
            target.language, facility.get(project.booklet.source_language, target.facility)
        )
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
        "facility": str(facility),
        "language": language_name,
        "revision": project.booklet.revision,
        "effective": project.booklet.effective_date.isoformat(),
        "organisation": project.booklet.organisation,
        "document": project.booklet.document_number,
    }


def manifest(records: Iterable[Record]) -> dict[str, Any]:
    """Per PDF: SHA-256, pages, bytes, the inputs hash of its target, revision (no timestamps)."""
    entries = []
    for r in records:
        target = r.target.split("/")
        for f in r.of_kind("pdf"):
            entries.append(
                {
                    "path": f.path,
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


def _card(r: Record) -> str:
    e = html.escape
    pdf = r.pdf
    covers = r.of_kind("cover")
    m = r.meta
    alt = f"Cover of {m.get('title', r.target)}, {m.get('edition', '')}"
    img = f'<img src="{e(covers[0].path)}" width="160" alt="{e(alt)}">' if covers else ""
    others = "".join(
        f' · <a href="{e(f.path)}">{e(PurePosixPath(f.path).name)}</a>'
        for f in r.of_kind("pdf")[1:]
    )
    lang = e(r.target.split("/")[1])  # the booklet's language, for its title and audience name
    return f"""<li class="booklet">
<a class="cover" href="{e(pdf.path)}">{img}</a>
<h3 lang="{lang}"><a href="{e(pdf.path)}">{e(m.get("title", r.target))}</a></h3>
<p class="for"><span lang="{lang}">{e(m.get("audience", ""))}</span> · {e(m.get("edition", ""))}</p>
<dl>
<dt>Pages</dt><dd>{pdf.pages}</dd>
<dt>Size</dt><dd>{e(human_size(pdf.bytes))}</dd>
<dt>Language</dt><dd>{e(m.get("language", ""))}</dd>
<dt>Edition</dt><dd>{e(m.get("edition", ""))}</dd>
<dt>Revision</dt><dd>{e(m.get("revision", ""))}</dd>
</dl>
<p class="links"><a href="{e(pdf.path)}">PDF</a>{others}
<a class="preview" href="/html/{e(r.target)}.html">· HTML preview</a></p>
</li>"""


_STYLE = """
body { font: 16px/1.4 system-ui, sans-serif; margin: 2rem; color: #1d2433; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; } .doc { margin: 0 0 1.5rem; color: #4a5468; }
h2 { font-size: 1.15rem; border-bottom: 2px solid #e3b23c; padding-bottom: .25rem; }
ul { list-style: none; padding: 0; display: grid; gap: 1.25rem;
     grid-template-columns: repeat(auto-fill, minmax(190px, 1fr)); }
.booklet { border: 1px solid #d5d9e0; border-radius: 6px; padding: .75rem; }
.cover img { display: block; width: 160px; height: auto; border: 1px solid #d5d9e0; }
h3 { font-size: 1rem; margin: .5rem 0 .1rem; } .for { margin: 0 0 .4rem; color: #4a5468; }
dl { display: grid; grid-template-columns: auto 1fr; gap: 0 .6rem; margin: 0; font-size: .9rem; }
dt { color: #4a5468; } dd { margin: 0; } .links { margin: .5rem 0 0; font-size: .9rem; }
.preview { display: none; } html.served .preview { display: inline; }
"""


def index_html(records: list[Record]) -> str:
    """The gallery page: one card per booklet, grouped by facility and language, in plan order."""
    e = html.escape
    first = records[0].meta if records else {}
    groups: dict[tuple[str, str], list[Record]] = {}
    for r in records:
        groups.setdefault((r.meta.get("facility", ""), r.meta.get("language", "")), []).append(r)
    body = "".join(
        f"<section>\n<h2>{e(facility)} — {e(language)}</h2>\n<ul>\n"
        + "\n".join(_card(r) for r in rs)
        + "\n</ul>\n</section>\n"
        for (facility, language), rs in groups.items()
    )
    if not records:
        body = "<p>No booklets built yet: run <code>python build.py</code>.</p>\n"
    title = f"{first.get('organisation', 'Booklets')}: booklets"
    doc = (
        f"{first.get('document', '')}, revision {first.get('revision', '')}, "
        f"effective {first.get('effective', '')}"
        if first
        else ""
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(title)}</title>
<style>{_STYLE}</style>
</head>
<body>
<h1>{e(title)}</h1>
<p class="doc">{e(doc)} · {len(records)} booklets · made by booklets {e(__version__)}</p>
{body}</body>
</html>
"""


def _write_if_changed(path: Path, data: bytes) -> None:
    try:
        if path.read_bytes() == data:
            return
    except OSError:
        pass
    write_atomic(path, data)


def write_report(out_dir: Path, records: Mapping[Target, Record | None]) -> list[Record]:
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
