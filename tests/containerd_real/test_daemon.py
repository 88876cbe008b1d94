"""A running containerd agrees with `pauselint show` on which sandbox image it uses.

Each case starts one real daemon (tests/containerd_real/daemon.py: temporary root,
state and sockets, its own mount namespace, no registry reachable) of one Debian
containerd version on one set of files, and asks it over CRI: ``Status(verbose=True)``
(``config.sandboxImage``, what kubeadm's preflight reads; containerd 2.x reports no
such key) and ``RunPodSandbox`` (the image it then tries to get, every version). The
daemon's answer is recorded in the case and checked first: a change there is a fact
that moved, not a pauselint bug. Then ``show --format json --runtime-version
containerd=V`` on the same texts must say the same: accepted or refused, and
``runtimes[0].sandbox_image.value``. Where pauselint disagrees today the case is a
strict xfail limited to that comparison, so it flips once the reader is fixed.

Wall time: some 0.2 s per case here (start to stop); bounded by daemon.READY_WITHIN +
3 * daemon.CALL_TIMEOUT + 2 * daemon.STOP_WITHIN (SIGTERM, then SIGKILL) per case.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import NamedTuple

import pytest
from click.testing import CliRunner

pytest.importorskip("cri_api", reason="container-runtime-interface-api (the test extra) "
                    "is not installed: no CRI client")

from pauselint.cli import main

from .daemon import (
    DaemonRefused,
    daemon_config,
    pod_sandbox_image,
    run_pod_sandbox_error,
    running,
    sandbox_image,
    why_not_here,
)

V2_PAUSE_39_WITH_SYSTEMD_IMPORT = """\
version = 2
imports = ["conf.d/99-systemd.toml"]

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "registry.k8s.io/pause:3.9"
"""
SYSTEMD_IMPORT = {"conf.d/99-systemd.toml": """\
version = 2

