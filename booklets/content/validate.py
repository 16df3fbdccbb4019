"""Schema validation of one YAML document, with every pydantic error turned into one Problem.

pydantic reports errors by location tuple and type; authors need the file, line and column, the key
as they wrote it, what was expected and what was found, and how to fix it ("did you mean" for a
misspelt key, from the keys allowed at that place). A localised text is `text` or a mapping of
language codes to text: only the branch the author meant is reported.
"""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from booklets.content import schema
from booklets.content.yamlload import Doc, key_path, position
from booklets.errors import Problem

M = TypeVar("M", bound=BaseModel)

_ALL_FIELDS = sorted(
    {
        name
        for cls in vars(schema).values()
        if isinstance(cls, type) and issubclass(cls, BaseModel)
        for name, info in cls.model_fields.items()
        for name in [info.alias or name]
    }
)


def describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return f"{str(value)!r}"


_EXPECTED = {
    "string_type": "text",
    "int_parsing": "a whole number",
    "int_type": "a whole number",
    "float_parsing": "a number",
    "float_type": "a number",
    "bool_parsing": "true or false",
    "bool_type": "true or false",
    "date_from_datetime_parsing": "a date written YYYY-MM-DD",
    "date_parsing": "a date written YYYY-MM-DD",
    "date_type": "a date written YYYY-MM-DD",
    "list_type": "a list",
    "dict_type": "a mapping of keys to values",
    "model_type": "a mapping of keys to values",
    "model_attributes_type": "a mapping of keys to values",
}


def _fields_at(model: Any, loc: tuple[Any, ...]) -> list[str]:
    """The keys allowed at `loc` inside `model` (for "did you mean" hints), or every known key."""
    tp: Any = model
    for step in loc:
        tp = _unwrap(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel) and isinstance(step, str):
            field_info = next((f for n, f in tp.model_fields.items() if (f.alias or n) == step), None)
            tp = field_info.annotation if field_info is not None else None
        elif typing.get_origin(tp) is list and isinstance(step, int):
            tp = typing.get_args(tp)[0]
        elif typing.get_origin(tp) is dict:
            tp = typing.get_args(tp)[1]
        else:
            return _ALL_FIELDS
    tp = _unwrap(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return [info.alias or name for name, info in tp.model_fields.items()]  # as YAML writes them
    return _ALL_FIELDS


def _unwrap(tp: Any) -> Any:
    """Annotated[X, ...] -> X; X | None -> X; a union -> its one model or container member."""
    while True:
        if typing.get_origin(tp) is typing.Annotated:
            tp = typing.get_args(tp)[0]
            continue
        args = typing.get_args(tp)
        if typing.get_origin(tp) in (typing.Union, types.UnionType):
            useful = [
                a
                for a in args
                if a is not type(None)
                and (
                    typing.get_origin(a) in (list, dict, typing.Annotated)
                    or (isinstance(a, type) and issubclass(a, BaseModel))
                )
            ]
            if len(useful) == 1:
                tp = useful[0]
                continue
        return tp


def _message(err: Any, model: Any, loc: tuple[Any, ...]) -> str:
    kind, value = err["type"], err.get("input")
    if kind == "missing":
        return f"required key `{err['loc'][-1]}` is missing; add it"
    if kind == "extra_forbidden":
        name = str(loc[-1])
        allowed = _fields_at(model, loc[:-1])
        close = difflib.get_close_matches(name, allowed, n=1)
        if close:
            return f"unknown key `{name}`; did you mean `{close[0]}`?"
        if allowed is _ALL_FIELDS:
            return f"unknown key `{name}`; remove it (see docs/content-format.md)"
        return f"unknown key `{name}`; expected one of: {', '.join(allowed)}"
    if kind in ("literal_error", "enum"):
        return f"expected {err['ctx']['expected']}, found {describe(value)}"
    if kind in _EXPECTED:
        return f"expected {_EXPECTED[kind]}, found {describe(value)}"
    if kind == "string_too_short":
        return "expected text, found an empty value"
    if kind == "too_short":
        return f"expected at least one item, found {describe(value)}"
    if kind.startswith(("greater", "less")):
        expected = err["msg"].lower().replace("input should be", "expected a value")
        return f"{expected}, found {describe(value)}"
    if kind == "string_pattern_mismatch":
        return f"expected a simple size such as `A5` or `5.5in 8.5in`, found {describe(value)}"
    return str(err["msg"])


# pydantic names the branch of a union, and each validator function, inside `loc`.
_BRANCH_PREFIXES = ("function-", "dict[", "list[", "literal[", "constrained-")
_BRANCH_NAMES = {"str", "int", "float", "bool", "date", "none"}


def _is_branch(step: Any) -> bool:
    return isinstance(step, str) and (step.startswith(_BRANCH_PREFIXES) or step in _BRANCH_NAMES)


def _union_choice(data: Any, errors: list[Any]) -> list[Any]:
    """Keep only the union branch the author meant, so one mistake gives one line.

    A localized text is `text` or `{en: text, es: text}`: for a mapping only the mapping branch's
    errors matter, for text only the text branch's; for anything else one combined error is made.
    """
    sites: dict[tuple[Any, ...], list[Any]] = {}
    out = []
    for err in errors:
        raw = tuple(err["loc"])
        branch_at = next((i for i, step in enumerate(raw) if _is_branch(step)), None)
        if branch_at is None:
            out.append(err)
        else:
            sites.setdefault(raw[:branch_at], []).append(err)
    for site, errs in sites.items():
        clean = tuple(s for s in site if not _is_branch(s))
        value = _value_at(data, clean)
        mapping_branch = [e for e in errs if str(e["loc"][len(site)]).startswith("dict[")]
        text_branch = [e for e in errs if e not in mapping_branch]
        if isinstance(value, dict):
            out += mapping_branch
        elif isinstance(value, str):
            out += text_branch
        else:
            msg = "expected text, or a mapping of language codes to text, found "
            out.append({"type": "local_text", "loc": site, "msg": msg + describe(value)})
    return out


def _value_at(data: Any, loc: tuple[Any, ...]) -> Any:
    for step in loc:
        try:
            data = data[step]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _loc_for_position(loc: tuple[Any, ...], kind: str) -> tuple[Any, ...]:
    # Drop union branch names and function tags so the path matches the YAML.
    clean = tuple(s for s in loc if not _is_branch(s))
    return clean[:-1] if kind == "missing" else clean


def validate(doc: Doc, model: type[M]) -> tuple[M | None, list[Problem]]:
    """Validate one loaded document against its model; every schema error becomes a Problem."""
    try:
        return model.model_validate(doc.data), []
    except ValidationError as exc:
        problems = []
        for err in _union_choice(doc.data, exc.errors()):
            loc = _loc_for_position(tuple(err["loc"]), err["type"])
            line, col = position(doc.data, loc, at_key=err["type"] == "extra_forbidden")
            key = key_path(loc if err["type"] != "missing" else (*loc, err["loc"][-1]))
            problems.append(Problem(doc.rel, line or 1, col or 1, key, _message(err, model, loc)))
        return None, problems

