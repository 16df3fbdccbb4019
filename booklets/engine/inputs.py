"""What each target depends on, and one hash over it, computed without parsing content.

A target (facility, language, audience, edition) reads:

* everyone's: content/booklet.yaml, every file under templates/ and content/assets/, the font
  files, the booklets package's own code and the versions of the PDF libraries;
* its edition's content/editions/<e>.yaml, its facility's content/facilities/<f>.yaml and that
  facility's jurisdiction, content/jurisdictions/<j>.yaml (its words and role names are printed);
* its language's content/<lang>/strings.yaml, sources.yaml and shared.yaml;
* its own content/<lang>/audiences/<a>.yaml;
* the build options that change what is written.

Each file is hashed by its bytes (a missing file hashes as missing, so creating it counts as a
change). So editing one audience file changes the hash of that audience's targets only, editing
shared.yaml changes that language's, and editing a template changes every target.

Only content/booklet.yaml is parsed here, for the four lists of the matrix, and each facility file
for its `jurisdiction:`, both with the project's safe loader: this module must stay cheap to
import (no schema, no Jinja, no WeasyPrint), because a build with nothing to do is this module, a
few stat calls and a table.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import stat
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from booklets import paths
from booklets.plan import Target

# A value that could end up in a path; anything else sends the caller to the full schema check.
_SAFE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
# Libraries whose version changes the PDF bytes (found without importing them).
_RENDER_LIBRARIES = ("weasyprint", "pydyf", "fontTools", "pikepdf")


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


def _digest(path: Path, root: Path | None = None) -> str:
    """The file's SHA-256. A project file (`root` given) that is a link to somewhere outside the
    project is never read (the content check refuses it anyway), nor is a device or FIFO: a link
    to /dev/zero must not hang the build, nor a secret file's bytes be read for a hash."""
    try:
        if root is not None:
            real = path.resolve()
            homes = (root, root / paths.CONTENT, root / paths.TEMPLATES)
            if not any(real.is_relative_to(home.resolve()) for home in homes):
                return f"outside:{real}"
        if not stat.S_ISREG(path.stat().st_mode):
            return "special"
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return "missing"
    except OSError as exc:  # a folder, or unreadable: the full content check says what is wrong
        return f"unreadable ({exc.strerror})"


def _tree(root: Path, folder: Path, project: Path | None = None) -> dict[str, str]:
    """Every file under `folder`, by path relative to `root` (hidden files and caches skipped).
    `project`: the project root, when the folder is the project's (see _digest)."""
    out: dict[str, str] = {}
    if not folder.is_dir():
        return out
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and not any(
            part.startswith(".") or part == "__pycache__" for part in path.parts[len(root.parts) :]
        ):
            out[rel] = _digest(path, project)
    return out


def _package_dir(name: str) -> Path | None:
    """Where an installed package lives, found without importing it."""
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent


def _shared_inputs(root: Path) -> dict[str, str]:
    """What every target reads: booklet.yaml, templates, assets, fonts, code, library versions."""
    files = {paths.BOOKLET: _digest(root / paths.BOOKLET, root)}
    files.update(_tree(root, root / paths.TEMPLATES, root))
    files.update(_tree(root, root / paths.ASSETS, root))
    fonts = _package_dir("font_source_sans_pro")
    if fonts is not None:
        files.update({f"fonts/{k}": v for k, v in _tree(fonts, fonts / "files").items()})
    files.update(code_files())
    for lib in _RENDER_LIBRARIES:
        files[f"lib/{lib}"] = _installed_version(lib)
    return files


def code_files() -> dict[str, str]:
    """Every module of the booklets package, subpackages included, by its path in the package: an
    edit anywhere in the code makes every target stale (a flat glob would miss the subpackages)."""
    package = Path(__file__).resolve().parents[1]
    return {
        f"booklets/{p.relative_to(package).as_posix()}": _digest(p)
        for p in sorted(package.rglob("*.py"))
        if "__pycache__" not in p.parts
    }


def _installed_version(package: str) -> str:
    """`weasyprint-70.0.dist-info`: the installed distribution's folder names its version (read
    without importing the package or importlib.metadata, which scans every installed package)."""
    where = _package_dir(package)
    if where is None:
        return "missing"
    dist = package.lower().replace("-", "_")
    found = sorted(p.name for p in where.parent.glob("*.dist-info") if p.name.lower().startswith(f"{dist}-"))
    # Not installed from a wheel (a source checkout): its __init__ still changes with the code.
    return ",".join(found) or _digest(where / "__init__.py")


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
