"""Where things live: the one owner of the project's file layout and of the output folder's layout.

Every path the program reads or writes is spelled here and nowhere else, so a second spelling can
never drift from the first. Project paths are POSIX strings relative to the project root (as
messages show them); output paths are relative to the output folder (`dist/` by default).

    content/booklet.yaml, content/releases.yaml, content/assets/
    content/editions/<edition>.yaml, content/facilities/<facility>.yaml
    content/jurisdictions/<jurisdiction>.yaml
    content/<lang>/{strings,sources,shared,terms}.yaml, content/<lang>/audiences/<audience>.yaml
    templates/

    OUT/<facility>/<lang>/<audience>-<edition>.pdf          a booklet (a target)
    OUT/<facility>/<lang>/<audience>-<edition>-<suffix>.pdf  made from it (imposed sheets)
    OUT/<facility>/<lang>/<audience>-<edition>.cover.png     its gallery thumbnail
    OUT/<facility>/<lang>/<audience>.html                     the web edition's page (format: html)
    OUT/.booklets-cache/<facility>/<lang>/<audience>-<edition>.json   its build record
    OUT/index.html, OUT/manifest.json                         the gallery and manifest
    OUT/personal/, OUT/records/                               personal data: never listed or served

Two targets must never write one file: `collisions` finds every pair that would.
"""

from __future__ import annotations

import posixpath
from collections.abc import Collection, Iterable, Mapping
from pathlib import PurePosixPath

from booklets.plan import Target

# --- the project ---------------------------------------------------------------------------------
CONTENT = "content"
TEMPLATES = "templates"
BOOKLET = "content/booklet.yaml"
RELEASES = "content/releases.yaml"
ASSETS = "content/assets"


def edition_file(edition: str) -> str:
    return f"content/editions/{edition}.yaml"


def facility_file(facility: str) -> str:
    return f"content/facilities/{facility}.yaml"


JURISDICTIONS = "content/jurisdictions"


def jurisdiction_file(jurisdiction: str) -> str:
    return f"{JURISDICTIONS}/{jurisdiction}.yaml"


def language_dir(lang: str) -> str:
    return f"content/{lang}"


def strings_file(lang: str) -> str:
    return f"content/{lang}/strings.yaml"


def sources_file(lang: str) -> str:
    return f"content/{lang}/sources.yaml"


def shared_file(lang: str) -> str:
    return f"content/{lang}/shared.yaml"


def terms_file(lang: str) -> str:
    return f"content/{lang}/terms.yaml"


def audiences_dir(lang: str) -> str:
    return f"content/{lang}/audiences"


def audience_file(lang: str, audience: str) -> str:
    return f"content/{lang}/audiences/{audience}.yaml"


def asset(src: str) -> str:
    return f"{ASSETS}/{src}"


def template(name: str) -> str:
    return f"{TEMPLATES}/{name}"


def renderer_may_read(rel: PurePosixPath) -> bool:
    """Whether a file, by its path inside a folder the renderer may read (templates/,
    content/assets/, the fonts), is one it may read: never a hidden file or folder, an editor's
    backup (`x.css~`) or a cache. The inputs hash and the release hash count exactly these."""
    return not any(p.startswith(".") or p == "__pycache__" for p in rel.parts) and not rel.name.endswith("~")


# --- the output folder -----------------------------------------------------------------------------
CACHE_DIR = ".booklets-cache"
LOCK = ".lock"
GALLERY = "index.html"
MANIFEST = "manifest.json"
STAMP = PurePosixPath(CACHE_DIR, "last-build.json")
PERSONAL = "personal"  # acknowledgement packets: personal data
RECORDS = "records"  # scanned sign-off sheets read back: personal data
PRIVATE = (CACHE_DIR, PERSONAL, RECORDS)  # never listed in the gallery, never served by `serve`


def _stem(target: Target) -> str:
    return f"{target.audience}-{target.edition}"


