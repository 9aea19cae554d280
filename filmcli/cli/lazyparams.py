"""Keep Pydantic out of the common command lines.

Typer 0.29 coerces every parameter through a Pydantic TypeAdapter, and builds
it even for an option that was not given. Importing Pydantic and building the
adapters costs more than everything else `filmcli list` does on a warm cache.

This installs a thin wrapper around Typer's per-parameter coercion: values
that are absent, text given to a `str` / `str | None` / `list[str]`
parameter (which Pydantic would hand back unchanged), and a whole number (an int
default, or decimal digits) for an `int` / `int | None` parameter within its
min/max, are answered here; any
other value goes to Typer's own coercion exactly as before. The wrapper is
installed only when Typer has the internals it expects.
"""

from __future__ import annotations

import types

# `str | None` also equals `typing.Optional[str]`, whichever spelling a module used.
_TEXT = (str, str | None)
_TEXT_LISTS = (list[str], list[str] | None)
_INTS = (int, int | None)
#: longer digit strings go to Typer (Python refuses ints of over 4300 digits)
_MAX_DIGITS = 18


def _kind(annotation) -> str | None:
    try:
        if annotation in _TEXT:
            return "text"
        if annotation in _TEXT_LISTS:
            return "list"
        if annotation in _INTS:
            return "int"
    except TypeError:  # an annotation that cannot be compared
        return None
    return None


def _whole(value) -> int | None:
    """An int, or decimal digits (a leading minus allowed) as Pydantic reads them; else None
    (Pydantic decides, and words its own error)."""
    if type(value) is int:
        return value
    if type(value) is not str:
        return None
    digits = value[1:] if value.startswith("-") else value
    if digits.isascii() and digits.isdigit() and len(digits) <= _MAX_DIGITS:
        return int(value)
    return None


class _LazyRuntimeParam:
    """Answers the cheap cases; builds Typer's own coercion only when needed."""

    __slots__ = ("_param", "_kind", "_bounds", "_real")

    def __init__(self, param):
        self._param = param
        desc = getattr(param, "type_descriptor", None)
        info = getattr(desc, "parameter_info", None)
        plain = (
            desc is not None
            and getattr(desc, "file_annotation", None) is None
            and not getattr(info, "parser", None)
            and not getattr(info, "click_type", None)
        )
        self._kind = _kind(getattr(desc, "annotation", None)) if plain else None
        self._bounds = (getattr(info, "min", None), getattr(info, "max", None))
        self._real = None

    def _typer(self):
        if self._real is None:
            from typer._coercion import build_runtime_param

            self._real = build_runtime_param(self._param.type_descriptor)
        return self._real

    def coerce(self, value, param, ctx):
        multi = param.multiple or param.nargs == -1
        if value is None:
            return () if multi else None
        if self._kind == "text" and not multi and type(value) is str:
            return value
        if (
            self._kind == "list"
            and multi
            and isinstance(value, (list, tuple))
            and all(type(v) is str for v in value)
        ):
            return list(value)
        if self._kind == "int" and not multi:
            number = _whole(value)
            low, high = self._bounds
            if number is not None and (low is None or number >= low):
                if high is None or number <= high:
                    return number
        return self._typer().coerce(value, param=param, ctx=ctx)

    def __getattr__(self, name):  # anything else Typer asks of a runtime param
        return getattr(self._typer(), name)


def install() -> bool:
    """Wrap Typer's coercion if this Typer has the expected shape; True when done."""
    try:
        from typer import core
    except ImportError:  # pragma: no cover
        return False
    cls = getattr(core, "_TyperParameter", None)
    original = getattr(cls, "get_runtime_param", None)
    if cls is None or not isinstance(original, types.FunctionType):
        return False
    if getattr(original, "_filmcli_lazy", False):
        return True

    def get_runtime_param(self):
        if getattr(self, "_runtime_param", None) is None:
            self._runtime_param = _LazyRuntimeParam(self)
        return self._runtime_param

    # (attr-defined: marks on a function object, which mypy does not let one add)
    get_runtime_param._filmcli_lazy = True  # type: ignore[attr-defined]
    get_runtime_param.__wrapped__ = original  # type: ignore[attr-defined]
    cls.get_runtime_param = get_runtime_param
    return True
