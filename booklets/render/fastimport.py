"""Import WeasyPrint without the twenty processes its library look-ups start (see below).

preload.py (what rendering processes import first) uses it, and so does the build benchmark's
bare WeasyPrint baseline, so that both pay the same import.

Why "fast": WeasyPrint opens each C library (GLib, Pango, HarfBuzz, fontconfig...) by trying
several names, Windows names first. On Linux every name that misses makes
`ctypes.util.find_library` run `ldconfig -p`, then gcc, then ld: about twenty processes and a
third of a second at every start, on the critical path of every parallel build. While WeasyPrint
is imported, those look-ups are answered from one `ldconfig -p` listing, with the same pattern
find_library applies to it first; only the compiler fallbacks are skipped. find_library is put
back at once, and if WeasyPrint cannot load that way it is imported again the usual way.
"""

from __future__ import annotations

import ctypes.util
import importlib
import os
import re
import shutil
import struct
import subprocess
import sys
from collections.abc import Callable


def _ldconfig_lookup() -> Callable[[str], str | None] | None:
    """find_library's ldconfig step over one listing, or None where there is no ldconfig -p."""
    ldconfig = shutil.which("ldconfig") or ("/sbin/ldconfig" if os.path.exists("/sbin/ldconfig") else None)
    if sys.platform != "linux" or ldconfig is None:
        return None
    try:
        listing = subprocess.run([ldconfig, "-p"], capture_output=True, env={"LC_ALL": "C", "LANG": "C"},
                                 check=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    # The ABI tag CPython's ctypes.util matches on (libc6,x86-64 on 64-bit x86, ...).
    machine = os.uname().machine + ("-64" if struct.calcsize("l") == 8 else "-32")
    abi = {"x86_64-64": "libc6,x86-64", "ppc64-64": "libc6,64bit", "sparc64-64": "libc6,64bit",
           "s390x-64": "libc6,64bit", "ia64-64": "libc6,IA-64"}.get(machine, "libc6")

    def lookup(name: str) -> str | None:
        found = re.search(os.fsencode(rf"\s+(lib{re.escape(name)}\.[^\s]+)\s+\({abi}"), listing)
        return os.fsdecode(found.group(1)) if found else None

    return lookup


def import_weasyprint() -> None:
    """Import WeasyPrint (once), answering its library look-ups from one `ldconfig -p`."""
    if "weasyprint" in sys.modules:
        return
    lookup = _ldconfig_lookup()
    if lookup is None:
        importlib.import_module("weasyprint")
        return
    real = ctypes.util.find_library
    ctypes.util.find_library = lookup  # type: ignore[assignment]  # a function of the same signature
    try:
        importlib.import_module("weasyprint")
    except OSError:  # a library only the compiler fallbacks find: take the usual, slower way
        ctypes.util.find_library = real
        importlib.import_module("weasyprint")
    finally:
        ctypes.util.find_library = real
