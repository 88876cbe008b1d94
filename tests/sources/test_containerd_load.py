"""containerd's loading per release (sources/containerd_load.py), on real files. The
1.6.20/1.7.24/2.1.9 expectations are what Debian's binaries do (tests/containerd_real
checks the model against them on many more files); 2.2/2.3 come from their sources."""

from __future__ import annotations

from pathlib import Path

import pytest

from pauselint import engine
from pauselint.compat import load_table
from pauselint.inputs import collect
from pauselint.model import Component

TABLE = load_table()
BOTH_KEYS_V3 = ('version = 3\n[plugins."io.containerd.grpc.v1.cri"]\n'
                '  sandbox_image = "example.com/grpc:1"\n'
                '[plugins."io.containerd.cri.v1.images".pinned_images]\n'
                '  sandbox = "example.com/pinned:1"\n')


def shown(root: Path, text: str, version: str) -> dict:
    config = root / "etc/containerd/config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(text)
    (entry,) = engine.describe_files(
        collect([str(root)]), engine.Options(runtimes=((Component.CONTAINERD, version),)), TABLE)
    (runtime,) = entry["runtimes"]
    return runtime


@pytest.mark.parametrize(("version", "image"), [
    ("1.6.20", "example.com/grpc:1"),  # reads version 3 as 2
    ("2.1.9", "example.com/pinned:1"),  # ConfigVersion 3: no migration of a version 3 file
    # 2.3 migrates each file as it loads it (0d7fee062), which is not modelled: its
    # files are read as their own config version says (compat.yaml import_merge).
    ("2.3.0", "example.com/pinned:1"),
])
def test_a_version_3_file_with_both_keys(tmp_path, version, image):
    runtime = shown(tmp_path, BOTH_KEYS_V3, version)
    assert runtime["accepted"] and runtime["sandbox_image"]["value"] == image


@pytest.mark.parametrize(("text", "versions", "image"), [
    # version 0 is version 1: 1.x reads [plugins.cri]; 2.x migrates a version 1 main
    # file to its ConfigVersion without the CRI plugin's migration: its default.
    ('version = 0\n[plugins.cri]\n  sandbox_image = "example.com/v1:1"\n',
     ("1.6.20", "1.7.24"), "example.com/v1:1"),
    ('version = 0\n[plugins.cri]\n  sandbox_image = "example.com/v1:1"\n',
     ("2.1.9",), "registry.k8s.io/pause:3.10"),
    # version -1: not 1, so plugin URIs; below 2, so no validation (all three).
    ('version = -1\n[plugins."io.containerd.grpc.v1.cri"]\n  sandbox_image = "example.com/m:1"\n',
     ("1.6.20", "1.7.24", "2.1.9"), "example.com/m:1"),
    # go-toml v1 also matches SANDBOX_IMAGE; v2 only the tag.
    ('version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n  SANDBOX_IMAGE = "example.com/u:1"\n',
     ("1.6.20", "1.7.24"), "example.com/u:1"),
    ('version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n  SANDBOX_IMAGE = "example.com/u:1"\n',
     ("2.1.9",), "registry.k8s.io/pause:3.10"),
    # an escape in a header: go-toml v1 keeps it (no plugin), v2 resolves it
    ('version = 2\n[plugins."io.containerd.grpc.v1\\u002ecri"]\n  sandbox_image = "example.com/e:1"\n',
     ("1.7.24",), "registry.k8s.io/pause:3.8"),
    ('version = 2\n[plugins."io.containerd.grpc.v1\\u002ecri"]\n  sandbox_image = "example.com/e:1"\n',
     ("2.1.9",), "example.com/e:1"),
])
def test_versions_and_key_spellings(tmp_path, text, versions, image):
    for version in versions:
        runtime = shown(tmp_path / version, text, version)
        assert runtime["accepted"], (version, runtime["refusal"])
        assert runtime["sandbox_image"]["value"] == image, version


@pytest.mark.parametrize(("version", "accepted"), [("1.6.20", True), ("1.7.24", False),
                                                   ("2.1.9", False)])
def test_version_5(tmp_path, version, accepted):
    runtime = shown(tmp_path, 'version = 5\n[plugins."io.containerd.grpc.v1.cri"]\n'
                    '  sandbox_image = "example.com/five:1"\n', version)
    assert runtime["accepted"] is accepted
    if accepted:
        assert runtime["sandbox_image"]["value"] == "example.com/five:1"


def test_a_relative_glob_is_matched_from_the_daemons_working_folder_before_1_7_16(tmp_path):
    # systemd starts containerd in /: 1.6.20 matches `conf.d/*.toml` against the node's /,
    # 1.7.24 against the config's folder.
    config = tmp_path / "etc/containerd/config.toml"
    (tmp_path / "etc/containerd/conf.d").mkdir(parents=True)
    (tmp_path / "etc/containerd/conf.d/a.toml").write_text(
        'version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n  sandbox_image = "example.com/a:1"\n')
    text = ('version = 2\nimports = ["conf.d/*.toml"]\n[plugins."io.containerd.grpc.v1.cri"]\n'
            '  sandbox_image = "example.com/main:1"\n')
    assert shown(tmp_path, text, "1.6.20")["sandbox_image"]["value"] == "example.com/main:1"
    assert shown(tmp_path, text, "1.7.24")["sandbox_image"]["value"] == "example.com/a:1"
    assert config.exists()
