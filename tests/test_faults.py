"""Faults during a build lose nothing: kill -9, Ctrl-C, a full disk, a read-only output folder,
two builds at once.

Every test drives the command line (in a subprocess where a process must die), so it holds for
any build engine behind `main(argv)`. The subprocesses get a sitecustomize hook (support.py)
that can kill the build at the worst moment or log every PDF move; it reaches worker processes
too.
"""

from __future__ import annotations

import errno
import itertools
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from booklets.cli.main import main
from booklets.engine.lock import build_lock
from booklets.engine.output import is_temp_file
from booklets.errors import BookletError
from booklets.packets.outputs import PacketPaths
from tests.bad_input import support
from tests.scratch import change, edit

snapshot, restore, cli, cli_env = support.snapshot, support.restore, support.cli, support.cli_env

FACILITIES = ("north", "south", "east")
PDF = "north/en/staff-screen.pdf"


@dataclass
class Builds:
    """The same three-booklet project before and after an edit, each built once, in-process."""

    old: Path
    old_files: dict[str, bytes]
    new: Path
    new_files: dict[str, bytes]


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> Builds:
    tmp = tmp_path_factory.mktemp("faults")
    old, new = tmp / "old", tmp / "new"
    support.write_project(old, FACILITIES)
    shutil.copytree(old, new)
    change(new, {"content/en/audiences/staff.yaml": edit("title: Boundaries", "title: Boundaries, revised")})
    assert main(["--project", str(old), "--out", str(tmp / "old-dist")]) == 0
    assert main(["--project", str(new), "--out", str(tmp / "new-dist")]) == 0
    old_files, new_files = snapshot(tmp / "old-dist"), snapshot(tmp / "new-dist")
    assert len(pdfs(old_files)) == 3 and pdfs(old_files).keys() == pdfs(new_files).keys()
    assert all(old_files[k] != new_files[k] for k in pdfs(old_files))
    return Builds(old, old_files, new, new_files)


def pdfs(files: dict[str, bytes]) -> dict[str, bytes]:
    return {k: v for k, v in files.items() if k.endswith(".pdf")}


def _temps(files: dict[str, bytes]) -> list[str]:
    return [k for k in files if is_temp_file(Path(k).name)]


def _assert_kept(out: Path, expected: dict[str, bytes]) -> None:
    """Every earlier PDF byte-identical, and no temporary file left."""
    after = snapshot(out)
    assert pdfs(after) == pdfs(expected)
    assert _temps(after) == []


def _assert_complete(out: Path, expected: dict[str, bytes]) -> None:
    """PDFs and cover thumbnails as a clean build makes them, records consistent, no temp file."""
    after = snapshot(out)
    assert {k: v for k, v in after.items() if k.endswith((".pdf", ".png"))} == {
        k: v for k, v in expected.items() if k.endswith((".pdf", ".png"))}
    assert _temps(after) == []
    assert support.records_problems(out) == []


def _without_temps(files: dict[str, bytes]) -> dict[str, bytes]:
    return {k: v for k, v in files.items() if not is_temp_file(Path(k).name)}


def _wait_for_first_new_pdf(proc: subprocess.Popen[str], out: Path, builds: Builds) -> None:
    """Block until the build has put one new PDF in place (so it is busy with the next)."""
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        current = snapshot(out)
        if any(current.get(k) == v for k, v in pdfs(builds.new_files).items()):
            return
        assert proc.poll() is None, f"the build ended before the fault: {proc.communicate()}"
        time.sleep(0.01)
    raise AssertionError("the build wrote no PDF in 180 s")


def _each_pdf_old_or_new(files: dict[str, bytes], builds: Builds) -> tuple[int, int]:
    """Every PDF is complete: the earlier build's bytes or the new build's, nothing else."""
    files = pdfs(files)
    assert files.keys() == pdfs(builds.old_files).keys()
    old = sum(files[k] == builds.old_files[k] for k in files)
    new = sum(files[k] == builds.new_files[k] for k in files)
    assert old + new == len(files), "a PDF is neither the old one nor the new one"
    return old, new


