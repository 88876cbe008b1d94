"""Ship the top-level data/compat.yaml inside the wheel.

The table lives at the top of the repository (it is data that reviewers read and
change on its own), but an installed pauselint must find it inside its package.
This build step copies it into ``pauselint/data/`` of the build tree.
"""

from pathlib import Path
import shutil

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


class BuildPyWithCompatTable(build_py):
    def run(self) -> None:
        super().run()
        target = Path(self.build_lib) / "pauselint" / "data"
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(HERE / "data" / "compat.yaml", target / "compat.yaml")


setup(cmdclass={"build_py": BuildPyWithCompatTable})
