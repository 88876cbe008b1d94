"""``NamedTuple`` for pauselint's records, made without compiling code at import.

Every record in pauselint (``Setting``, ``Location``, ``Finding``, ...) is a
``typing.NamedTuple``, and a pre-commit hook makes every class on its path on every
commit. ``typing.NamedTuple`` hands each class to ``collections.namedtuple``, which
compiles a fresh ``__new__`` from source text with ``eval`` and builds five closures,
after typing has checked each annotation: ~0.7 M instructions a class of five fields
in a cold process (callgrind, Python 3.11). Over the 60 classes on the path of a
one-file `check`, making them here saves 25 M of its 374 M instructions, more than
any other part of pauselint's own start-up could.

This module makes the same classes the cheap way: one ``__new__`` code object per
number of fields, compiled once and renamed for each class with ``code.replace``;
``_make`` and ``_replace`` as closures over the class's fields, as collections makes
them, but without compiling; the rest shared by all records (they read
``self._fields``; none runs on a hot path). The result is what ``typing.NamedTuple`` makes
-- a plain ``tuple`` subclass with the same attributes, signature, defaults, errors,
repr, pickling and ``_replace`` -- and ``tests/test_records.py`` holds the two side by
side on the running interpreter. Two differences, both invisible to pauselint's code:
``__annotations__`` holds the annotations as written (typing turns a string into a
``ForwardRef`` and ``None`` into ``NoneType``; ``typing.get_type_hints`` reads both),
and the shared methods' (``__repr__``, ``_asdict``, ``__getnewargs__``)
``__qualname__`` and docstrings do not name the class.

On Python 3.14 a class body keeps its annotations behind an ``__annotate__``
function (PEP 649) unless its module has ``from __future__ import annotations``;
it is called for their values (typing asks for forward references, which only a
name not defined yet needs: such a body is typing's), and the class holds the
resulting ``__annotations__`` where typing's holds an ``__annotate__`` (``cls.__annotations__``,
``typing.get_type_hints`` and ``annotationlib.get_annotations`` read either).

Anything but the plain class form (``Generic`` bases, the functional form, a class
body without annotations, lazy annotations that name something not defined yet, a
method using ``super()``) is handed to ``typing.NamedTuple`` itself. Type checkers
are told this *is* ``typing.NamedTuple``.
"""

from __future__ import annotations

import sys
import types
import typing
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

try:
    from _collections import _tuplegetter  # what collections.namedtuple uses
except ImportError:  # pragma: no cover - other Pythons
    from operator import itemgetter

    def _tuplegetter(index: int, doc: str) -> Any:
        return property(itemgetter(index), doc=doc)

if TYPE_CHECKING:
    from typing import NamedTuple as NamedTuple

_tuple_new = tuple.__new__
# What the generated __new__ sees: nothing but tuple.__new__, as in collections.
_NEW_GLOBALS: dict[str, Any] = {"_tuple_new": _tuple_new, "__builtins__": {}}
_NEW_CODE: dict[int, types.CodeType] = {}  # by number of fields

# typing's own lists: what a class body may not set, and what it never copies
# (Python 3.14's lazy annotations added the last three).
_PROHIBITED = frozenset({"__new__", "__init__", "__slots__", "__getnewargs__", "_fields",
                         "_field_defaults", "_make", "_replace", "_asdict", "_source"})
_SPECIAL = frozenset({"__module__", "__name__", "__annotations__", "__annotate__",
                      "__annotate_func__", "__annotations_cache__"})
# annotationlib.Format.VALUE: what an annotate function gives the evaluated dict for.
_VALUE_FORMAT = 1


def _new_code(count: int) -> types.CodeType:
    """``lambda _cls, _0, ..., _n: _tuple_new(_cls, (_0, ..., _n))``, compiled once."""
    code = _NEW_CODE.get(count)
    if code is None:
        args = ", ".join(f"_{index}" for index in range(count))
        source = f"lambda _cls, {args}: _tuple_new(_cls, ({args},))"
        # dont_inherit: not this module's ``from __future__`` flags, as collections'.
        code = eval(compile(source, "<string>", "eval", dont_inherit=True),
                    _NEW_GLOBALS).__code__
        _NEW_CODE[count] = code
    return code


# collections' own choice, which changed in Python 3.13.
_UNKNOWN_FIELD_ERROR = TypeError if sys.version_info >= (3, 13) else ValueError


def _remakers(typename: str, fields: tuple[str, ...]) -> dict[str, Any]:
    """The class's ``_make`` and ``_replace``, closures over its fields as collections'
    are: ``_replace`` runs for every node's facts, and reading ``self._fields`` and
    ``len(cls._fields)`` on each call made it 1.7x slower. (Making two closures is
    cheap; it is compiling them that is not.)"""
    count = len(fields)

    def _make(cls: type, iterable: Iterable[Any]) -> tuple:
        result = _tuple_new(cls, iterable)
        if len(result) != count:
            raise TypeError(f"Expected {count} arguments, got {len(result)}")
        return result

    def _replace(self: Any, /, **kwds: Any) -> Any:
        result = self._make(map(kwds.pop, fields, self))
        if kwds:
            raise _UNKNOWN_FIELD_ERROR(f"Got unexpected field names: {list(kwds)!r}")
        return result

    _make.__qualname__ = f"{typename}._make"
    _make.__doc__ = f"Make a new {typename} object from a sequence or iterable"
    _replace.__qualname__ = f"{typename}._replace"
    _replace.__doc__ = f"Return a new {typename} object replacing specified fields with new values"
    made = {"_make": classmethod(_make), "_replace": _replace}
    if sys.version_info >= (3, 13):  # collections added copy.replace() support then
        made["__replace__"] = _replace
    return made