def test_sigkill_mid_render_leaves_complete_pdfs_and_next_build_completes(
        builds: Builds, tmp_path: Path) -> None:
    out = tmp_path / "dist"
    restore(out, builds.old_files)
    env = cli_env(tmp_path)
    proc = subprocess.Popen(cli(builds.new, out), env=env, start_new_session=True, text=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _wait_for_first_new_pdf(proc, out, builds)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    old, new = _each_pdf_old_or_new(_without_temps(snapshot(out)), builds)
    assert new >= 1 and old >= 1, "the kill did not land in the middle of the build"
    assert support.records_problems(out) == []  # no record claims a file that is not in place

    rerun = subprocess.run(cli(builds.new, out), env=env, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    _assert_complete(out, builds.new_files)  # complete, consistent, and no temp file left


def test_sigkill_between_write_and_rename_keeps_old_pdf_and_next_build_cleans_up(
        builds: Builds, tmp_path: Path) -> None:
    out = tmp_path / "dist"
    restore(out, builds.old_files)
    env = cli_env(tmp_path, FAULT_KILL_BEFORE_REPLACE="1")
    # One worker: with two, the other may be writing its own temp file at the moment of the kill.
    killed = subprocess.run(cli(builds.new, out, "--jobs", "1"), env=env, start_new_session=True,
                            capture_output=True, text=True)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    after = snapshot(out)
    temps = {k: v for k, v in after.items() if is_temp_file(Path(k).name)}
    # The kill came with a complete new PDF in its temp file, one rename away from being in place:
    assert len(temps) == 1 and next(iter(temps.values())) in builds.new_files.values()
    assert pdfs(_without_temps(after)) == pdfs(builds.old_files)  # every earlier PDF untouched
    assert support.records_problems(out) == []  # no record claims a file that is not in place

    rerun = subprocess.run(cli(builds.new, out), env=cli_env(tmp_path), capture_output=True,
                           text=True)
    assert rerun.returncode == 0, rerun.stderr
    _assert_complete(out, builds.new_files)  # the leftover temp file is gone


def test_ctrl_c_mid_build_says_so_in_one_line_and_loses_nothing(builds: Builds,
                                                                tmp_path: Path) -> None:
    out = tmp_path / "dist"
    restore(out, builds.old_files)
    # SIGINT at its default in the build, as in a terminal: a test run started in the background
    # (`pytest &` in a script) passes SIGINT on ignored, and the build would never see it.
    proc = subprocess.Popen(cli(builds.new, out), env=cli_env(tmp_path), start_new_session=True,
                            text=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    _wait_for_first_new_pdf(proc, out, builds)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130
    assert err.splitlines() == [
        "error: interrupted; each PDF in the output folder is either complete or as it was"]
    _each_pdf_old_or_new(snapshot(out), builds)  # each complete (renders in flight may finish)
    assert _temps(snapshot(out)) == []
    assert support.records_problems(out) == []


def test_full_disk_gives_one_clear_line_per_booklet_and_loses_nothing(
        builds: Builds, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """ENOSPC simulated in-process: the disk fills up while a PDF is being written."""
    out = tmp_path / "dist"
    restore(out, builds.old_files)

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    status = main(["--project", str(builds.new), "--out", str(out), "--facility", "north"])
    err = capsys.readouterr().err
    assert status == 2, err
    assert err.splitlines() == _full_disk_expectation(out)
    _assert_kept(out, builds.old_files)


def _full_disk_expectation(out: Path) -> list[str]:
    """The path that could not be written, why, and what to do: one line each."""
    todo = "No space left on device; free some space there, or build into another folder with --out"
    return [f"warning: the gallery and manifest are not up to date: cannot write {out}/manifest.json: {todo}",
            f"error: north/en/staff-screen: cannot write {out}/north/en/staff-screen.pdf: {todo}"]


needs_namespace = pytest.mark.skipif(not support.namespace_available(),
                                     reason="needs user and mount namespaces (unshare -rm)")


@needs_namespace
def test_real_full_disk_loses_nothing(builds: Builds, tmp_path: Path) -> None:
    """A real, full tmpfs as the output folder: the write itself fails with ENOSPC."""
    out, saved, err = tmp_path / "dist", tmp_path / "saved", tmp_path / "stderr.txt"
    out.mkdir()
    saved.mkdir()
    restore(tmp_path / "old", builds.old_files)
    script = f"""
        mount -t tmpfs -o size=2m tmpfs '{out}'
        cp -a '{tmp_path / "old"}/.' '{out}/'
        dd if=/dev/zero of='{out}/filler' bs=4096 2>/dev/null || true
        set +e
        {shlex.join(cli(builds.new, out, "--facility", "north"))} >/dev/null 2>'{err}'
        echo "status=$?"
        set -e
        rm '{out}/filler'
        cp -a '{out}/.' '{saved}/'
    """
    done = support.run_in_namespace(script, support.cli_env(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "status=2" in done.stdout
    assert err.read_text().splitlines() == _full_disk_expectation(out)
    _assert_kept(saved, builds.old_files)  # nothing lost, no temp file left


def _read_only_expectation(out: Path) -> list[str]:
    return [f"error: {out}: cannot write to the output folder (Read-only file system); make it "
            "writable or build into another folder with --out"]


@needs_namespace
def test_read_only_output_folder_gives_one_clear_line_and_loses_nothing(
        builds: Builds, tmp_path: Path) -> None:
    out, saved, err = tmp_path / "dist", tmp_path / "saved", tmp_path / "stderr.txt"
    restore(out, builds.old_files)
    saved.mkdir()
    script = f"""
        mount --bind '{out}' '{out}'
        mount -o remount,bind,ro '{out}'
        set +e
        {shlex.join(cli(builds.new, out))} >/dev/null 2>'{err}'
        echo "status=$?"
        set -e
        cp -a '{out}/.' '{saved}/'
    """
    done = support.run_in_namespace(script, support.cli_env(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "status=2" in done.stdout
    assert err.read_text().splitlines() == _read_only_expectation(out)
    _assert_kept(saved, builds.old_files)


@pytest.mark.skipif(os.geteuid() == 0,
                    reason="root ignores file permissions (see the namespace test)")
def test_read_only_output_folder_by_permissions(builds: Builds, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "dist"
    restore(out, builds.old_files)
    folders = [out, *(p for p in out.rglob("*") if p.is_dir())]
    for folder in folders:
        folder.chmod(0o555)
    try:
        status = main(["--project", str(builds.new), "--out", str(out)])
    finally:
        for folder in folders:
            folder.chmod(0o755)
    err = capsys.readouterr().err
    assert status == 2 and "Traceback" not in err
    assert err.splitlines() == [
        f"error: {out}: cannot write to the output folder (Permission denied); make it "
        "writable or build into another folder with --out"]
    _assert_kept(out, builds.old_files)


def test_two_builds_at_once_do_not_interleave(builds: Builds, tmp_path: Path) -> None:
    out, log = tmp_path / "dist", tmp_path / "replaces.log"
    restore(out, builds.old_files)
    # Every PDF move is logged and followed by a pause, so interleaving would show.
    env = cli_env(tmp_path, FAULT_LOG_REPLACES=str(log), FAULT_SLEEP_AFTER_REPLACE="0.3")
    # --force: the second build renders everything again rather than finding it up to date.
    procs = [subprocess.Popen(cli(builds.new, out, "--force"), env=env, start_new_session=True, text=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
             for _ in range(2)]
    errs = [p.communicate(timeout=300)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], errs
    builders = [line.split()[0] for line in log.read_text().splitlines()]
    assert len(builders) == 2 * len(FACILITIES)
    first = builders[0]
    switches = sum(a != b for a, b in itertools.pairwise(builders))
    assert switches == 1, f"the builds interleaved: {builders}"
    assert builders.count(first) == len(FACILITIES)
    waited = [e for e in errs if "waiting: another build" in e]
    assert len(waited) == 1, errs  # the second build said it was waiting, once
    _assert_complete(out, builds.new_files)


def test_second_build_waits_while_the_lock_is_held(builds: Builds, tmp_path: Path) -> None:
    out = tmp_path / "dist"
    restore(out, builds.old_files)
    with build_lock(out):
        proc = subprocess.Popen(cli(builds.new, out), env=cli_env(tmp_path), text=True,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        assert proc.stderr is not None
        line = proc.stderr.readline()
        assert line.startswith(f"waiting: another build (pid {os.getpid()} on ")
        assert line.rstrip().endswith(f"is writing to {out}; this build starts when it finishes "
                                      "(at most 600 s)")
        time.sleep(1.0)
        assert proc.poll() is None
        _assert_kept(out, builds.old_files)  # nothing written while we hold the lock
    proc.wait(timeout=300)
    assert proc.returncode == 0
    _assert_complete(out, builds.new_files)


def test_lock_wait_has_a_limit_and_a_clear_message(tmp_path: Path) -> None:
    told: list[str] = []
    with build_lock(tmp_path), pytest.raises(BookletError) as raised, \
            build_lock(tmp_path, timeout=0.3, tell=told.append):
        pass
    holder = f"pid {os.getpid()} on "
    assert len(told) == 1 and told[0].startswith(f"waiting: another build ({holder}")
    [problem] = raised.value.problems
    assert str(problem).startswith(f"{tmp_path}: another build ({holder}")
    assert str(problem).endswith("is still writing to this folder after 0 s; wait for it to "
                                 "finish or build into another folder with --out")


def test_a_killed_build_never_leaves_a_stale_lock(tmp_path: Path) -> None:
    out = tmp_path / "out"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from pathlib import Path; "
         "from booklets.engine.lock import build_lock\n"
         "with build_lock(Path(sys.argv[1])):\n    print('locked', flush=True); time.sleep(120)",
         str(out)],
        env=cli_env(tmp_path), stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
    with pytest.raises(BookletError), build_lock(out, timeout=0, tell=lambda _: None):
        pass
    holder.kill()
    holder.wait()
    with build_lock(out, timeout=5):  # acquired at once: the kernel dropped the dead lock
        pass


def _temp_name(name: str, token: str = "a1b2c3d4") -> str:
    """How write_atomic names its temporary file for `name` (output.py)."""
    temp = f".{name}.{token}.booklets.tmp"
    assert is_temp_file(temp)
    return temp


def test_stale_temp_files_are_removed_and_live_ones_kept(tmp_path: Path) -> None:
    """Only a temp file whose writer is gone (its lock is free) is removed: never one being written,
    never a file merely named like one, never a link."""
    (tmp_path / ".booklets-cache").mkdir()
    stale = tmp_path / "north/en" / _temp_name("staff-screen.pdf")
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"%PDF-1.7 half a file")
    live = tmp_path / "personal" / _temp_name("batch-roster.pdf", "e5f6g7h8")
    live.parent.mkdir()
    live.write_bytes(b"%PDF-1.7 being written")
    outside = tmp_path.parent / f"{tmp_path.name}-outside.txt"
    outside.write_bytes(b"keep")
    link = tmp_path / _temp_name("index.html", "linklink")
    link.symlink_to(outside)
    keep = [tmp_path / "north/en/staff-screen.pdf", tmp_path / "notes.tmp", tmp_path / ".hidden",
            tmp_path / "north/en/.staff-screen.pdf.a1b2c3d4.tmp"]  # another tool's naming
    for path in keep:
        path.write_bytes(b"keep")
    with open(live, "rb") as writer:
        import fcntl

        fcntl.flock(writer.fileno(), fcntl.LOCK_EX)  # as write_atomic holds its temp file
        with build_lock(tmp_path):
            pass
    assert not stale.exists()
    assert live.read_bytes() == b"%PDF-1.7 being written"
    assert link.is_symlink() and outside.read_bytes() == b"keep"
    assert all(path.read_bytes() == b"keep" for path in keep)


def test_a_build_never_removes_a_file_another_run_is_writing(builds: Builds, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    """A `packets` run writes its batch to a temp file for minutes; a build started meanwhile (even
    one with nothing to do) must leave it alone, and the batch then lands complete."""
    from booklets.engine.output import open_atomic

    out = tmp_path / "dist"
    restore(out, builds.old_files)
    (out / ".booklets-cache").mkdir(exist_ok=True)
    batch = out / "personal/batch-roster.pdf"
    batch.parent.mkdir()
    with open_atomic(batch) as fh:
        fh.write(b"%PDF-1.7 first people\n")
        [temp] = [p for p in batch.parent.iterdir() if is_temp_file(p.name)]
        assert main(["--project", str(builds.old), "--out", str(out)]) == 0, capsys.readouterr().err
        assert temp.exists(), "the build removed a batch that was being written"
        fh.write(b"the rest\n")
    assert batch.read_bytes() == b"%PDF-1.7 first people\nthe rest\n"
    assert _temps(snapshot(out)) == []


def test_out_into_a_folder_no_build_wrote_is_refused_and_nothing_in_it_changes(
        builds: Builds, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`--out ~/Documents` by mistake: one line, exit 2, and not a file in it is written, replaced
    or deleted (its own index.html, a `*.tmp` deep inside, a file named like our temp files)."""
    out = tmp_path / "documents"
    files = {"index.html": b"<p>my own page</p>\n", "notes.tmp": b"mine",
             "deep/inside/draft.tmp": b"mine", f"deep/{_temp_name('report.pdf')}": b"mine"}
    restore(out, files)
    status = main(["--project", str(builds.old), "--out", str(out)])
    assert capsys.readouterr().err.splitlines() == [
        f"error: {out}: is not empty and no booklets build wrote it (there is no .booklets-cache/ or "
        "manifest.json of a build in it); a build writes and deletes only its own files, so build "
        "into a new or empty folder with --out"]
    assert status == 2
    assert {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()} == files


def test_a_report_file_the_build_did_not_write_is_never_overwritten(
        builds: Builds, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An index.html put into the output folder by hand is not the build's to replace: it stays,
    with a warning, and the PDFs still build; once it is moved away the gallery comes back."""
    out = tmp_path / "dist"
    restore(out, builds.old_files)
    assert main(["--project", str(builds.old), "--out", str(out)]) == 0
    gallery = builds.old_files["index.html"]
    (out / "index.html").write_bytes(b"<p>the team's own start page</p>\n")
    capsys.readouterr()
    assert main(["--project", str(builds.new), "--out", str(out)]) == 0
    assert capsys.readouterr().err.splitlines() == [
        f"warning: {out / 'index.html'}: not written by booklets (or changed since); it is left as "
        "it is and the gallery and manifest are not written: move it away to get them"]
    assert (out / "index.html").read_bytes() == b"<p>the team's own start page</p>\n"
    assert pdfs(snapshot(out)) == pdfs(builds.new_files)
    (out / "index.html").unlink()
    assert main(["--project", str(builds.old), "--out", str(out)]) == 0
    assert (out / "index.html").read_bytes() == gallery


def test_bad_input_leaves_no_new_output_folder(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    project, out = tmp_path / "project", tmp_path / "fresh-dist"
    support.write_project(project)
    (project / "content/en/sources.yaml").write_text("")
    assert main(["--project", str(project), "--out", str(out)]) == 2
    assert capsys.readouterr().err.startswith("error: content/en/sources.yaml:1:1: file is empty")
    assert not out.exists()


def test_a_build_waiting_on_a_removed_lock_locks_the_new_one(builds: Builds, tmp_path: Path) -> None:
    """The first build made the folder and leaves it empty, so it removes folder and lock file;
    the build that waited on that file must lock the new one, or a third build could overlap."""
    out = tmp_path / "fresh-dist"
    with build_lock(out):
        proc = subprocess.Popen(cli(builds.new, out), env=cli_env(tmp_path), text=True,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        assert proc.stderr is not None
        assert proc.stderr.readline().startswith("waiting: another build")
    assert not (out / "north").exists()
    deadline = time.monotonic() + 60
    while not (out / ".lock").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # the waiting build has started again on the new lock file by now
    assert proc.poll() is None, "the build finished too soon to test the lock"
    with pytest.raises(BookletError), build_lock(out, timeout=0, tell=lambda _: None):
        pass
    proc.wait(timeout=300)
    assert proc.returncode == 0
    _assert_complete(out, builds.new_files)


# --- damaged caches, read-only project -----------------------------------------------------------

RECORD = ".booklets-cache/north/en/staff-screen.json"


def _damage(change: str) -> Callable[[dict[str, Any], str], str]:
    """A way to damage the build record: most stay valid JSON, only wrong."""
    def apply(record: dict[str, Any], text: str) -> str:
        first = record["files"][0]
        if change == "truncated":
            return text[: len(text) // 2]
        if change == "outside-path":
            first["path"] = "../../../../../../etc/passwd"
        elif change == "absolute-path":
            first["path"] = "/etc/passwd"
        elif change == "another-targets-file":
            first["path"] = "south/en/staff-screen.pdf"
        elif change == "meta-not-a-mapping":
            record["meta"] = ["title"]
        elif change == "files-not-a-list":
            record["files"] = "north/en/staff-screen.pdf"
        elif change == "size-as-text":
            first["bytes"] = str(first["bytes"])
        elif change == "no-pdf":
            record["files"] = [f for f in record["files"] if f["kind"] != "pdf"]
        elif change == "unknown-field":
            record["owner"] = "someone"
        return json.dumps(record)
    return apply


@pytest.mark.parametrize("change", ["truncated", "outside-path", "absolute-path", "another-targets-file",
                                    "meta-not-a-mapping", "files-not-a-list", "size-as-text", "no-pdf",
                                    "unknown-field"])
def test_a_damaged_build_record_is_discarded_and_its_target_rebuilt(
        change: str, builds: Builds, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A build record is only a cache: damaged or edited, it is never trusted (it could name any
    file to read or skip), never fatal; its target is simply built again."""
    out = tmp_path / "dist"
    assert main(["--project", str(builds.old), "--out", str(out)]) == 0
    record = out / RECORD
    text = record.read_text()
    record.write_text(_damage(change)(json.loads(text), text))
    capsys.readouterr()
    status = main(["--project", str(builds.old), "--out", str(out)])
    captured = capsys.readouterr()
    assert status == 0, captured.err
    assert "Traceback" not in captured.err and captured.err == ""
    assert "1 rendered, 2 up to date, 0 failed" in captured.out
    _assert_complete(out, builds.old_files)


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_packets_write_nothing_into_the_project_and_rebuild_a_damaged_font_cache(
        builds: Builds, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """With --out elsewhere, `packets` leaves the project as it was (it may be read-only or
    shared); its caches live in the output folder, and a truncated cached font is made again."""
    project, out = tmp_path / "project", tmp_path / "elsewhere"
    shutil.copytree(builds.old, project)
    roster = tmp_path / "roster.csv"
    roster.write_text("name,id,audience,language,facility,date\nAna Diaz,A1,staff,en,north,2026-01-15\n")
    before = _tree(project)
    argv = ["packets", str(roster), "--project", str(project), "--out", str(out), "--edition", "screen"]
    assert main(argv) == 0, capsys.readouterr().err
    assert _tree(project) == before
    where = PacketPaths.of(out, roster, "screen").batch  # the roster's own folder in the output
    batch = where.read_bytes()
    fonts = sorted((out / ".booklets-cache/packets").glob("font-*"))
    assert fonts
    for font in fonts:
        font.write_bytes(font.read_bytes()[:1000])
    capsys.readouterr()
    assert main(argv) == 0, capsys.readouterr().err
    assert where.read_bytes() == batch
    assert _tree(project) == before


@needs_namespace
def test_a_read_only_project_builds_elsewhere_and_a_release_says_what_to_do(
        builds: Builds, tmp_path: Path) -> None:
    """A project on a read-only share: a build into another folder works (nothing is written into
    the project); a release, which records itself in the project, says so in one line, exit 2."""
    project, out = tmp_path / "project", tmp_path / "dist"
    shutil.copytree(builds.old, project)
    booklet = project / "content/booklet.yaml"
    booklet.write_text(booklet.read_text() + 'supersedes: "1.0"\n')
    script = f"""
        mount --bind '{project}' '{project}'
        mount -o remount,bind,ro '{project}'
        set +e
        {shlex.join(cli(project, out))} >/dev/null 2>'{tmp_path}/build.err'
        echo "build=$?"
        {shlex.join(cli(project, out, "--release"))} >/dev/null 2>'{tmp_path}/release.err'
        echo "release=$?"
    """
    done = support.run_in_namespace(script, support.cli_env(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "build=0" in done.stdout and "release=2" in done.stdout, done.stdout
    assert (tmp_path / "build.err").read_text() == ""
    assert (tmp_path / "release.err").read_text().splitlines() == [
        "error: content/releases.yaml: the booklets are built, but revision 2.0 is not recorded: "
        f"cannot write {project}/content/releases.yaml: Read-only file system; make the project "
        "writable (or free some space) and run the release build again"]
    built = pdfs(snapshot(out))
    assert built.keys() == pdfs(builds.old_files).keys()
    assert all(data.startswith(b"%PDF-") for data in built.values())


# --- everything the renderer may read is in the inputs hash and the release hash ----------------

def _png() -> bytes:
    import zlib as z

    def chunk(kind: bytes, data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + kind + data + z.crc32(kind + data).to_bytes(4, "big")

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", bytes.fromhex("00000001000000010802000000"))
            + chunk(b"IDAT", z.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


def _append(path: Path, extra: bytes = b"\n") -> None:
    path.write_bytes(path.read_bytes() + extra)


# Each kind of file a target's render reads, and an edit of it (paths relative to the project, or
# to the copy of the font package / booklets package / a fake library folder the test makes).
READABLE_KINDS: dict[str, Callable[[Path, Path], None]] = {
    "template": lambda p, env: _append(p / "templates/partials/section.html.j2"),
    "base stylesheet": lambda p, env: _append(p / "templates/css/booklet.css", b"/* x */\n"),
    "edition stylesheet": lambda p, env: _append(p / "templates/editions/screen.css", b"/* x */\n"),
    "asset": lambda p, env: _append(p / "content/assets/logo.png", b"\0"),
    "new asset": lambda p, env: (p / "content/assets/new.png").write_bytes(_png()),
    "booklet.yaml": lambda p, env: _append(p / "content/booklet.yaml"),
    "edition file": lambda p, env: _append(p / "content/editions/screen.yaml"),
    "facility file": lambda p, env: _append(p / "content/facilities/north.yaml"),
    "strings": lambda p, env: _append(p / "content/en/strings.yaml"),
    "sources": lambda p, env: _append(p / "content/en/sources.yaml"),
    "shared sections": lambda p, env: _append(p / "content/en/shared.yaml"),
    "audience file": lambda p, env: _append(p / "content/en/audiences/staff.yaml"),
    "font file": lambda p, env: _append(env / "fonts/SourceSansPro-Regular.ttf", b"\0"),
    "code": lambda p, env: _append(env / "booklets/render/context.py"),
    "package data": lambda p, env: _append(env / "booklets/engine/templates/gallery.html.j2"),
    "library version": lambda p, env: (env / "site/weasyprint-71.0.dist-info").mkdir(parents=True),
    "system library": lambda p, env: (env / "lib/libharfbuzz.so.0").unlink() or (  # type: ignore[func-returns-value]
        env / "lib/libharfbuzz.so.0").symlink_to("libharfbuzz.so.0.60830.0"),
}


@pytest.fixture(scope="module")
def readable(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project that shows an image."""
    tmp = tmp_path_factory.mktemp("readable")
    project = tmp / "project"
    support.write_project(project)
    (project / "content/assets").mkdir(parents=True)
    (project / "content/assets/logo.png").write_bytes(_png())
    staff = project / "content/en/audiences/staff.yaml"
    staff.write_text(staff.read_text().replace(
        "    contacts: [internal_line, outside_body]\n",
        "    contacts: [internal_line, outside_body]\n    image: {src: logo.png, alt: A logo}\n"))
    assert main(["--project", str(project), "--out", str(tmp / "dist")]) == 0
    return tmp


@pytest.mark.parametrize("kind", READABLE_KINDS)
def test_every_kind_of_file_the_renderer_reads_makes_its_target_stale_and_changes_the_release_hash(
        kind: str, readable: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file the render reads but the hash misses would leave a stale PDF "up to date" and let a
    released revision be made again from other files. Each kind is changed in turn."""
    from booklets.engine import cache, inputs, release
    from booklets.plan import Target
    from booklets.render import fonts

    project = tmp_path / "project"
    shutil.copytree(readable / "project", project)
    env = tmp_path / "env"
    shutil.copytree(fonts.font_dir(), env / "fonts")
    shutil.copytree(inputs._PACKAGE, env / "booklets", ignore=shutil.ignore_patterns("__pycache__"))
    (env / "site").mkdir()
    (env / "lib").mkdir()
    (env / "lib/libharfbuzz.so.0.60000.0").write_bytes(b"\x7fELF")
    (env / "lib/libharfbuzz.so.0.60830.0").write_bytes(b"\x7fELF")
    (env / "lib/libharfbuzz.so.0").symlink_to("libharfbuzz.so.0.60000.0")
    monkeypatch.setattr(fonts, "font_dir", lambda: env / "fonts")
    monkeypatch.setattr(inputs, "_PACKAGE", env / "booklets")
    monkeypatch.syspath_prepend(str(env / "site"))
    monkeypatch.setattr(inputs, "_library_dirs", lambda: [str(env / "lib")])
    inputs._distributions.cache_clear()
    target = Target("north", "en", "staff", "screen")
    record = cache.load(readable / "dist", target)
    assert record is not None

    def state() -> tuple[str, str]:
        inputs._distributions.cache_clear()
        return inputs.input_hashes(project, [target], {"draft": False})[target], release.content_hash(project)

    before = state()
    assert state() == before  # stable
    READABLE_KINDS[kind](project, env)
    after = state()
    inputs._distributions.cache_clear()
    assert after[0] != before[0], f"a change to the {kind} leaves the target up to date"
    assert not cache.is_fresh(readable / "dist", record, after[0])
    assert after[1] != before[1], f"a change to the {kind} leaves the release hash as it was"


# --- inputs that never end --------------------------------------------------------------------

def _limit_memory() -> None:
    import resource

    # A read without bound must fail fast, not take the machine's memory (on the code before the fix).
    resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))


@pytest.mark.parametrize("kind", ["dev-zero", "fifo", "huge"])
def test_a_roster_that_never_ends_is_refused_before_it_is_read(kind: str, builds: Builds,
                                                               tmp_path: Path) -> None:
    """`packets /dev/zero`, a named pipe, or a 20 GB file: one line at once, never a hang or a read
    of the whole thing into memory."""
    roster = tmp_path / "roster.csv"
    if kind == "dev-zero":
        roster.symlink_to("/dev/zero")
    elif kind == "fifo":
        os.mkfifo(roster)
    else:
        with open(roster, "wb") as fh:
            fh.truncate(20_000_000_000)  # sparse: takes no disk
    argv = [sys.executable, "-m", "booklets", "packets", str(roster), "--project", str(builds.old),
            "--out", str(tmp_path / "dist"), "--edition", "screen"]
    started = time.monotonic()
    done = subprocess.run(argv, env=cli_env(tmp_path), capture_output=True, text=True, timeout=120,
                          preexec_fn=_limit_memory)
    assert time.monotonic() - started < 60
    assert done.stderr.splitlines() == [f"error: {roster}: " + (
        "the roster is 20,000,000,000 bytes, more than the 20,000,000 a roster can be; check that "
        "this is the right file" if kind == "huge" else
        "is not a plain file (a device, a FIFO or a folder), so it could never be read to its end; "
        "pass the roster's CSV file")]
    assert done.returncode == 2
    assert not (tmp_path / "dist").exists()


# --- a render that never ends --------------------------------------------------------------------



def _slow_template() -> dict[str, object]:
    """HTML that is quick to make and slow to lay out: thousands of table cells."""
    cases = support.load("cases")
    rows = "{% for i in range(400) %}<tr><td>a</td><td>b</td><td>c</td><td>{{ i }}</td></tr>{% endfor %}"
    return cases.with_extra(f"<p>Extra</p>\n<table>{rows}</table>\n")


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_pdf_render_past_its_time_limit_fails_that_booklet_in_one_line(jobs: str, builds: Builds,
                                                                       tmp_path: Path) -> None:
    """The PDF stage has its budget too, in the worker processes and in a build rendering in its own
    process: each booklet past it fails with one line, the earlier PDFs stay, the lock is let go."""
    project, out = tmp_path / "project", tmp_path / "dist"
    shutil.copytree(builds.old, project)
    support.apply(project, _slow_template(), {}, tmp_path)
    restore(out, builds.old_files)
    started = time.monotonic()
    done = subprocess.run(cli(project, out, "--time-limit", "1", "--jobs", jobs), env=cli_env(tmp_path),
                          capture_output=True, text=True, timeout=600)
    assert time.monotonic() - started < 120
    assert done.returncode == 2, done.stderr
    assert sorted(done.stderr.splitlines()) == [
        f"error: {f}/en/staff-screen: rendering took longer than 1 s of processor time, the time limit "
        "per booklet (--time-limit); make the booklet simpler, or raise --time-limit" for f in sorted(FACILITIES)]
    _assert_kept(out, builds.old_files)
    with build_lock(out, timeout=0, tell=lambda _: None):
        pass  # free
