"""``pauselint.records.NamedTuple`` makes what ``typing.NamedTuple`` makes (issue 16).

Each class body here is made twice on the running interpreter, once by each, in a
module of its own so that pickling can find it; every attribute, the constructor's
signature, errors and messages, repr, pickling, copying and ``_replace`` must agree.
A hypothesis test does the same for generated field lists. The last tests keep every
record class in ``src/`` on the cheap path.
"""

from __future__ import annotations

import ast
import copy
import inspect
import pickle
import re
import sys
import types
import typing
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pauselint import records

SRC = Path(__file__).resolve().parents[1] / "src" / "pauselint"

BODIES = {
    "plain": "class R(NamedTuple):\n    a: int\n    b: str\n",
    "one_field": "class R(NamedTuple):\n    only: int\n",
    "defaults": ("class R(NamedTuple):\n    a: int\n    b: str = 'x'\n"
                 "    c: 'list[int] | None' = None\n"),
    "all_defaults": "class R(NamedTuple):\n    a: int = 1\n    b: tuple = ()\n",
    "many": "class R(NamedTuple):\n" + "".join(f"    f{i}: int = {i}\n" for i in range(40)),
    "shadowing_names": ("class R(NamedTuple):\n    cls: int\n    self: int\n    type: str\n"
                        "    len: int = 0\n    tuple_new: int = 0\n"),
    "with_members": '''
class R(NamedTuple):
    """A record with a docstring and members."""

    name: str
    size: int = 0

    KIND = "thing"

    @property
    def doubled(self) -> int:
        return self.size * 2

    @classmethod
    def empty(cls) -> "R":
        return cls("")

    @staticmethod
    def helper() -> int:
        return 7

    def label(self) -> str:
        return f"{self.name}:{self.size}"

    def __str__(self) -> str:
        return self.name
''',
    "own_repr": ("class R(NamedTuple):\n    a: int\n"
                 "    def __repr__(self) -> str:\n        return 'mine'\n"),
    "nested": ("class Outer:\n    class R(NamedTuple):\n        a: int\n"
               "R = Outer.R\n"),
    "generic": ("from typing import Generic, TypeVar\nT = TypeVar('T')\n"
                "class R(NamedTuple, Generic[T]):\n    a: T\n    b: int = 0\n"),
    "no_fields": "class R(NamedTuple):\n    pass\n",
}
# Values for the first fields of each body (the rest take their defaults).
VALUES = {"plain": (1, "b"), "one_field": (5,), "defaults": (1,), "all_defaults": (),
          "many": (9, 8), "shadowing_names": (1, 2, "t"), "with_members": ("n", 3),
          "own_repr": (1,), "nested": (4,), "generic": ("x",), "no_fields": ()}

_made = 0


def make(body: str, maker: Any, *, future: bool = False) -> type:
    """Run ``body`` as a fresh importable module with ``NamedTuple`` bound to ``maker``."""
    global _made
    _made += 1
    name = f"_records_case_{_made}"
    module = types.ModuleType(name)
    module.__dict__["NamedTuple"] = maker
    sys.modules[name] = module
    source = ("from __future__ import annotations\n" if future else "") + body
    # dont_inherit: not this file's ``from __future__ import annotations``, or every
    # body would have string annotations.
    exec(compile(source, f"<{name}>", "exec", dont_inherit=True), module.__dict__)
    return module.R


def outcome(call: Any) -> tuple[str, Any]:
    """What a call gives: its value, or its exception's type and message."""
    try:
        return ("value", call())
    except Exception as exc:  # the point is to compare failures
        return (type(exc).__name__, str(exc))


def class_names(cls: type) -> list[str]:
    """The names in the class's dict. From Python 3.14 typing keeps the annotations
    behind an ``__annotate__`` (``__annotate_func__``, and a cache once read) where
    records keeps the ``__annotations__`` dict; both read the same (``hints`` below).
    typing also copies a lazy body's ``__classdictcell__`` (the cell its annotate
    function reads the class's names from) as a plain attribute; records hands it to
    ``type()``, which fills it with the new class's dict and keeps no attribute."""
    lazy = {"__annotate_func__": "__annotations__", "__annotations_cache__": None,
            "__classdictcell__": None}
    names = {lazy.get(name, name) for name in vars(cls)} - {None}
    return sorted(names)


