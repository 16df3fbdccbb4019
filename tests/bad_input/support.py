"""Helpers shared by the reliability tests: the corpus base project, output snapshots, the CLI in
a subprocess (with fault hooks), and a Linux namespace for real full and read-only disks.

The corpus project is the minimal scratch project of tests/scratch.py (the one builder of scratch
projects).
"""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from types import ModuleType

from tests import scratch

REPO = Path(__file__).resolve().parents[2]


def load(name: str) -> ModuleType:
    """tests/bad_input/<name>.py (kept for callers that load the corpus by name)."""
    return importlib.import_module(f"tests.bad_input.{name}")


def write_project(root: Path, facilities: tuple[str, ...] = ()) -> None:
    """The corpus base project (real templates and strings), with extra facilities if asked."""
    scratch.write_project(root, facilities=facilities)


def apply(root: Path, files: dict[str, object], links: dict[str, str], outside: Path) -> None:
    """Change, add (str/bytes/callable on the old text) or delete (None) files; add symlinks."""
    scratch.change(root, files)  # type: ignore[arg-type]
    for rel, target in links.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
        os.symlink(target.replace("{outside}", str(outside)), path)


CACHE_DIR = ".booklets-cache"


def snapshot(out: Path) -> dict[str, bytes]:
    """Every file a build left in the output folder (PDFs, covers, gallery, manifest), except the
    lock file (its text is a pid) and the build records (they hold times); see records_problems."""
    return {p.relative_to(out).as_posix(): p.read_bytes()
            for p in sorted(out.rglob("*"))
            if p.is_file() and p.name != ".lock" and CACHE_DIR not in p.relative_to(out).parts}


def records_problems(out: Path) -> list[str]:
    """Build records that claim a file which is missing or differs: a record must only ever be
    written after its files are in place (booklets/engine/cache.py)."""
    import hashlib
    import json

    problems = []
    for record in sorted((out / CACHE_DIR).rglob("*.json")):
        data = json.loads(record.read_text())
        for entry in data.get("files", []) if isinstance(data, dict) else []:
            path = out / entry["path"]
            if not path.is_file():
                problems.append(f"{record.name}: {entry['path']} is missing")
            elif hashlib.sha256(path.read_bytes()).hexdigest() != entry["sha256"]:
                problems.append(f"{record.name}: {entry['path']} differs from its record")
    return problems


def restore(out: Path, files: dict[str, bytes]) -> None:
    """Make the output folder hold exactly `files` again."""
    if out.exists():
        shutil.rmtree(out)
    for rel, data in files.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_bytes(data)


# Installed as sitecustomize.py for CLI subprocesses, so it also reaches any worker process the
# build starts. Inert unless its environment variables are set.
FAULT_HOOK = textwrap.dedent('''
    import os, signal, time

    _replace, _rename = os.replace, os.rename

    def _hooked(real):
        def move(src, dst, *args, **kwargs):
            dst_s = os.fspath(dst)
            if not dst_s.endswith(".pdf"):
                return real(src, dst, *args, **kwargs)
            if os.environ.get("FAULT_KILL_BEFORE_REPLACE"):
                # The worst moment: the new PDF is complete in its temp file, not yet in place.
                # Kill the whole build (workers too), but never the test run's own group.
                if str(os.getpgrp()) != os.environ.get("FAULT_PARENT_PGRP"):
                    os.killpg(os.getpgrp(), signal.SIGKILL)
                os.kill(os.getpid(), signal.SIGKILL)
            result = real(src, dst, *args, **kwargs)
            log = os.environ.get("FAULT_LOG_REPLACES")
            if log:
                with open(log, "a") as fh:
                    fh.write(f"{os.getpgrp()} {time.monotonic():.6f} {dst_s}\\n")
                time.sleep(float(os.environ.get("FAULT_SLEEP_AFTER_REPLACE", "0")))
            return result
        return move

    os.replace, os.rename = _hooked(_replace), _hooked(_rename)

    if os.environ.get("FAULT_NETWORK_LOG"):
        import sys

        _NETWORK = {"socket.__new__", "socket.connect", "socket.bind", "socket.getaddrinfo",
                    "socket.gethostbyname", "socket.gethostbyaddr", "socket.sendto",
                    "urllib.Request"}

        def _no_network(event, args):
            if event in _NETWORK:
                with open(os.environ["FAULT_NETWORK_LOG"], "a") as fh:
                    fh.write(f"{os.getpid()} {event} {args!r}\\n")
                raise RuntimeError(f"network attempt: {event}")

        sys.addaudithook(_no_network)
''')


def cli_env(tmp: Path, **faults: str) -> dict[str, str]:
    """Environment for `python -m booklets` with the fault hook installed."""
    hook = tmp / "fault-hook"
    hook.mkdir(exist_ok=True)
    (hook / "sitecustomize.py").write_text(FAULT_HOOK)
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAULT_")}
    env["PYTHONPATH"] = os.pathsep.join([str(hook), str(REPO)])
    env["FAULT_PARENT_PGRP"] = str(os.getpgrp())
    env.update(faults)
    return env


def cli(project: Path, out: Path, *argv: str) -> list[str]:
    return [sys.executable, "-m", "booklets", "build", "--project", str(project), "--out", str(out),
            *argv]


def namespace_available() -> bool:
    """Whether this machine lets us mount a private tmpfs (user and mount namespaces)."""
    if sys.platform != "linux" or shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-rm", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"],
                           capture_output=True, timeout=30)
    return probe.returncode == 0


def run_in_namespace(script: str, env: dict[str, str],
                     timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run a shell script as root of a private mount namespace: its mounts vanish with it."""
    return subprocess.run(["unshare", "-rm", "sh", "-eu", "-c", script], capture_output=True,
                          text=True, env=env, timeout=timeout)
