"""The package's shape is checked, not remembered: imports flow one way, modules stay small,
subpackage `__init__` files stay empty (so a no-op build imports neither WeasyPrint nor the schema),
and every module of every subpackage is an input of every target."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import booklets

REPO = Path(__file__).resolve().parent.parent
PACKAGE = Path(booklets.__file__).resolve().parent
SUBPACKAGES = sorted(p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file())
MAX_LINES = 420  # "no module over ~400 lines"


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    """import-linter with the project's contract, on the package found under `root`."""
    script = textwrap.dedent("""
        import sys
        from importlinter.cli import lint_imports
        sys.exit(lint_imports(config_filename=sys.argv[1], no_cache=True))
    """)
    return subprocess.run([sys.executable, "-c", script, str(REPO / "pyproject.toml")], cwd=root,
                          env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True, timeout=120)


def test_the_layers_contract_holds() -> None:
    run = _lint(REPO)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 kept, 0 broken" in run.stdout


def test_an_upward_import_breaks_the_contract(tmp_path: Path) -> None:
    """The contract is not decorative: content importing the engine (an upward import) fails it."""
    shutil.copytree(PACKAGE, tmp_path / "booklets", ignore=shutil.ignore_patterns("__pycache__"))
    load = tmp_path / "booklets/content/load.py"
    load.write_text(load.read_text() + "\nfrom booklets.engine import cache  # noqa: E402\n")
    run = _lint(tmp_path)
    assert run.returncode != 0
    assert "booklets.content is not allowed to import booklets.engine" in run.stdout
    assert "booklets.content.load -> booklets.engine.cache" in run.stdout


def test_the_folders_tell_the_stages() -> None:
    assert SUBPACKAGES == ["check", "cli", "content", "engine", "packets", "render"]
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert top == ["__init__.py", "__main__.py", "errors.py", "paths.py", "plan.py"]


@pytest.mark.parametrize("name", SUBPACKAGES)
def test_subpackage_init_files_are_empty(name: str) -> None:
    assert (PACKAGE / name / "__init__.py").read_text() == ""


def test_no_module_is_a_grab_bag() -> None:
    sizes = {p.relative_to(PACKAGE).as_posix(): len(p.read_text().splitlines()) for p in PACKAGE.rglob("*.py")}
    assert {name: n for name, n in sizes.items() if n > MAX_LINES} == {}


def test_a_no_op_build_imports_neither_weasyprint_nor_the_schema(tmp_path: Path) -> None:
    """The fast path of a build with nothing to do: only the engine's light modules."""
    script = textwrap.dedent("""
        import sys
        from pathlib import Path
        from booklets.engine import inputs, pipeline, cache, lock
        from booklets.cli import summary, progress
        heavy = [m for m in ("weasyprint", "pydantic", "booklets.content.schema", "jinja2", "rich")
                 if m in sys.modules]
        print(heavy)
    """)
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=REPO)
    assert run.stdout.strip() == "[]", run.stderr


def _inputs_hash(package_parent: Path, project: Path) -> str:
    script = textwrap.dedent("""
        import sys
        from pathlib import Path
        from booklets.engine.inputs import input_hashes
        from booklets.plan import Target
        target = Target("north", "en", "staff", "screen")
        print(input_hashes(Path(sys.argv[1]), [target], {})[target])
    """)
    # cwd: `python -c` puts the current folder first on sys.path, which must not be the repository.
    run = subprocess.run([sys.executable, "-c", script, str(project)], capture_output=True, text=True,
                         timeout=60, cwd=package_parent,
                         env={"PYTHONPATH": str(package_parent), "PATH": "/usr/bin:/bin"})
    assert run.returncode == 0, run.stderr
    return run.stdout.strip()


def test_an_edit_to_any_subpackage_makes_targets_stale(tmp_path: Path, make_project: object) -> None:
    """Every module of every subpackage is an input of every target (a flat glob of the package
    would miss them, and a changed renderer would leave stale PDFs counted fresh)."""
    project = make_project()  # type: ignore[operator]
    code = tmp_path / "code"
    shutil.copytree(PACKAGE, code / "booklets", ignore=shutil.ignore_patterns("__pycache__"))
    before = _inputs_hash(code, project)
    assert _inputs_hash(code, project) == before  # stable
    seen = {before}
    for name in SUBPACKAGES:
        module = sorted((code / "booklets" / name).glob("*.py"))[-1]
        module.write_text(module.read_text() + "\n# an edit\n")
        now = _inputs_hash(code, project)
        assert now not in seen, f"an edit to {module.relative_to(code)} left the inputs hash as it was"
        seen.add(now)


def test_every_schema_error_template_names_only_values_it_is_given() -> None:
    """pydantic fills a PydanticCustomError template by replacing `{name}`, not with str.format: a
    format spec (`{ratio:.2f}`) or a name missing from the context is printed to the user as it is
    (the accent check once said "a contrast of {ratio:.2f}:1")."""
    import ast
    import string

    calls = 0
    for path in sorted(Path(booklets.__file__).parent.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "PydanticCustomError"):
                continue
            calls += 1
            template = ast.literal_eval(node.args[1])
            context = node.args[2] if len(node.args) > 2 else ast.Dict(keys=[], values=[])
            assert isinstance(context, ast.Dict), f"{path.name}:{node.lineno}: write the context as a dict"
            given = {k.value for k in context.keys if isinstance(k, ast.Constant)}
            for _, name, spec, conversion in string.Formatter().parse(template):
                if name is None:
                    continue
                where = f"{path.name}:{node.lineno}"
                assert not spec and not conversion, f"{where}: {{{name}:{spec}}} is printed as it is"
                assert name in given, f"{where}: {{{name}}} is not in the context"
    assert calls >= 10


def test_no_worker_is_a_plain_fork_of_a_threaded_process() -> None:
    """A plain fork copies only the forking thread: a lock another thread held at that moment
    (a validator's thread pool, the test runner) stays locked in the child, which then hangs.
    That hung CI in the PDF preflight; workers start from the fork server (or spawn) instead."""
    import ast

    plain: list[str] = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = ast.unparse(node.func)
            args = [a.value for a in node.args if isinstance(a, ast.Constant)]
            if name.endswith(("os.fork", "os.forkpty")) or (
                    name.endswith(("get_context", "set_start_method")) and "fork" in args):
                plain.append(f"{path.relative_to(PACKAGE)}:{node.lineno}: {ast.unparse(node)}")
    assert plain == []


def test_the_build_benchmark_s_bare_renderer_imports_what_exists() -> None:
    """benchmarks/build.py runs its bare WeasyPrint processes from a script in a string, so a
    renamed function in render/pdf.py broke it without any import failing here (`_bleed_box`)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_build", REPO / "benchmarks/build.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    sys.modules["bench_build"] = bench  # its dataclasses look their module up there
    try:
        spec.loader.exec_module(bench)
    finally:
        del sys.modules["bench_build"]
    namespace: dict[str, object] = {}
    exec(compile(bench._BARE_RENDER, "benchmarks/build.py:_BARE_RENDER", "exec"), namespace)
    assert callable(namespace["render"])
