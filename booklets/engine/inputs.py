"""What each target depends on, and one hash over it, computed without parsing content.

A target (facility, language, audience, edition) reads:

* everyone's: content/booklet.yaml, every file under templates/ and content/assets/ (the only
  folders the renderer may read, besides the font package: render/pdf.py ProjectFetcher), the
  font files, the booklets package's own files, and what else can change the bytes of a PDF: the
  versions of the Python libraries that render and write it, the system libraries WeasyPrint
  lays out text with (Pango, HarfBuzz, fontconfig, FreeType...), Python's and zlib's versions;
* its edition's content/editions/<e>.yaml, its facility's content/facilities/<f>.yaml and that
  facility's jurisdiction, content/jurisdictions/<j>.yaml (its words and role names are printed);
* its language's content/<lang>/strings.yaml, sources.yaml and shared.yaml;
* its own content/<lang>/audiences/<a>.yaml;
* the build options that change what is written.

The rule for which files of a folder count is the renderer's own rule for which it may read
(paths.renderer_may_read: no hidden files or folders, no editor backups), and linked folders are
followed as the renderer follows them, so nothing the renderer can read is missing from the hash.
Each file is hashed by its bytes (a missing file hashes as missing, so creating it counts as a
change). So editing one audience file changes the hash of that audience's targets only, editing
shared.yaml changes that language's, and editing a template changes every target.

Only content/booklet.yaml is parsed here, for the four lists of the matrix, and each facility file
for its `jurisdiction:`, both with the project's safe loader: this module must stay cheap to
import (no schema, no Jinja, no WeasyPrint), because a build with nothing to do is this module, a
few stat calls and a table.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import os
import re
import stat
import sys
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from booklets import paths
from booklets.plan import Target

# A value that could end up in a path; anything else sends the caller to the full schema check.
_SAFE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
# Libraries whose version changes the bytes a target writes (module, distribution), found without
# importing them: the renderer and what it uses (text, CSS, HTML, images, hyphenation, fonts), the
# PDF writers, and what turns content into HTML (templates, Markdown, dates) and thumbnails.
_RENDER_LIBRARIES = (
    ("weasyprint", "weasyprint"), ("pydyf", "pydyf"), ("fontTools", "fonttools"),
    ("pikepdf", "pikepdf"), ("tinycss2", "tinycss2"), ("cssselect2", "cssselect2"),
    ("tinyhtml5", "tinyhtml5"), ("pyphen", "pyphen"), ("PIL", "pillow"), ("jinja2", "jinja2"),
    ("markupsafe", "markupsafe"), ("markdown_it", "markdown_it_py"), ("mdurl", "mdurl"),
    ("babel", "babel"), ("yaml", "pyyaml"), ("pydantic", "pydantic"),
    ("pydantic_core", "pydantic_core"), ("pypdfium2", "pypdfium2"),
)
# The C libraries WeasyPrint lays out text with (render/pdf.py: fonts are subset by fontTools, so
# HarfBuzz-subset is not among them). Each is named by the file its soname links to, which carries
# its version (libharfbuzz.so.0 -> libharfbuzz.so.0.60000.0), and that file's size.
_SYSTEM_LIBRARIES = ("libpango-1.0.so.0", "libpangoft2-1.0.so.0", "libharfbuzz.so.0",
                     "libfontconfig.so.1", "libfreetype.so.6", "libfribidi.so.0",
                     "libglib-2.0.so.0", "libgobject-2.0.so.0")
_LIBRARY_DIRS = ["/lib", "/usr/lib", "/lib64", "/usr/lib64", "/usr/local/lib"]
_PACKAGE = Path(__file__).resolve().parents[1]  # the booklets package


@dataclass(frozen=True)
class RawMatrix:
    """The four lists of content/booklet.yaml as written, read without the schema."""

    languages: tuple[str, ...]
    audiences: tuple[str, ...]
    editions: tuple[str, ...]
    facilities: tuple[str, ...]
    source_language: str = "en"


def read_matrix(root: Path) -> RawMatrix | None:
    """The matrix from content/booklet.yaml, or None when it needs the full check to explain it.

    None covers every oddity (missing file, YAML error, a list that is not a list of plain ids):
    the caller then loads the project, which reports the problem with file, line and key.
    """
    from booklets.content.yamlload import load_yaml

    # The project's own loader, even on this fast path: it never expands aliases (a "billion
    # laughs" file), reads at most 1 MiB, stops at 40 levels and constructs no dates (PyYAML's
    # loader raises ValueError on 2026-13-45). Any problem: the full check explains it.
    path = root / paths.BOOKLET
    if not path.is_file():
        return None
    doc, problems = load_yaml(path, root.resolve())
    if doc is None or problems:
        return None
    data = doc.data
    if not isinstance(data, dict):
        return None
    lists: list[tuple[str, ...]] = []
    for key in ("languages", "audiences", "editions", "facilities"):
        value = data.get(key)
        if not isinstance(value, list) or not value:
            return None
        # A value YAML tools would read as a number or boolean (`no`) is for the schema to refuse.
        if not all(isinstance(v, str) and not getattr(v, "coerced_to", "") and _SAFE_ID.match(v)
                   for v in value):
            return None
        lists.append(tuple(value))
    source = data.get("source_language", "en")
    if not isinstance(source, str) or not _SAFE_ID.match(source):
        return None
    languages, audiences, editions, facilities = lists
    return RawMatrix(languages, audiences, editions, facilities, source_language=source)


def facility_jurisdiction(root: Path, facility: str) -> str | None:
    """The `jurisdiction:` a facility file names, read without the schema (None: none, or a file
    the full check must explain; a target then depends on every jurisdiction file)."""
    from booklets.content.yamlload import load_yaml

    path = root / paths.facility_file(facility)
    if not path.is_file():
        return None
    doc, problems = load_yaml(path, root.resolve())
    data = doc.data if doc is not None and not problems else None
    value = data.get("jurisdiction") if isinstance(data, dict) else None
    return str(value) if isinstance(value, str) and _SAFE_ID.match(value) else None


def _digest(path: Path, root: Path | None = None, text: bool = False) -> str:
    """The file's SHA-256. A project file (`root` given) that is a link to somewhere outside the
    project is never read (the content check refuses it anyway), nor is a device or FIFO: a link
    to /dev/zero must not hang the build, nor a secret file's bytes be read for a hash.
    `text`: line ends normalised (a CRLF checkout is the same content), for the release hash."""
    try:
        if root is not None:
            real = path.resolve()
            homes = (root, root / paths.CONTENT, root / paths.TEMPLATES)
            if not any(real.is_relative_to(home.resolve()) for home in homes):
                return f"outside:{real}"
        if not stat.S_ISREG(path.stat().st_mode):
            return "special"
        data = path.read_bytes()
        if text and b"\0" not in data:
            data = data.replace(b"\r\n", b"\n")
        return hashlib.sha256(data).hexdigest()
    except FileNotFoundError:
        return "missing"
    except OSError as exc:  # a folder, or unreadable: the full content check says what is wrong
        return f"unreadable ({exc.strerror})"


def _walk(folder: Path, within: Path) -> tuple[list[Path], list[Path]]:
    """Every file under `folder` the renderer may read, linked folders inside `within` followed
    (once each), in sorted order; hidden files and folders, editor backups and caches are left out.
    Also the linked folders that lead outside `within`: never walked (a link to / must not make a
    build walk the disk), but counted, as the link they are."""
    found: list[Path] = []
    outside: list[Path] = []
    seen: set[str] = set()
    home = os.path.realpath(within)
    for current, dirs, files in os.walk(folder, followlinks=True):
        real = os.path.realpath(current)
        if real in seen:  # a link back up the tree
            dirs[:] = []
            continue
        seen.add(real)
        rel = PurePosixPath(Path(current).relative_to(folder).as_posix())
        kept = []
        for d in sorted(d for d in dirs if paths.renderer_may_read(rel / d)):
            target = os.path.realpath(os.path.join(current, d))
            if os.path.commonpath([home, target]) == home:
                kept.append(d)
            else:
                outside.append(Path(current, d))
        dirs[:] = kept
        found += [Path(current, f) for f in files if paths.renderer_may_read(rel / f)]
    return sorted(found), sorted(outside)


def _tree(root: Path, folder: Path, project: Path | None = None, text: bool = False) -> dict[str, str]:
    """Every readable file under `folder`, by path relative to `root`.
    `project`: the project root, when the folder is the project's (see _digest)."""
    if not folder.is_dir():
        return {}
    if project is not None and not folder.resolve().is_relative_to(project.resolve()):
        return {folder.relative_to(root).as_posix(): f"outside:{folder.resolve()}"}  # a link out
    files, outside = _walk(folder, project if project is not None else folder)
    tree = {path.relative_to(root).as_posix(): _digest(path, project, text) for path in files}
    tree.update({path.relative_to(root).as_posix(): f"outside:{path.resolve()}" for path in outside})
    return tree


