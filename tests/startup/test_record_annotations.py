"""The record modules on `check`'s start-up path make their NamedTuples without strings.

Under ``from __future__ import annotations`` every annotation is a string, and
``typing.NamedTuple`` compiles each field's string into a ``ForwardRef`` when the class
is made: about 15 us a field, ~25 M instructions of a 440 M one-file `check` over the
330 fields on its path (callgrind). These modules evaluate their annotations instead and
quote only true forward references, inside a generic (``tuple["Finding", ...]``),
where typing leaves them alone; so no field of theirs is a string or a ForwardRef.
(``pauselint.records`` now makes these classes without compiling anything, but it hands
some bodies, and every body on an interpreter without class-level ``__annotations__``,
to typing; this keeps those cheap too.)
"""

import importlib
import typing

import pytest

MODULES = (
    "pauselint.commands.inputs_options",
    "pauselint.compat",
    "pauselint.config",
    "pauselint.describe",
    "pauselint.engine",
    "pauselint.imageref",
    "pauselint.inputs",
    "pauselint.model",
    "pauselint.reading",
    "pauselint.rules",
    "pauselint.rules.framework",
    "pauselint.rules.images",
    "pauselint.sources.containerd",
    "pauselint.sources.containerd_hosts",
    "pauselint.sources.containerd_load",
    "pauselint.sources.kubelet",
    "pauselint.sources.layering",
    "pauselint.sources.node_paths",
    "pauselint.sources.registries_conf",
    "pauselint.sources.registry",
    "pauselint.sources.source_text",
    "pauselint.sources.systemd",
    "pauselint.sources.toml_locator",
    "pauselint.sources.yaml_locator",
)
# Fields that stay strings on purpose: their type's module is imported only when used.
LEFT_AS_STRINGS = {
    # The online client (pauselint.online) is imported only by --online runs, and
    # pathlib only by runs that make a Path (test_startup_modules keeps it off check's
    # path: with urllib.parse and ipaddress it costs ~16 M instructions of start-up).
    "pauselint.engine": {"Options.online", "Options.root"},
    "pauselint.sources.layering": {"LayerContext.root"},
    "pauselint.sources.node_paths": {"Resolved.paths"},
    "pauselint.sources.registry": {"ReadContext.root"},
    # A text embedded in another names its outer text: the class itself.
    "pauselint.sources.source_text": {"SourceText.outer"},
}


def string_fields(module_name: str) -> set[str]:
    """``Class.field`` of every NamedTuple field in the module annotated by a string."""
    module = importlib.import_module(module_name)
    found = set()
    for name, value in vars(module).items():
        if not (isinstance(value, type) and issubclass(value, tuple)
                and hasattr(value, "_fields") and value.__module__ == module_name):
            continue
        for field, annotation in value.__annotations__.items():
            if isinstance(annotation, (str, typing.ForwardRef)):
                found.add(f"{name}.{field}")
    return found


@pytest.mark.parametrize("module_name", MODULES)
def test_named_tuple_fields_are_evaluated_not_strings(module_name: str) -> None:
    module = importlib.import_module(module_name)
    assert any(isinstance(v, type) and hasattr(v, "_fields") and v.__module__ == module_name
               for v in vars(module).values()), "no NamedTuple left to check here"
    assert string_fields(module_name) == LEFT_AS_STRINGS.get(module_name, set())
