"""Templates stage: one Jinja environment per templates folder, and the HTML of one target.

Templates are input, so they run sandboxed: autoescape on, StrictUndefined (a missing value fails
loudly instead of printing a blank), no Python internals, nothing changed in place, and no call to
anything but the few callables templates are told about (`range`, `namespace`, their own macros,
loop helpers and a handful of string and mapping methods). The context is plain data
(render/context.py), so there is nothing else to call anyway.
"""

from __future__ import annotations

import stat
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any

import jinja2
from jinja2.loaders import split_template_path
from jinja2.runtime import LoopContext, Macro
from jinja2.sandbox import ImmutableSandboxedEnvironment, safe_range
from jinja2.utils import Namespace
from markupsafe import Markup

from booklets import paths
from booklets.content import i18n
from booklets.content.project import Project
from booklets.errors import BookletError, Problem
from booklets.plan import Target
from booklets.render import limits, web
from booklets.render.context import View, build_context, describe_missing

# Methods of plain values a template may call; every other callable is refused.
_SAFE_METHODS = {
    str: {"upper", "lower", "strip", "startswith", "endswith", "replace", "split", "join", "format", "title"},
    dict: {"items", "keys", "values", "get"},
}
# `range` is Jinja's sandboxed one: at most MAX_RANGE (100,000) items.
_GLOBALS = {"range": safe_range, "namespace": Namespace}


def css_string(value: Any) -> Markup:
    """Quote a value as a CSS string literal that cannot end the string or the <style> element."""
    text = str(value)
    out = "".join(ch if ch.isalnum() or ch in " .,:;!?()-_/'" or ord(ch) > 127 else f"\\{ord(ch):x} " for ch in text)
    return Markup(f'"{out}"')


MAX_TEMPLATE_BYTES = 1024 * 1024


class _OutsideTemplate(jinja2.TemplateNotFound):
    """A template file that may not be read: a link to somewhere outside templates/, a hidden file,
    a device or FIFO, or a file too large to be a template."""


class _ProjectLoader(jinja2.FileSystemLoader):
    """Templates from the templates folder only: a link to a file elsewhere is refused."""

    def __init__(self, templates_dir: Path) -> None:
        super().__init__(templates_dir)
        self.root = templates_dir.resolve()

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        pieces = split_template_path(template)  # refuses `..`
        if not paths.renderer_may_read(PurePosixPath(*pieces)):
            raise _OutsideTemplate(template, f"template {template!r} is a hidden file or an editor's "
                                   "backup, which are never read; give it a plain name")
        try:
            st = (self.root / Path(*pieces)).stat()
        except OSError:
            st = None  # missing: Jinja's own "not found" follows
        if st is not None and not stat.S_ISREG(st.st_mode):
            raise _OutsideTemplate(template, f"template {template!r} is not a plain file (a device, "
                                   "FIFO or folder); replace it with a file")
        if st is not None and st.st_size > MAX_TEMPLATE_BYTES:
            raise _OutsideTemplate(template, f"template {template!r} is {st.st_size:,} bytes, over the "
                                   f"{MAX_TEMPLATE_BYTES:,} byte limit for a template")
        source, filename, uptodate = super().get_source(environment, template)
        real = Path(filename).resolve()
        if not real.is_relative_to(self.root):
            raise _OutsideTemplate(
                template, f"template {template!r} is a link to {real}, outside templates/; "
                "copy the file into templates/ instead")
        return source, filename, uptodate


class _Undefined(jinja2.StrictUndefined):
    """A missing value is an error; for template data it names the record and its fields."""

    @property
    def _undefined_message(self) -> str:
        if isinstance(self._undefined_obj, View) and isinstance(self._undefined_name, str):
            return describe_missing(self._undefined_obj, self._undefined_name)
        return str(super()._undefined_message)