def project_files(root: Path, folders: Iterable[str], text: bool = False) -> dict[str, str]:
    """Every file the renderer may read under these project folders, hashed (for release.py)."""
    out: dict[str, str] = {}
    for folder in folders:
        out.update(_tree(root, root / folder, root, text))
    return out


def _package_dir(name: str) -> Path | None:
    """Where an installed package lives, found without importing it."""
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent


def _font_files() -> dict[str, str]:
    from booklets.render.fonts import font_dir  # light: no WeasyPrint

    try:
        fonts = font_dir()
    except ImportError:
        return {"fonts": "missing"}
    return {f"fonts/{k}": v for k, v in _tree(fonts, fonts).items()}


def environment_inputs() -> dict[str, str]:
    """What every target reads from outside the project: fonts, code, libraries and their versions."""
    files = _font_files()
    files.update(code_files())
    for module, dist in _RENDER_LIBRARIES:
        files[f"lib/{module}"] = _installed_version(module, dist)
    files.update(system_libraries())
    files["python"] = f"{sys.version_info[:3]} zlib {zlib.ZLIB_RUNTIME_VERSION}"
    return files


def _shared_inputs(root: Path) -> dict[str, str]:
    """What every target reads: booklet.yaml, templates, assets, and the environment."""
    files = {paths.BOOKLET: _digest(root / paths.BOOKLET, root)}
    files.update(_tree(root, root / paths.TEMPLATES, root))
    files.update(_tree(root, root / paths.ASSETS, root))
    files.update(environment_inputs())
    return files


