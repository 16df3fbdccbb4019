"""README.md and docs/*.md cannot drift from the project (issue 18).

Every path they name (in code spans, code blocks and links) exists; every `python build.py
[COMMAND] --option` they show parses with the real command line; every bare `--option` they mention
belongs to some command; every test they cite (`tests/x.py::test_y`) is defined; and README's
dependency table lists exactly the packages pyproject.toml installs (runtime, and the test extra's
libraries). The same checker is shown to catch a deliberately wrong path, option and dependency in a
scratch copy of the docs.
"""

from __future__ import annotations

import argparse
import re
import shutil
import tomllib
from pathlib import Path

from booklets.cli.main import _parser
from tests.scratch import REPO

DOCS = ("README.md", "docs/*.md")
# Paths the docs tell the reader to create (the French example of docs/languages.md, an editor's
# settings file) or a command writes (a release's record, `new facility riverside`): they are not
# in the repository, on purpose.
TO_CREATE = ("content/fr/", ".vscode/", "content/releases.yaml", "content/facilities/riverside.yaml")
# Outputs and places outside the project: named in the docs, never in the repository.
NOT_IN_REPO = ("dist/", "dist-", "OUT/", "/", "../", ".booklets-cache/", "file:", "http:", "https:")
_EXT = r"\.(?:py|ya?ml|md|json|j2|css|png|txt|csv|toml|pdf|html)"
_PATH = re.compile(rf"^[\w.<>*…-]+(?:/[\w.<>*…{{}}-]*)*(?:{_EXT}|/)(?:::\w+)?$")
# Test extras that are tools, not libraries the code or tests import: not in the table.
TOOLS = {"pytest", "ruff", "mypy", "types-pyyaml", "import-linter"}


def doc_files(root: Path) -> list[Path]:
    return [p for pattern in DOCS for p in sorted(root.glob(pattern))]


def code_texts(text: str) -> tuple[list[str], list[str]]:
    """(code blocks, inline code spans outside them) of a Markdown text."""
    block = re.compile(r"^\s*```[^\n]*\n(.*?)^\s*```", re.M | re.S)
    blocks = block.findall(text)
    # Indented blocks (four spaces after a blank line) show commands and trees too.
    blocks += re.findall(r"(?:(?<=\n\n)|^)((?: {4}[^\n]*\n)+)", block.sub("", text))
    # A span may run over a line break (Markdown joins the lines with a space).
    spans = [" ".join(span.split()) for span in re.findall(r"`([^`\n]+(?:\n[^`\n]+)?)`", block.sub("", text))]
    return blocks, spans


def _exists(root: Path, path: str) -> bool:
    """Whether a documented path names something: as written from the project root, or (for the
    shorthand of a tree or table: `<lang>/strings.yaml`, `partials/`, `cli/main.py`,
    `test_x.py::test_y`) inside content/, templates/, booklets/ or tests/."""
    path, _, test = path.partition("::")
    pattern = re.sub(r"<[^>]*>|…|\{[^}]*\}", "*", path).rstrip("/") or "."
    for base in ("", "content/", "content/*/", "templates/", "booklets/", "tests/"):
        for found in root.glob(base + pattern):
            if not test:
                return True
            if re.search(rf"^def {re.escape(test)}\b", found.read_text(encoding="utf-8"), re.M):
                return True
    return False


def _paths_in(code: str) -> list[str]:
    found = []
    for token in re.split(r"[\s\"'`(),;=\[\]]+", code):
        token = re.sub(r"(:\d+)+:?$", "", token).rstrip(":.,")  # file:line:col: names the file
        if not token or not _PATH.match(token) or ("/" not in token and "::" not in token):
            continue
        if token.startswith(NOT_IN_REPO) or token.startswith(TO_CREATE) or "://" in token:
            continue
        found.append(token)
    return found


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def _options(parser: argparse.ArgumentParser) -> set[str]:
    """A command's options, those of its own subcommands included (`new facility --jurisdiction`)."""
    found = {s for a in parser._actions for s in a.option_strings}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            found = found.union(*(_options(p) for p in action.choices.values()))
    return found


def _command_problems(where: str, code: str, commands: dict[str, argparse.ArgumentParser]) -> list[str]:
    """Every `build.py [COMMAND] --option` in `code` that the parser does not know."""
    problems = []
    for match in re.finditer(r"(?<![\w/])build\.py\b([^\n&|;'\"`)]*)", code):
        words = match.group(1).split()
        name = words[0] if words and words[0] in commands else "build"
        if words and words[0] not in commands and re.fullmatch(r"[a-z]+", words[0]):
            problems.append(f"{where}: `build.py {words[0]}`: no such command")
            continue
        for option in re.findall(r"(?<![\w-])(--?[a-zA-Z][\w-]*)", match.group(1)):
            if option not in _options(commands[name]):
                problems.append(f"{where}: `build.py {'' if name == 'build' else name + ' '}{option}`: "
                                f"no such option of {name}")
    return problems