def _repr(self: Any) -> str:
    fields = ", ".join(map("{}={!r}".format, self._fields, self))
    return f"{self.__class__.__name__}({fields})"


def _asdict(self: Any) -> dict[str, Any]:
    return dict(zip(self._fields, self, strict=True))


def _getnewargs(self: Any) -> tuple:
    return tuple(self)


_repr.__name__ = "__repr__"
_getnewargs.__name__ = "__getnewargs__"
_SHARED: dict[str, Any] = {"__repr__": _repr, "_asdict": _asdict,
                           "__getnewargs__": _getnewargs}


def _non_default_error(name: str, defaulted: list[str]) -> TypeError:
    plural = "s" if len(defaulted) > 1 else ""
    return TypeError(f"Non-default namedtuple field {name} cannot follow default "
                     f"field{plural} {', '.join(defaulted)}")


def _record_class(typename: str, annotations: dict[str, Any], ns: dict[str, Any]) -> type:
    """The tuple subclass ``typing.NamedTuple`` would make from this class body."""
    fields = tuple(annotations)
    defaulted: list[str] = []
    for name in fields:
        if name.startswith("_"):
            raise ValueError(f"Field names cannot start with an underscore: {name!r}")
        if name in ns:
            defaulted.append(name)
        elif defaulted:
            raise _non_default_error(name, defaulted)
    defaults = tuple(ns[name] for name in defaulted)
    arg_list = repr(fields).replace("'", "")[1:-1]  # collections' own: "a," for one field
    code = _new_code(len(fields)).replace(co_varnames=("_cls", *fields), co_name="__new__")
    new = types.FunctionType(code, _NEW_GLOBALS, "__new__")
    new.__defaults__ = defaults  # () when none, as collections leaves it
    new.__qualname__ = f"{typename}.__new__"
    new.__doc__ = f"Create new instance of {typename}({arg_list})"
    new.__annotations__ = dict(annotations)
    body: dict[str, Any] = {
        "__doc__": f"{typename}({arg_list})", "__slots__": (), "_fields": fields,
        "_field_defaults": dict(zip(defaulted, defaults, strict=True)), "__new__": new, **_SHARED,
        **_remakers(typename, fields),
        "__match_args__": fields, "__module__": ns["__module__"],
        "__annotations__": dict(annotations)}
    for index, name in enumerate(fields):
        body[name] = _tuplegetter(index, sys.intern(f"Alias for field number {index}"))
    for key, value in ns.items():
        if key in _PROHIBITED:
            raise AttributeError("Cannot overwrite NamedTuple attribute " + key)
        if key not in _SPECIAL and key not in fields:
            body[key] = value
    return type(typename, (tuple,), body)


def _lazy_annotations(ns: dict[str, Any]) -> Any:
    """A Python 3.14 class body's annotations (PEP 649: kept behind ``__annotate__``
    unless the module has ``from __future__ import annotations``), evaluated as the
    body's own code would evaluate them; None where that fails (a name not defined
    yet), which typing's NamedTuple then resolves its own way."""
    # The keys annotationlib.get_annotate_from_class_namespace looks up, in its order.
    annotate = ns.get("__annotate__", ns.get("__annotate_func__"))
    if not callable(annotate):
        return None
    try:
        return annotate(_VALUE_FORMAT)
    except Exception:
        return None


class _RecordMeta(type):
    """Turns ``class X(NamedTuple): ...`` into a record class, as typing's metaclass does."""

    def __new__(mcls, typename: str, bases: tuple[type, ...], ns: dict[str, Any]) -> Any:
        annotations = ns.get("__annotations__")
        if annotations is None and bases == (_RecordBase,):
            annotations = _lazy_annotations(ns)
        # A method using super() or __class__ leaves a __classcell__: typing refuses
        # such a body (its message differs between versions), so it is typing's.
        if (bases == (_RecordBase,) and isinstance(annotations, dict) and annotations
                and "__classcell__" not in ns):
            return _record_class(typename, annotations, ns)
        written = ns.get("__orig_bases__", bases)
        typed = tuple(typing.NamedTuple if base is NamedTuple or base is _RecordBase
                      else base for base in written)
        rest = {key: value for key, value in ns.items() if key != "__orig_bases__"}
        return types.new_class(typename, typed, {}, lambda body: body.update(rest))


_RecordBase = type.__new__(_RecordMeta, "NamedTuple", (), {})

if not TYPE_CHECKING:
    def NamedTuple(typename: str, fields: Any = None, /, **kwargs: Any) -> type:
        """The functional form, ``NamedTuple("X", [("a", int)])``: typing's own."""
        if fields is None:
            return typing.NamedTuple(typename, **kwargs)
        return typing.NamedTuple(typename, fields, **kwargs)

    def _mro_entries(bases: tuple[Any, ...]) -> tuple[type]:
        return (_RecordBase,)

    NamedTuple.__mro_entries__ = _mro_entries

__all__ = ["NamedTuple"]