[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
  SystemdCgroup = true
"""}
V3_PINNED_310 = """\
version = 3

[plugins."io.containerd.cri.v1.images".pinned_images]
  sandbox = "registry.k8s.io/pause:3.10"
"""
# 3.10 is also 2.1.9's default: only another value shows the key is read.
V3_PINNED_39 = V3_PINNED_310.replace("pause:3.10", "pause:3.9")
V2_EMPTY = """\
version = 2

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = ""
"""
V3_PINNED_EMPTY = V3_PINNED_310.replace('"registry.k8s.io/pause:3.10"', '""')
V1_PAUSE_39 = """\
[plugins.cri]
  sandbox_image = "registry.k8s.io/pause:3.9"
"""
V1_URI_DISABLED = """\
disabled_plugins = ["io.containerd.grpc.v1.cri"]

[plugins.cri]
  sandbox_image = "registry.k8s.io/pause:3.9"
"""
V2_CRI_DISABLED = """\
version = 2
disabled_plugins = ["io.containerd.grpc.v1.cri"]

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "registry.k8s.io/pause:3.9"
"""

EMPTY_IMAGE_ERROR = ('failed to get sandbox image "": failed to pull image "": '
                     'failed to parse image reference "": invalid reference format')


class Case(NamedTuple):
    """One daemon: a version on files, and what that daemon was seen to answer.

    ``image``: the image RunPodSandbox tries to get (None: it serves no CRI, or
    refused to start); ``refusal``: the end of containerd's stderr line when it
    refuses (the case is then one of refusal); ``pod_error``: the exact
    RunPodSandbox error where it is the point of the case; ``pauselint``: pauselint's
    answer today where it differs (None: it agrees), which makes the comparison a
    strict xfail.
    """

    id: str
    version: str
    config: str
    files: dict[str, str]
    image: str | None
    refusal: str = ""
    pod_error: str = ""
    pauselint: str | None = None


CASES = [
    # containerd 1.x: the import's [plugins."io.containerd.grpc.v1.cri"...] table
    # replaces the main file's whole CRI section; sandbox_image falls to the default.
    Case("import-replaces-1.6.20", "1.6.20", V2_PAUSE_39_WITH_SYSTEMD_IMPORT, SYSTEMD_IMPORT,
         "registry.k8s.io/pause:3.6"),
    Case("import-replaces-1.7.24", "1.7.24", V2_PAUSE_39_WITH_SYSTEMD_IMPORT, SYSTEMD_IMPORT,
         "registry.k8s.io/pause:3.8"),
    Case("import-merges-2.1.9", "2.1.9", V2_PAUSE_39_WITH_SYSTEMD_IMPORT, SYSTEMD_IMPORT,
         "registry.k8s.io/pause:3.9"),
    Case("v3-pinned-3.10-2.1.9", "2.1.9", V3_PINNED_310, {}, "registry.k8s.io/pause:3.10"),
    Case("v3-pinned-3.9-2.1.9", "2.1.9", V3_PINNED_39, {}, "registry.k8s.io/pause:3.9"),
    # 1.6.20 reads version 3 as 2: pinned_images is no key of its, the default applies.
    Case("v3-read-as-v2-1.6.20", "1.6.20", V3_PINNED_39, {}, "registry.k8s.io/pause:3.6"),
    Case("v3-refused-1.7.24", "1.7.24", V3_PINNED_310, {}, None,
         refusal="unsupported config version `3`"),
    # A version-1 file: 1.x reads [plugins.cri]; 2.1.9 ignores it for its default.
    Case("v1-1.7.24", "1.7.24", V1_PAUSE_39, {}, "registry.k8s.io/pause:3.9"),
    Case("v1-ignored-2.1.9", "2.1.9", V1_PAUSE_39, {}, "registry.k8s.io/pause:3.10"),
    # CRI disabled: the daemon starts and serves no CRI, so there is no sandbox image.
    *(Case(f"cri-disabled-{version}", version, V2_CRI_DISABLED, {}, None)
      for version in ("1.6.20", "1.7.24", "2.1.9")),
    # 1.x filters disabled plugins by ID in a version 1 config (server.go @v1.6.20:
    # V1DisabledFilter when GetVersion() == 1): the URI disables nothing there. `config
    # dump` cannot show it (it prints version 2), so the daemon decides.
    *(Case(f"v1-uri-not-disabled-{version}", version, V1_URI_DISABLED, {}, image)
      for version, image in (("1.6.20", "registry.k8s.io/pause:3.9"),
                             ("1.7.24", "registry.k8s.io/pause:3.9"))),
    # An empty image stays empty in 1.x: Status says "" and no sandbox can be made.
    Case("empty-1.7.24", "1.7.24", V2_EMPTY, {}, "", pod_error=EMPTY_IMAGE_ERROR),
    Case("empty-1.6.20", "1.6.20", V2_EMPTY, {}, "", pod_error=EMPTY_IMAGE_ERROR),
    # 2.1.9 uses its default for an empty image, from a v2 or a v3 file alike, while
    # `config dump` prints the empty value: the podsandbox controller's
    # getSandboxImageName() (internal/cri/server/podsandbox) falls back when it is "".
    Case("empty-v2-2.1.9", "2.1.9", V2_EMPTY, {}, "registry.k8s.io/pause:3.10"),
    Case("empty-v3-2.1.9", "2.1.9", V3_PINNED_EMPTY, {}, "registry.k8s.io/pause:3.10"),
]


class PauselintDisagrees(AssertionError):
    """pauselint's answer differs from the daemon's (the only failure a case may xfail)."""


def _param(case: Case) -> object:
    if case.pauselint is None:
        return pytest.param(case, id=case.id)
    uses = f"uses {case.image!r}" if case.image is not None else "serves no CRI, so no image"
    reason = f"containerd {case.version} daemon {uses}; pauselint show says {case.pauselint!r}"
    return pytest.param(case, id=case.id, marks=pytest.mark.xfail(
        strict=True, raises=PauselintDisagrees, reason=reason))


def _shown(tmp_path: Path, case: Case) -> dict:
    """``show``'s runtime entry for the very texts the daemon reads."""
    etc = tmp_path / "etc" / "containerd"
    etc.mkdir(parents=True)
    for relative, text in case.files.items():
        (etc / relative).parent.mkdir(parents=True, exist_ok=True)
        (etc / relative).write_text(text)
    config = etc / "config.toml"
    config.write_text(daemon_config(tmp_path, case.config))
    result = CliRunner().invoke(main, ["show", "--no-config", "--format", "json",
                                       "--runtime-version", f"containerd={case.version}",
                                       str(config)])
    assert result.exit_code == 0, result.output
    [node] = json.loads(result.output)["nodes"]
    [runtime] = node["runtimes"]
    assert runtime["name"] == "containerd" and runtime["version"] == case.version
    return runtime


@pytest.mark.parametrize("case", [_param(case) for case in CASES])
def test_running_daemon_agrees_with_show(case: Case, containerd_binaries: dict[str, Path],
                                         tmp_path: Path) -> None:
    reason = why_not_here()
    if reason:
        pytest.skip(reason)
    shown = _shown(tmp_path, case)
    binary = containerd_binaries[case.version]
    if case.refusal:
        with pytest.raises(DaemonRefused) as refused, running(binary, case.config, case.files):
            pass
        assert refused.value.line.startswith("containerd: failed to load TOML from ")
        assert refused.value.line.endswith(case.refusal), refused.value.log
        if shown["accepted"]:
            raise PauselintDisagrees(f"containerd {case.version} refuses: "
                                     f"{refused.value.line}; pauselint show accepts, with "
                                     f"{shown['sandbox_image']['value']!r}")
        return
    with running(binary, case.config, case.files) as daemon:
        status = sandbox_image(daemon)
        pod_error = run_pod_sandbox_error(daemon) if case.pod_error else ""
        used = pod_sandbox_image(daemon)
    # What the daemon says, whatever pauselint says.
    assert used == case.image
    if case.image is None:
        assert status is None and not daemon.cri, "a daemon without CRI has no image"
    elif case.version.startswith("1."):
        assert status == case.image, "1.x reports the image it uses in Status"
    else:
        assert status is None, "2.x has no config.sandboxImage in Status"
    if case.pod_error:
        assert pod_error == case.pod_error
    # `sandbox_image` is null where the runtime has no sandbox image at all.
    answer = (shown["accepted"], (shown["sandbox_image"] or {}).get("value"))
    if answer != (True, case.image):
        raise PauselintDisagrees(
            f"containerd {case.version} daemon accepts and uses {case.image!r}; pauselint "
            f"show says accepted={answer[0]}, sandbox_image {answer[1]!r} "
            f"(refusal: {shown['refusal']})")
