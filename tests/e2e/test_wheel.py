"""The wheel carries data/compat.yaml and works from a fresh venv in another folder."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_wheel_installs_and_runs_from_elsewhere(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w",
                    str(dist), str(REPO)], check=True, timeout=300)
    wheels = list(dist.glob("pauselint-*.whl"))
    assert len(wheels) == 1
    env_dir = tmp_path / "venv"
    # The fresh venv sees this interpreter's site-packages only for the dependencies
    # (click, pyyaml, packaging), so the test needs no network beyond building.
    venv.EnvBuilder(with_pip=True, system_site_packages=True).create(env_dir)
    py = env_dir / "bin" / "python"
    # Not this run's PYTHONPATH: with a checkout's src/ on it (and the egg-info a wheel
    # build leaves there), pip would take pauselint as installed and skip the wheel.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    subprocess.run([str(py), "-m", "pip", "install", "--quiet", "--no-deps", str(wheels[0])],
                   check=True, timeout=300, env=env)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "config.toml").write_text(
        'version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n'
        '  sandbox_image = "k8s.gcr.io/pause:3.10"\n')
    proc = subprocess.run([str(env_dir / "bin" / "pauselint"), "check", "-k", "1.31",
                           "config.toml"], cwd=elsewhere, capture_output=True, text=True,
                          env=env, timeout=60, check=False)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "config.toml:3:19: error PL102 tag-not-on-registry" in proc.stdout
    located = subprocess.run([str(py), "-c", "import pauselint.compat as c; print(c.table_path())"],
                             cwd=elsewhere, capture_output=True, text=True, env=env, check=True)
    assert str(env_dir) in located.stdout and "site-packages" in located.stdout
    # The copy made at build time holds exactly the YAML's data, and it is what a run
    # reads: loading the table imports neither yaml nor json.
    compared = subprocess.run(
        [str(py), "-c",
         "import marshal, yaml, pauselint.compat as c; p = str(c.table_path()); "
         "built = marshal.loads(open(c.built_copy(p), 'rb').read())['table']; "
         "print(built == yaml.safe_load(open(p, encoding='utf-8').read()))"],
        cwd=elsewhere, capture_output=True, text=True, env=env, check=True)
    assert compared.stdout.strip() == "True"
    loaded = subprocess.run(
        [str(py), "-c",
         "import sys, pauselint.compat as c; c.load_table(); "
         "print('yaml' in sys.modules, 'json' in sys.modules)"],
        cwd=elsewhere, capture_output=True, text=True, env=env, check=True)
    assert loaded.stdout.strip() == "False False"