def booklet_pdf(target: Target) -> PurePosixPath:
    """The booklet a target renders: `<facility>/<lang>/<audience>-<edition>.pdf`."""
    return PurePosixPath(target.facility, target.language, f"{_stem(target)}.pdf")


def derived_pdf(target: Target, suffix: str) -> PurePosixPath:
    """A PDF made from the target's render, e.g. imposed sheets: `<audience>-<edition>-<suffix>.pdf`."""
    return PurePosixPath(target.facility, target.language, f"{_stem(target)}-{suffix}.pdf")


def cover_png(target: Target) -> PurePosixPath:
    """The gallery thumbnail beside its PDF: `staff-print.pdf` -> `staff-print.cover.png`."""
    return PurePosixPath(target.facility, target.language, f"{_stem(target)}.cover.png")


def web_page(target: Target) -> PurePosixPath:
    """The web edition's page: `<facility>/<lang>/<audience>.html`, the address a reader is given.

    Without the edition in its name, so a booklet has one web address whatever the web edition is
    called; two web editions would write the same page, which `collisions` reports.
    """
    return PurePosixPath(target.facility, target.language, f"{target.audience}.html")


def link(source: PurePosixPath, destination: PurePosixPath) -> str:
    """A relative URL from one output file to another (pages link to each other this way, so
    the output folder works from disk, from a USB stick and from any web server path)."""
    return posixpath.relpath(destination.as_posix(), posixpath.dirname(source.as_posix()) or ".")


def record_file(target: Target) -> PurePosixPath:
    """The target's build record in the cache."""
    return PurePosixPath(CACHE_DIR, target.facility, target.language, f"{_stem(target)}.json")


def preview_name(target: Target) -> str:
    """How `serve` names a target's HTML preview: `/html/<facility>/<lang>/<audience>-<edition>.html`."""
    return f"{target.facility}/{target.language}/{_stem(target)}"


def outputs(target: Target, derived: Iterable[str] = (), web: bool = False) -> list[PurePosixPath]:
    """Every file a target writes: its PDF, PDFs made from it, thumbnail, record; or, for a web
    edition (`web`), its page and record."""
    if web:
        return [web_page(target), record_file(target)]
    return [booklet_pdf(target), *(derived_pdf(target, s) for s in derived), cover_png(target),
            record_file(target)]


def parse_booklet(rel: PurePosixPath, editions: Iterable[str]) -> Target | None:
    """The target whose booklet PDF is at `rel` (relative to the output folder), if any.

    Editions are tried longest first, so `staff-large-print.pdf` is edition `large-print`, not an
    audience `staff-large` of edition `print`; `collisions` guarantees the answer is unique.
    """
    parts = rel.parts
    if len(parts) != 3 or not parts[2].endswith(".pdf"):
        return None
    for edition in sorted(editions, key=len, reverse=True):
        suffix = f"-{edition}.pdf"
        if parts[2].endswith(suffix) and len(parts[2]) > len(suffix):
            return Target(parts[0], parts[1], parts[2][: -len(suffix)], edition)
    return None


def collisions(targets: Iterable[Target], derived: Mapping[str, Iterable[str]],
               web: Collection[str] = ()) -> list[tuple[PurePosixPath, Target, Target]]:
    """Every output file two targets would both write: (file, first target, second target).

    `derived` maps an edition to the suffixes of the PDFs made from its render; `web` names the
    editions whose booklet is a web page. Audience `staff` with edition `print-screen` and audience
    `staff-print` with edition `screen` both write `staff-print-screen.pdf`; an edition
    `print-imposed` writes the print edition's imposed sheets; two web editions write one page.
    """
    owner: dict[PurePosixPath, Target] = {}
    found = []
    for target in targets:
        for path in outputs(target, derived.get(target.edition, ()), target.edition in web):
            first = owner.setdefault(path, target)
            if first != target:
                found.append((path, first, target))
    return found
