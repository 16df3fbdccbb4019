"""Limits on what a template (or a render) may cost: time, and the size of what it makes.

Templates are input: a typo can make a loop that never ends (`{% for a in range(99999) %}{% for b
in range(99999) %}`), a value of a billion characters (`"x" * 10**9`) or HTML no printer needs. So
every target has a time budget, separately for its HTML and for its PDF, and templates have bounds:

* **Time, HTML** (any thread, so also `serve`'s preview): every loop iteration and every call a
  template makes checks the clock (TemplateBudget). Loops are found when a template is compiled
  (BudgetedCodeGenerator wraps each `for` loop's sequence), so no loop escapes, whatever it
  iterates over; a macro calling itself goes through the sandbox's `call`, which checks too.
* **Time, PDF**: WeasyPrint runs our own Python code only now and then, so the render is
  interrupted by a timer signal instead (time_limit; main thread only, which is where renders
  run: a worker process, or a build rendering in its own process). The timer counts the
  process's CPU time, not the clock: a busy machine (a CI runner, other builds) slows every
  render down, and must not fail a booklet that a hostile template did not make slow.
* **Size**: the HTML a template writes is counted where it is written (MAX_HTML; text a macro
  returns counts again where it is printed, a bound rather than a measure); a single value may not
  grow past MAX_TEXT (repetition `*`, concatenation `+` and `~`, `%` formats with huge widths, a
  string `replace` or `join` that multiplies it, a filter's result); numbers that size a result
  (`center`, `indent`, `batch`, `slice`, format widths, `range`) stop at MAX_COUNT; `**` at
  MAX_POWER_BITS; and text piling up where no size check sees it (a macro's or `{% set %}`
  block's output) is caught by the memory it takes (MAX_TEMPLATE_MEMORY).

Exceeding a limit raises TemplateLimit inside the template's own frame, so the message names the
template file and line (render/html.py).
"""

from __future__ import annotations

import functools
import os
import re
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from jinja2 import nodes, pass_context
from jinja2.compiler import CodeGenerator, Frame

DEFAULT_TIME_LIMIT = 120.0  # seconds per target, for its HTML and again for its PDF
MAX_HTML = 8 * 1024 * 1024  # characters of HTML one booklet's template may write
MAX_TEXT = 2 * 1024 * 1024  # characters (or items) of any one value a template makes
MAX_TEMPLATE_MEMORY = 256 * 1024 * 1024  # bytes a template render may add to the process
CHECK_MEMORY_EVERY = 32  # loop iterations or calls between two looks at the memory
MAX_COUNT = 100_000  # a width, count or range length in a template
MAX_POWER_BITS = 64 * 1024  # `**`: results up to about 20,000 digits
BUDGET_FILTER = "_booklets_budget"  # the filter wrapped around every loop's sequence


class TemplateLimit(Exception):
    """A template went past one of the limits; the message says which and what to do."""


class RenderTimeout(BaseException):
    """A render went past its time limit (raised by the timer signal). A BaseException, so that a
    library's `except Exception` (WeasyPrint logs a failed fetch and goes on) cannot swallow it."""


class TemplateBudget:
    """The time and memory a template render may take, per thread (serve renders in threads).

    The clock is read at every check; the process's memory every CHECK_MEMORY_EVERY checks (text
    built up inside a macro or a `{% set %}` block grows without passing a size check, so a
    template may use at most MAX_TEMPLATE_MEMORY more than it found when it started).
    """

    _local = threading.local()

    @classmethod
    @contextmanager
    def of(cls, seconds: float) -> Iterator[None]:
        previous = getattr(cls._local, "state", None)
        # [deadline, seconds, memory at the start, checks so far, characters written so far]
        cls._local.state = [time.monotonic() + seconds if seconds > 0 else float("inf"), seconds,
                            _memory(), 0, 0]
        try:
            yield
        finally:
            cls._local.state = previous

    @classmethod
    def count(cls, text: str) -> str:
        state = getattr(cls._local, "state", None)
        if state is not None:
            state[4] += len(text)
            if state[4] > MAX_HTML:
                raise TemplateLimit(
                    f"the template wrote more than {MAX_HTML >> 20} MiB of HTML, far more than a "
                    "booklet needs: a loop that runs too long?")
        return text

    @classmethod
    def check(cls) -> None:
        state = getattr(cls._local, "state", None)
        if state is None:
            return
        if time.monotonic() > state[0]:
            raise TemplateLimit(
                f"the template ran for more than {state[1]:g} s, the time limit per booklet "
                "(--time-limit): a loop that never ends? Make it shorter, or raise --time-limit")
        state[3] += 1
        if state[3] % CHECK_MEMORY_EVERY == 0 and state[2] and _memory() - state[2] > MAX_TEMPLATE_MEMORY:
            raise TemplateLimit(
                f"the template used more than {MAX_TEMPLATE_MEMORY >> 20} MiB of memory: a loop "
                "that builds up text without end?")


