"""Ship the top-level data/compat.yaml inside the wheel, with a parsed copy.

The table lives at the top of the repository (it is data that reviewers read and
change on its own), but an installed pauselint must find it inside its package.
This build step copies it into ``pauselint/data/`` of the build tree, and writes
the same data beside it in marshal's format (version 4, the .pyc format): loading
it costs ~1 M instructions against ~7 M for JSON with json's import and over 90 M
for YAML, on every pre-commit run. compat.py validates either the same way, and
reads the YAML whenever the copy is stale or unreadable.
"""

import marshal
import shutil
from pathlib import Path

import yaml
from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


class BuildPyWithCompatTable(build_py):
    def run(self) -> None:
        super().run()
        target = Path(self.build_lib) / "pauselint" / "data"
        # This step owns the folder (src/pauselint has no data/ of its own), and empties
        # it first: setuptools reuses build/, which would otherwise ship what an earlier
        # build wrote there, such as the compat.json builds before this one made.
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        source = HERE / "data" / "compat.yaml"
        shutil.copyfile(source, target / "compat.yaml")
        raw = source.read_bytes()
        copy = {
            "source": raw,  # the copy is used while the YAML is still these bytes
            "table": yaml.safe_load(raw.decode("utf-8")),
        }
        # Version 4 pinned: every Python 3 pauselint supports reads it, whichever
        # one builds the wheel (a later default could be one an older cannot read).
        (target / "compat.marshal").write_bytes(marshal.dumps(copy, 4))


setup(cmdclass={"build_py": BuildPyWithCompatTable})