def public_view(cls: type) -> dict[str, Any]:
    """Everything about a record class that code or a user could see."""
    new = cls.__new__
    return {
        "names": class_names(cls),
        "mro": [base.__name__ for base in cls.__mro__],
        "metaclass": type(cls),
        "fields": cls._fields, "defaults": cls._field_defaults,
        "match_args": cls.__match_args__,
        "doc": cls.__doc__, "qualname": cls.__qualname__,
        "new": (new.__name__, new.__qualname__, new.__doc__, new.__defaults__),
        "remakers": [(method.__qualname__, method.__doc__)
                     for method in (cls._make.__func__, cls._replace)],
        # Annotations apart: typing keeps a string as a ForwardRef, records as written.
        "signature": [(parameter.name, parameter.kind, parameter.default)
                      for parameter in inspect.signature(cls).parameters.values()],
        "field_docs": [getattr(cls, field).__doc__ for field in cls._fields],
        "hints": {name: repr(hint) for name, hint in typing.get_type_hints(cls).items()},
    }


def instance_view(cls: type, values: tuple) -> dict[str, Any]:
    """What instances made from ``values`` do, and how misuse fails."""
    made = cls(*values)
    count = len(cls._fields)
    first = cls._fields[0] if count else "a"
    by_keyword = dict(zip(cls._fields, values, strict=False))
    copied = pickle.loads(pickle.dumps(made))
    view = {
        "tuple": tuple(made), "repr": repr(made), "str": str(made),
        "asdict": made._asdict(), "hash": hash(made) == hash(tuple(made)),
        "eq": made == tuple(made),
        "keywords": outcome(lambda: tuple(cls(**by_keyword))),
        "replace": outcome(lambda: tuple(made._replace(**{first: "new"}))),
        "replace_unknown": outcome(lambda: made._replace(nope=1)),
        "make": outcome(lambda: tuple(cls._make(tuple(made)))),
        "make_short": outcome(lambda: cls._make(tuple(made)[:-1] if count else (1,))),
        "make_long": outcome(lambda: cls._make((*made, 1))),
        "too_many": outcome(lambda: cls(*tuple(made), 1)),
        "unknown_keyword": outcome(lambda: cls(*values, nope=1)),
        "missing": outcome(lambda: cls()),
        "pickled": (type(copied) is cls, copied == made),
        "copy": (type(copy.copy(made)) is cls, copy.deepcopy(made) == made),
        "getnewargs": made.__getnewargs__(),
        "members": {name: outcome(lambda name=name: getattr(made, name)())
                    for name in ("label", "helper", "empty") if hasattr(cls, name)},
        "doubled": getattr(made, "doubled", None),
    }
    if sys.version_info >= (3, 13):
        view["copy_replace"] = outcome(lambda: tuple(copy.replace(made, **{first: 0})))
    return view


@pytest.mark.parametrize("future", [False, True], ids=["evaluated", "string_annotations"])
@pytest.mark.parametrize("case", sorted(BODIES))
def test_the_same_class_as_typing_makes(case: str, future: bool) -> None:
    if case == "generic" and sys.version_info < (3, 11):  # typing refused them then
        assert outcome(lambda: make(BODIES[case], records.NamedTuple)) == \
            outcome(lambda: make(BODIES[case], typing.NamedTuple))
        return
    ours = make(BODIES[case], records.NamedTuple, future=future)
    theirs = make(BODIES[case], typing.NamedTuple, future=future)
    assert ours is not theirs
    assert public_view(ours) == public_view(theirs)
    assert instance_view(ours, VALUES[case]) == instance_view(theirs, VALUES[case])


def test_plain_bodies_take_the_cheap_path_and_the_rest_typing() -> None:
    # The equality above would also hold if everything went to typing: check the route.
    for case in ("plain", "defaults", "with_members", "many"):
        made = make(BODIES[case], records.NamedTuple)
        assert made.__new__.__code__.co_filename == "<string>"
        assert vars(made)["_asdict"] is records._asdict
    for case in ("generic", "no_fields")[sys.version_info < (3, 11):]:
        made = make(BODIES[case], records.NamedTuple)
        assert vars(made)["_asdict"] is not records._asdict
        assert issubclass(made, tuple) and made.__orig_bases__[0] is typing.NamedTuple


