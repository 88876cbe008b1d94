"""What a real containerd makes of a config: does it start, with which sandbox image.

Two runs of the real binary, neither needing a daemon, root or any folder of its own
(both stop before containerd creates its root and state folders):

1. the daemon's own start path, ``containerd --config FILE --log-level <invalid>``:
   it loads the file and its imports exactly as a starting daemon does, then stops at
   the log level. Any other error is the daemon's refusal of the files. This run is
   needed because ``config dump`` of containerd 2.x ignores a "no such file" error of
   an import (``dumpConfig`` skips ``os.IsNotExist``; the daemon does not), printing
   the files loaded before it as if all were well.
2. ``containerd --config FILE config dump``: the merged, migrated configuration with
   every plugin's settings decoded (a decoding error there also stops the daemon, in
   ``server.New``), from which the sandbox image is read.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

CRI_V1X = "io.containerd.grpc.v1.cri"  # containerd 1.x: the one CRI plugin
IMAGES_V2X = "io.containerd.cri.v1.images"  # containerd 2.x: the images part of CRI
TIMEOUT = 30
# A log level no containerd knows: the start path fails there, after loading the config.
PROBE_LEVEL = "pauselint-load-probe"


@dataclass(frozen=True, slots=True)
class Verdict:
    """containerd's answer: does it start, and with which sandbox image.

    ``sandbox_image`` is None where the CRI plugin (2.x: its images plugin) is
    disabled, or where containerd refused the files. ``message`` is containerd's
    error line when refused, "" when accepted; ``log`` is everything it wrote to
    stderr (warnings included).
    """

    accepted: bool
    sandbox_image: str | None
    message: str
    log: str = ""


def dump(binary: Path, config: Path, cwd: str | Path = "/") -> Verdict:
    """containerd's verdict on ``config`` (and its imports), run from ``cwd``."""
    started = _run([str(binary), "--config", str(config), "--log-level", PROBE_LEVEL], cwd)
    if isinstance(started, Verdict):
        return started
    reason = error_line(started.stderr)
    if started.returncode == 0 or PROBE_LEVEL not in reason:
        return Verdict(False, None, reason or f"exit {started.returncode}",
                       started.stderr.strip())
    done = _run([str(binary), "--config", str(config), "config", "dump"], cwd)
    if isinstance(done, Verdict):
        return done
    log = done.stderr.strip()
    if done.returncode != 0:
        return Verdict(False, None, error_line(log) or f"exit {done.returncode}", log)
    try:
        dumped = tomllib.loads(done.stdout)
    except tomllib.TOMLDecodeError as exc:  # would be a containerd bug; say so
        return Verdict(True, None, f"config dump printed invalid TOML: {exc}", log)
    # 1.x warns at load when the merged version is 1 (ValidateV2); its dump then says
    # version 2 all the same, so the warning is what tells which disabled filter applies.
    version_one = V1_WARNING in started.stderr
    return Verdict(True, sandbox_image(dumped, version_one), "", log)


def _run(command: list[str], cwd: str | Path) -> subprocess.CompletedProcess[str] | Verdict:
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT,
                              cwd=cwd, check=False)
    except subprocess.TimeoutExpired:
        return Verdict(False, None, f"no answer in {TIMEOUT} s from {' '.join(command[-2:])}")


def error_line(stderr: str) -> str:
    """containerd's own reason for refusing: its last ``containerd: `` line."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    reasons = [line for line in lines if line.startswith("containerd: ")]
    panics = [line for line in lines if line.startswith("panic: ")]  # a crash: its cause
    return (reasons or panics or lines or [""])[-1]


V1_CRI_ID = "cri"
# What 1.x logs while loading a config whose merged version is 1 (ValidateV2).
V1_WARNING = "containerd config version `1` has been deprecated"


def sandbox_image(dumped: dict, version_one: bool = False) -> str | None:
    """The sandbox image in a dumped configuration, by the dump's own version."""
    disabled = set(dumped.get("disabled_plugins") or ())
    plugins = dumped.get("plugins") or {}
    if dumped.get("version", 1) >= 3:  # containerd 2.x dumps version 3
        if {CRI_V1X, IMAGES_V2X} & disabled:
            return None
        value = (plugins.get(IMAGES_V2X) or {}).get("pinned_images", {}).get("sandbox")
    else:
        # 1.x filters disabled plugins by ID ("cri") in a version 1 config and by URI
        # otherwise (services/server/server.go @v1.6.20: V1DisabledFilter when
        # GetVersion() == 1): the URI in a version 1 config disables nothing (the
        # daemon test v1-uri-not-disabled shows it).
        if (V1_CRI_ID if version_one else CRI_V1X) in disabled:
            return None
        value = (plugins.get(CRI_V1X) or {}).get("sandbox_image")
    return value if isinstance(value, str) else None