class _Sandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox, calling only what templates are told about, within the limits
    of render/limits.py (every loop and call checks the time; values and numbers are bounded)."""

    code_generator_class = limits.BudgetedCodeGenerator
    intercepted_binops = frozenset({"*", "**", "+", "%"})
    # The generated code calls environment.checked(...) and environment.counted(...).
    checked = staticmethod(limits.checked)
    counted = staticmethod(limits.TemplateBudget.count)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        limits.TemplateBudget.check()
        if isinstance(__obj, jinja2.Undefined):
            __obj._fail_with_undefined_error()  # "x has no field 'parse_raw'", not "cannot call"
        if not _callable_allowed(__obj):
            name = getattr(__obj, "__qualname__", None) or type(__obj).__name__
            raise jinja2.exceptions.SecurityError(
                f"templates may not call {name}: they get plain data; use a filter, or ask for the "
                "value to be added to the template context")
        limits.check_call(__obj, args)
        return limits.checked(super().call(__context, __obj, *args, **kwargs))

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        limits.check_binop(operator, left, right)
        return limits.checked(super().call_binop(context, operator, left, right))


def _callable_allowed(obj: Any) -> bool:
    if isinstance(obj, Macro) or any(obj is g for g in _GLOBALS.values()):
        return True
    owner = getattr(obj, "__self__", None)
    name = getattr(obj, "__name__", "")
    if isinstance(owner, LoopContext):
        return name in ("cycle", "changed")
    return any(isinstance(owner, kind) and name in names for kind, names in _SAFE_METHODS.items())


@cache
def environment(templates_dir: Path) -> jinja2.Environment:
    """The one Jinja environment for a templates folder (cached: building it is not free).

    Sandboxed: a template can print and loop over what it is given, but cannot reach Python's
    internals (`x.__class__.__mro__`...), change its data, or call what it was not given.
    """
    env = _Sandbox(
        loader=_ProjectLoader(templates_dir),
        autoescape=True,
        undefined=_Undefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["css_string"] = css_string
    env.filters.update({name: limits.limited_filter(name, f) for name, f in env.filters.items()})
    env.filters[limits.BUDGET_FILTER] = limits.budgeted
    env.globals.clear()
    env.globals.update(_GLOBALS)
    return env


def render_html(project: Project, target: Target, person: Mapping[str, str] | None = None,
                release: bool = False, time_limit: float = limits.DEFAULT_TIME_LIMIT) -> str:
    """The HTML WeasyPrint receives for one target (for a web edition, its page before the files it
    names are embedded: render/web.py). Template errors name the template file and line. A
    release build never carries the draft mark (build_context).

    `time_limit`: seconds the templates may run for this target (0: no limit); their output and
    values are bounded too (render/limits.py)."""
    env = environment(project.templates_dir)
    context = build_context(project, target, person, release)
    template = "booklet.html.j2"
    if project.editions[target.edition].format == "html":  # the web edition: its own page template
        context.update(web.page_context(project, target))
        template = web.PAGE_TEMPLATE
    try:
        with limits.TemplateBudget.of(time_limit):
            html = env.get_template(template).render(context)
    except limits.TemplateLimit as exc:
        file, line = _template_frame(exc, project.templates_dir)
        problem = Problem(file, line, 1 if line else 0, "", str(exc))
    except jinja2.TemplateSyntaxError as exc:
        name = f"templates/{exc.name}" if exc.name else "templates"
        problem = Problem(name, exc.lineno, 1, "", f"template syntax error: {exc.message}")
    except jinja2.TemplateNotFound as exc:
        file, line = _template_frame(exc, project.templates_dir)
        msg = str(exc.message) if isinstance(exc, _OutsideTemplate) else (
            f"template {exc.name!r} not found in templates/; check the name and the file")
        problem = Problem(file, line, 1 if line else 0, "", msg)
    except jinja2.UndefinedError as exc:
        file, line = _template_frame(exc, project.templates_dir)
        problem = Problem(file, line, 1, "", f"template uses an undefined value: {exc.message}; "
                          "define it or guard it with `is defined`")
    except Exception as exc:
        # Anything else a template can get wrong (a filter on the wrong type, an unsafe attribute
        # refused by the sandbox): name the template line. An error outside the templates is a
        # bug in booklets and keeps its traceback.
        file, line = _template_frame(exc, project.templates_dir)
        if not line:
            raise
        problem = Problem(file, line, 1, "", f"template error: {type(exc).__name__}: {exc}")
    else:
        return i18n.mark_fallbacks(html)
    raise BookletError([problem])


def _template_frame(exc: BaseException, templates_dir: Path) -> tuple[str, int]:
    """The template file and line where an error was raised (Jinja keeps them in the traceback)."""
    tb = exc.__traceback__
    found = ("templates", 0)
    root = templates_dir.resolve()
    while tb is not None:
        filename = Path(tb.tb_frame.f_code.co_filename)
        if filename.is_relative_to(root):
            found = ("templates/" + filename.relative_to(root).as_posix(), tb.tb_lineno)
        tb = tb.tb_next
    return found
