"""Where Debian's docker-registry cannot be had, the registry tests skip and say why."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_without_the_package_the_registry_tests_skip_with_the_reason(tmp_path: Path) -> None:
    # An empty package cache and no apt-get on PATH: debian.fetch() cannot get it.
    env = {**os.environ, "PAUSELINT_RUNTIME_CACHE": str(tmp_path / "cache"),
           "PATH": str(tmp_path / "no-tools")}

    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider",
         "tests/online/test_distribution.py", "-k", "a_missing_tag_is_not_found and mirror"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False)

    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 skipped" in done.stdout
    assert ("Debian's docker-registry cannot be fetched: apt-get or dpkg is not on this "
            "machine (Debian tools needed)") in done.stdout