def test_a_name_defined_after_the_class_is_typing_s_to_resolve() -> None:
    # Evaluated annotations fail at once before Python 3.14; from 3.14 they are lazy,
    # records cannot evaluate them yet, and typing makes the class (ForwardRefs).
    body = "class R(NamedTuple):\n    a: Later = None\nclass Later:\n    pass\n"
    ours = outcome(lambda: make(body, records.NamedTuple))
    theirs = outcome(lambda: make(body, typing.NamedTuple))
    if ours[0] != "value":
        assert sys.version_info < (3, 14) and ours == theirs
        return
    assert theirs[0] == "value"
    views = [public_view(made) for made in (ours[1], theirs[1])]
    # Each module has a Later of its own: the hints name the same class in each.
    assert [view.pop("hints") for view in views] == [
        {"a": f"<class '{made.__module__}.Later'>"} for made in (ours[1], theirs[1])]
    assert views[0] == views[1]
    assert vars(ours[1])["_asdict"] is not records._asdict


@pytest.mark.parametrize("body", [
    "class R(NamedTuple):\n    a: int = 0\n    b: int\n",
    "class R(NamedTuple):\n    a: int = 0\n    b: int = 1\n    c: int\n",
    "class R(NamedTuple):\n    a: int\n    _fields = ()\n",
    "class R(NamedTuple):\n    a: int\n    def _replace(self): pass\n",
    "class R(NamedTuple):\n    _a: int\n",
    # super() or __class__ in a method: typing refuses it (through 3.13 by type.__new__'s
    # RuntimeError, from 3.14 with its own TypeError).
    "class R(NamedTuple):\n    a: int\n    def m(self):\n        return super().__repr__()\n",
    "class R(NamedTuple):\n    a: int\n    def m(self):\n        return __class__\n",
])
def test_bodies_typing_refuses_are_refused_with_its_message(body: str) -> None:
    # Each body is a module of its own, which a message may name: the same name here.
    def refusal(maker: Any) -> tuple[str, Any]:
        kind, said = outcome(lambda: make(body, maker))
        return kind, re.sub(r"_records_case_\d+", "_records_case", str(said))

    assert refusal(records.NamedTuple) == refusal(typing.NamedTuple)
    assert refusal(records.NamedTuple)[0] != "value"


def test_the_functional_form_is_typing_s() -> None:
    made = records.NamedTuple("Pair", [("left", int), ("right", str)])
    assert made._fields == ("left", "right") and made(1, "x").right == "x"


identifier = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True).filter(
    lambda name: not __import__("keyword").iskeyword(name))


@given(names=st.lists(identifier, min_size=1, max_size=12, unique=True),
       defaults=st.integers(min_value=0, max_value=12),
       values=st.lists(st.one_of(st.integers(), st.text(max_size=3), st.none()),
                       max_size=12))
def test_generated_records_match_typing(names: list[str], defaults: int,
                                        values: list[Any]) -> None:
    defaults = min(defaults, len(names))
    required = len(names) - defaults
    lines = [f"    {name}: int\n" for name in names[:required]]
    lines += [f"    {name}: int = {index}\n" for index, name in enumerate(names[required:])]
    body = "class R(NamedTuple):\n" + "".join(lines)
    given_values = tuple(values[:len(names)])
    if len(given_values) < required:
        given_values += tuple(range(required - len(given_values)))
    ours = make(body, records.NamedTuple)
    theirs = make(body, typing.NamedTuple)
    assert public_view(ours) == public_view(theirs)
    assert instance_view(ours, given_values) == instance_view(theirs, given_values)


def _runtime_namedtuple_imports(path: Path) -> list[int]:
    """Lines of ``path`` importing typing's NamedTuple outside ``if TYPE_CHECKING:``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    checking = {id(node) for branch in ast.walk(tree) if isinstance(branch, ast.If)
                and ast.unparse(branch.test).endswith("TYPE_CHECKING")
                for node in ast.walk(branch)}
    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module == "typing"
            and id(node) not in checking
            and any(alias.name == "NamedTuple" for alias in node.names)]


def test_no_module_in_src_makes_records_with_typing_s_namedtuple() -> None:
    found = {str(path.relative_to(SRC)): lines for path in sorted(SRC.rglob("*.py"))
             if (lines := _runtime_namedtuple_imports(path))}
    assert found == {}, ("import NamedTuple from pauselint.records, which makes the same "
                         "class without compiling code at start-up")


def test_every_record_class_on_check_s_path_is_made_the_cheap_way() -> None:
    import importlib

    listed = (Path(__file__).resolve().parent / "data" / "check_modules.txt").read_text()
    checked = 0
    for name in listed.split():
        if not name.startswith("pauselint"):
            continue
        for value in vars(importlib.import_module(name)).values():
            if (isinstance(value, type) and issubclass(value, tuple)
                    and hasattr(value, "_fields") and value.__module__ == name):
                assert vars(value)["_asdict"] is records._asdict, f"{name}.{value.__name__}"
                checked += 1
    assert checked > 50