def code_files() -> dict[str, str]:
    """Every file of the booklets package, subpackages included, by its path in the package: an
    edit anywhere in the code makes every target stale (a flat glob would miss the subpackages)."""
    return {
        f"booklets/{p.relative_to(_PACKAGE).as_posix()}": _digest(p)
        for p in sorted(_PACKAGE.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts and p.suffix not in (".pyc", ".pyo")
    }


def system_libraries() -> dict[str, str]:
    """Each C library WeasyPrint lays out text with, as the file it is installed as (its version)
    and that file's size: a distribution update that changes line breaks makes targets stale."""
    if not sys.platform.startswith("linux"):
        return {"system": sys.platform}  # pragma: no cover - found by other names elsewhere
    found: dict[str, str] = {}
    dirs = _library_dirs()
    for name in _SYSTEM_LIBRARIES:
        found[f"system/{name}"] = "missing"
        for folder in dirs:
            path = os.path.join(folder, name)
            if os.path.exists(path):
                real = os.path.realpath(path)
                found[f"system/{name}"] = f"{os.path.basename(real)} {os.path.getsize(real)}"
                break
    return found


def _library_dirs() -> list[str]:
    """Where the dynamic loader looks: /etc/ld.so.conf's folders first, then the usual ones."""
    dirs: list[str] = []
    for conf in sorted(Path("/etc/ld.so.conf.d").glob("*.conf")):
        try:
            lines = conf.read_text(errors="replace").splitlines()
        except OSError:
            continue
        dirs += [line.strip() for line in lines if line.strip().startswith("/")]
    return dirs + _LIBRARY_DIRS


def _installed_version(module: str, dist: str) -> str:
    """`weasyprint-70.0.dist-info`: the installed distribution's folder names its version (read
    without importing the package or importlib.metadata, which scans every installed package)."""
    found = _distributions().get(dist.lower().replace("-", "_"))
    if found is not None:
        return found
    where = _package_dir(module)
    # Not installed from a wheel (a source checkout): its __init__ still changes with the code.
    return "missing" if where is None else _digest(where / "__init__.py")


@functools.cache
def _distributions() -> dict[str, str]:
    """Installed distribution -> its dist-info folder name, the first on sys.path winning (as the
    import system's own search does): one listing per sys.path folder."""
    found: dict[str, str] = {}
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            if name.endswith(".dist-info"):
                found.setdefault(name.split("-", 1)[0].lower(), name)
    return found


def _combine(parts: Iterable[Mapping[str, str]], options: Mapping[str, object]) -> str:
    h = hashlib.sha256()
    merged: dict[str, str] = {}
    for part in parts:
        merged.update(part)
    for rel in sorted(merged):
        h.update(f"{rel}\0{merged[rel]}\n".encode())
    h.update(json.dumps(options, sort_keys=True).encode())
    return h.hexdigest()


def input_hashes(
    root: Path, targets: Sequence[Target], options: Mapping[str, object], fallback: str | None = None
) -> dict[Target, str]:
    """The inputs hash of each target (each file is read once, however many targets share it).

    `fallback`: a language whose text stands in where a translation is missing (a draft build), so
    its files are inputs of every other language's targets too.
    """
    shared = _shared_inputs(root)
    cache: dict[str, dict[str, str]] = {}

    def files(*rels: str) -> dict[str, str]:
        key = "|".join(rels)
        if key not in cache:
            cache[key] = {rel: _digest(root / rel, root) for rel in rels}
        return cache[key]

    def language(code: str, audience: str) -> list[dict[str, str]]:
        return [
            files(paths.strings_file(code), paths.sources_file(code), paths.shared_file(code)),
            files(paths.audience_file(code, audience)),
        ]

    places: dict[str, dict[str, str]] = {}

    def place(facility: str) -> dict[str, str]:
        """The facility's jurisdiction file; every one when it cannot tell which (a file the
        full check will refuse or explain, so a fix there still makes the target stale)."""
        if facility not in places:
            jurisdiction = facility_jurisdiction(root, facility)
            if jurisdiction is not None:
                places[facility] = files(paths.jurisdiction_file(jurisdiction))
            else:
                places[facility] = _tree(root, root / paths.JURISDICTIONS, root)
        return places[facility]

    out: dict[Target, str] = {}
    for t in targets:
        parts = [
            shared,
            files(paths.edition_file(t.edition)),
            files(paths.facility_file(t.facility)),
            place(t.facility),
            *language(t.language, t.audience),
        ]
        if fallback is not None and fallback != t.language:
            parts += language(fallback, t.audience)
        out[t] = _combine(parts, options)
    return out
