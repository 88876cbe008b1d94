"""Where the project config file is, found without reading it.

Nearly every run has no config file (a pre-commit hook in a config repository, a CI
check, a node), and every run looks for one. Finding that there is none must not
cost importing the config reader (``pauselint.config``: 3.5 M instructions, more
than 1% of a one-file `check`); only a folder with a ``pyproject.toml`` in it, which
may or may not hold ``[tool.pauselint]``, has the reader look inside.
"""

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

YAML_NAMES = (".pauselint.yaml", ".pauselint.yml")


def find_config(start: "str | Path") -> "Path | None":
    """The nearest config at or above ``start``: the folder closest to the inputs wins.

    In one folder ``.pauselint.yaml`` beats ``.pauselint.yml`` beats a ``pyproject.toml``
    with ``[tool.pauselint]``; a pyproject without the section is passed over, as ruff
    and pytest do, so a parent folder's config still applies.

    Walked with os.path, as ``Path.resolve()`` and ``.parents`` would walk it: every
    run without a config (most pre-commit runs) asks, and pathlib costs such a run
    ~16 M instructions of start-up. Only a config found is made a Path.
    """
    folder = os.path.realpath(start)
    if not os.path.isdir(folder):
        folder = os.path.dirname(folder)
    while True:
        for name in YAML_NAMES:
            if os.path.isfile(os.path.join(folder, name)):
                return _found(os.path.join(folder, name))
        pyproject = os.path.join(folder, "pyproject.toml")
        if os.path.isfile(pyproject):
            from pauselint.config import has_tool_section

            if has_tool_section(pyproject):
                return _found(pyproject)
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def _found(path: str) -> "Path":
    from pathlib import Path

    return Path(path)