def drift(root: Path) -> list[str]:
    """Everything README.md and docs/*.md under `root` name that does not exist."""
    commands = _subparsers(_parser())
    every_option = set().union(*(_options(p) for p in commands.values()))
    problems: list[str] = []
    for doc in doc_files(root):
        rel = doc.relative_to(root).as_posix()
        text = doc.read_text(encoding="utf-8")
        blocks, spans = code_texts(text)
        for code in [*blocks, *spans]:
            # A message quoted in prose describes someone's bad input (a template `x.html.j2`);
            # README's example messages, in a block, are the shipped project's (test_cli_first_run).
            for path in [] if code.startswith(("error: ", "warning: ")) else _paths_in(code):
                if not _exists(root, path):
                    problems.append(f"{rel}: `{path}` does not exist")
            problems += _command_problems(rel, code, commands)
        for span in spans:  # a bare `--option` in prose: some command must have it
            if "build.py" not in span and re.match(r"--[a-z]", span):
                for option in re.findall(r"(?<![\w-])(--[a-z][\w-]*)", span):
                    if option not in every_option:
                        problems.append(f"{rel}: `{option}` is no option of any command")
        for target in re.findall(r"\]\(([^)\s#]+)(?:#[^)]*)?\)", text):  # links and images
            if "://" not in target and not target.startswith("mailto:") and not (doc.parent / target).exists():
                problems.append(f"{rel}: link to {target} does not exist")
    return sorted(set(problems)) + dependency_drift(root)


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[; ]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def dependency_drift(root: Path) -> list[str]:
    """README's "Dependencies and why" table against pyproject.toml, both ways."""
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime = {_name(r) for r in project["dependencies"]}
    tests = {_name(r) for r in project["optional-dependencies"]["test"]} - TOOLS
    readme = (root / "README.md").read_text(encoding="utf-8")
    section = readme.partition("## Dependencies and why")[2].split("\n## ")[0]
    table_runtime: set[str] = set()
    table_tests: set[str] = set()
    for row in re.findall(r"^\| ([^|]+) \|", section, re.M)[1:]:
        if set(row.strip()) <= {"-"} or "`.ci/run`" in row:  # a separator, or a system tool .ci/run installs
            continue
        names = {m.lower() for m in re.findall(r"(?:^|, )([A-Za-z][\w.-]*)", row)}
        (table_tests if "(tests" in row else table_runtime).update(names)
    problems = [f"README.md: dependency table lacks {n} (a dependency in pyproject.toml)"
                for n in sorted(runtime - table_runtime)]
    problems += [f"README.md: dependency table lacks {n} (a test dependency in pyproject.toml)"
                 for n in sorted(tests - table_tests)]
    problems += [f"README.md: dependency table lists {n}, which pyproject.toml does not install"
                 for n in sorted((table_runtime - runtime) | (table_tests - tests))]
    return problems


def test_readme_and_docs_name_only_what_exists() -> None:
    assert doc_files(REPO)[0].name == "README.md" and len(doc_files(REPO)) >= 4
    assert drift(REPO) == []


def scratch_docs(tmp_path: Path) -> Path:
    """A copy of the docs and pyproject.toml beside links to everything else of the project."""
    root = tmp_path / "copy"
    root.mkdir()
    for entry in REPO.iterdir():
        if entry.name in ("README.md", "docs", "pyproject.toml"):
            (shutil.copytree if entry.is_dir() else shutil.copy)(entry, root / entry.name)
        elif entry.name not in (".git", ".venv", "dist"):
            (root / entry.name).symlink_to(entry)
    assert drift(root) == []
    return root


def test_drift_is_caught_in_a_scratch_copy(tmp_path: Path) -> None:
    root = scratch_docs(tmp_path)
    readme = root / "README.md"
    text = readme.read_text(encoding="utf-8")
    readme.write_text(text + "\nSee `content/facilities/nowhere.yaml` and run `python build.py check --nope`"
                      " or `python build.py frobnicate`; `--colour` helps.\n"
                      "```sh\npython benchmarks/missing.py\n"
                      ".venv/bin/python -m pytest tests/test_nothing.py::test_x\n"
                      "```\n[a link](docs/gone.md)\n", encoding="utf-8")
    assert drift(root) == [
        "README.md: `--colour` is no option of any command",
        "README.md: `benchmarks/missing.py` does not exist",
        "README.md: `build.py check --nope`: no such option of check",
        "README.md: `build.py frobnicate`: no such command",
        "README.md: `content/facilities/nowhere.yaml` does not exist",
        "README.md: `tests/test_nothing.py::test_x` does not exist",
        "README.md: link to docs/gone.md does not exist",
    ]

    # A test that is cited but not defined, in docs/.
    readme.write_text(text, encoding="utf-8")
    safety = root / "docs/safety.md"
    safety.write_text(safety.read_text(encoding="utf-8") + "\n`tests/test_bad_input.py::test_no_such_test`\n")
    assert drift(root) == ["docs/safety.md: `tests/test_bad_input.py::test_no_such_test` does not exist"]


def test_dependency_table_drift_is_caught_both_ways(tmp_path: Path) -> None:
    root = scratch_docs(tmp_path)
    readme = root / "README.md"
    text = readme.read_text(encoding="utf-8")
    readme.write_text(text.replace("| pypdfium2 |", "| pypdfium3 |"), encoding="utf-8")
    assert dependency_drift(root) == [
        "README.md: dependency table lacks pypdfium2 (a dependency in pyproject.toml)",
        "README.md: dependency table lists pypdfium3, which pyproject.toml does not install",
    ]
    readme.write_text(text.replace("| pypdf, hypothesis (tests) |", "| pypdf (tests) |"), encoding="utf-8")
    assert dependency_drift(root) == ["README.md: dependency table lacks hypothesis (a test dependency in "
                                      "pyproject.toml)"]