def _memory() -> int:
    """This process's resident memory in bytes (0 where it cannot be read cheaply)."""
    try:
        with open("/proc/self/statm", "rb") as fh:
            return int(fh.read().split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        return 0


_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


@pass_context
def budgeted(context: Any, sequence: Iterable[Any]) -> Iterator[Any]:
    """A loop's sequence, checking the clock at every item (pass_context: never run while compiling)."""
    check = TemplateBudget.check
    for item in sequence:
        check()
        yield item


class BudgetedCodeGenerator(CodeGenerator):
    """Jinja's code generator, with every `for` loop's sequence passed through BUDGET_FILTER."""

    def visit_Template(self, node: nodes.Template, frame: Frame | None = None) -> None:
        # Before any code is written: Jinja looks up every filter a template uses first.
        for loop in node.find_all(nodes.For):
            if not (isinstance(loop.iter, nodes.Filter) and loop.iter.name == BUDGET_FILTER):
                loop.iter = nodes.Filter(loop.iter, BUDGET_FILTER, [], [], None, None, lineno=loop.lineno)
        super().visit_Template(node, frame)

    # Everything a template writes (its text and each value it prints, into the page or into a
    # macro's or `{% set %}` block's buffer) passes environment.counted where it is written, so
    # going past MAX_HTML is reported at that line of that template.
    def _output_const_repr(self, group: Iterable[Any]) -> str:
        return f"environment.counted({super()._output_const_repr(group)})"

    def _output_child_pre(self, node: nodes.Expr, frame: Frame, finalize: Any) -> None:
        self.write("environment.counted(")
        super()._output_child_pre(node, frame, finalize)

    def _output_child_post(self, node: nodes.Expr, frame: Frame, finalize: Any) -> None:
        super()._output_child_post(node, frame, finalize)
        self.write(")")

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        # `a ~ b`: the joined text is checked before it is kept (a doubling per line, repeated,
        # would otherwise reach gigabytes in a few dozen lines).
        self.write("environment.checked(")
        super().visit_Concat(node, frame)
        self.write(")")


def checked(value: Any) -> Any:
    """`value` if it is within MAX_TEXT (text or a list), else TemplateLimit."""
    if isinstance(value, (str, list, tuple)) and len(value) > MAX_TEXT:
        raise TemplateLimit(too_long(len(value)))
    return value


def too_long(size: int) -> str:
    return (f"a value of {size:,} characters or items, over the {MAX_TEXT:,} a template may make; "
            "a loop or repetition that runs too long?")


def _count(value: Any, what: str) -> None:
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_COUNT:
        raise TemplateLimit(f"{what} {value:,} is over the {MAX_COUNT:,} a template may use")


_PERCENT_FIELD = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?[diouxXeEfFgGcrsa%]")


def check_percent_format(fmt: Any, args: Any) -> None:
    """A `%` format's widths and precisions (`%999999999d`, `%*d`) within MAX_COUNT."""
    if not isinstance(fmt, str):
        return
    for match in _PERCENT_FIELD.finditer(fmt):
        for number in match.groups():
            if number is not None and number != "*":
                _count(int(number), "a width or precision of")
    for arg in args if isinstance(args, tuple) else ():
        _count(arg, "a width of")  # `%*d` takes its width from the arguments


def check_binop(operator: str, left: Any, right: Any) -> None:
    """Refuse, before computing it, a result past the limits."""
    if operator == "*":
        for seq, times in ((left, right), (right, left)):
            if isinstance(seq, (str, list, tuple)) and isinstance(times, int) and len(seq) * times > MAX_TEXT:
                raise TemplateLimit(too_long(len(seq) * times))
    elif operator == "+" and isinstance(left, (str, list, tuple)) and isinstance(right, (str, list, tuple)):
        if len(left) + len(right) > MAX_TEXT:
            raise TemplateLimit(too_long(len(left) + len(right)))
    elif operator == "**" and isinstance(left, int) and isinstance(right, int):
        if right > 0 and abs(left) > 1 and abs(left).bit_length() * right > MAX_POWER_BITS:
            raise TemplateLimit(f"{left} ** {right} is a number too large for a template")
    elif operator == "%":
        check_percent_format(left, right if isinstance(right, tuple) else (right,))


def check_call(obj: Any, args: tuple[Any, ...]) -> None:
    """Methods templates may call that could multiply a value's size (before calling them)."""
    owner, name = getattr(obj, "__self__", None), getattr(obj, "__name__", "")
    if isinstance(owner, str) and name == "replace" and len(args) >= 2:
        _check_replace(owner, args[0], args[1])
    elif isinstance(owner, str) and name == "join" and args:
        _check_join(args[0], owner)


def _check_replace(text: Any, old: Any, new: Any) -> None:
    text, old, new = str(text), str(old), str(new)
    hits = (len(text) + 1) if not old else text.count(old)
    size = len(text) + hits * max(len(new) - len(old), 0)
    if size > MAX_TEXT:
        raise TemplateLimit(too_long(size))


def _check_join(items: Any, separator: Any) -> None:
    if isinstance(items, (list, tuple)):
        size = sum(len(x) if isinstance(x, str) else 20 for x in items) + len(str(separator)) * len(items)
        if size > MAX_TEXT:
            raise TemplateLimit(too_long(size))


def limited_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """A Jinja filter whose sizing numbers are checked before and whose result is checked after."""
    # The value being filtered comes first, after the context a pass_context filter gets.
    skip = 2 if getattr(func, "jinja_pass_arg", None) is not None else 1

    @functools.wraps(func)  # keeps jinja_pass_arg (pass_context...) for Jinja
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        subject, params = (args[skip - 1] if len(args) >= skip else None), args[skip:]
        for value in (*params, *kwargs.values()):
            _count(value, f"the number given to |{name},")
        if name == "format":
            check_percent_format(subject, tuple(params))
        elif name == "replace" and len(params) >= 2:
            _check_replace(subject, params[0], params[1])
        elif name == "join":
            _check_join(subject, params[0] if params else kwargs.get("d", ""))
        return checked(func(*args, **kwargs))

    return wrapper


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise RenderTimeout in this thread after `seconds` (a timer signal: main thread only, where
    renders run; elsewhere, or with no limit, the block simply runs)."""
    usable = (seconds > 0 and hasattr(signal, "setitimer")
              and threading.current_thread() is threading.main_thread())
    if not usable:
        yield
        return

    def expired(signum: int, frame: Any) -> None:
        # Never inside a destructor (an exception there is printed as "ignored", with a traceback,
        # and lost): the next tick, half a second on, comes outside it.
        while frame is not None:
            if frame.f_code.co_name == "__del__":
                return
            frame = frame.f_back
        raise RenderTimeout(f"rendering took longer than {seconds:g} s of processor time, the time limit "
                            "per booklet (--time-limit); make the booklet simpler, or raise --time-limit")

    previous = signal.signal(signal.SIGPROF, expired)
    # CPU time of this process (ITIMER_PROF), then again every half second of it, should something
    # still catch it: the render cannot outlive it.
    signal.setitimer(signal.ITIMER_PROF, seconds, 0.5)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)
