"""``check --online`` against real registries (issue 15): PL112, PL113 and PL114 found
exactly, on configs whose sandbox image a node pulls from Debian's docker-registry,
directly or through a containerd ``hosts.toml`` mirror; registries that refuse, do
not answer or are not there are bounded errors (exit 2) while the offline rules still
run; and pauselint sends nothing but GET and HEAD.

The registries and what they carry are tests/realparts/registry.py's: ``mirror``
(plain HTTP) has ``pause:3.9`` for linux/amd64 only, ``3.9-linuxarm64``, a ``3.10``
index for linux/amd64, linux/arm64/v8 and windows/amd64 (10.0.20348), no ``3.7``;
``secure`` (TLS, htpasswd) has its own ``pause:3.9``. Digests compared are the ones
the harness pushed, never written here.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from pauselint.cli import main
from realparts.registry import PASSWORD, USER, Registries

CONFIG = 'version = 2\n[plugins."io.containerd.grpc.v1.cri"]\nsandbox_image = "{image}"\n'
AGENT = "pauselint/"


def node_with(tmp_path: Path, image: str, hosts: dict[str, str] | None = None) -> Path:
    """A containerd node folder whose sandbox image is ``image``; ``hosts`` maps a
    registry to the text of its ``certs.d/<registry>/hosts.toml``."""
    node = tmp_path / "node"
    config = node / "etc" / "containerd" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    text = CONFIG.format(image=image)
    if hosts:
        text += ('[plugins."io.containerd.grpc.v1.cri".registry]\n'
                 'config_path = "/etc/containerd/certs.d"\n')
    config.write_text(text)
    for registry, hosts_toml in (hosts or {}).items():
        folder = node / "etc" / "containerd" / "certs.d" / registry
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "hosts.toml").write_text(hosts_toml)
    return node


def secure_hosts_toml(registries: Registries, node: Path) -> str:
    """A hosts.toml that sends pulls to the ``secure`` registry, trusting the test CA
    as the node keeps it (a file under its certs.d folder, written here)."""
    host = registries.secure.host
    ca = f"/etc/containerd/certs.d/{host}/ca.crt"
    target = node / ca.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(registries.ca_file.read_bytes())
    return (f'server = "https://{host}"\nca = "{ca}"\n\n[host."https://{host}"]\n'
            f'  capabilities = ["pull", "resolve"]\n  ca = "{ca}"\n')


def check(*args: str) -> tuple[int, dict]:
    result = CliRunner().invoke(main, ["check", "--no-config", "-o", "json", "-k", "1.31",
                                       "--runtime-version", "containerd=1.7.24",
                                       "--online", "--registry-timeout", "3", *args])
    return result.exit_code, json.loads(result.output)


def online_findings(doc: dict) -> list[tuple[str, int | None, int | None]]:
    return sorted((f["rule"], f["line"], f["column"]) for f in doc["findings"]
                  if f["rule"] in ("PL112", "PL113", "PL114"))


def test_an_amd64_only_copy_on_an_arm64_node_is_pl113_naming_the_arm64_tag(
        registries: Registries, tmp_path: Path) -> None:
    image = f"{registries.mirror.host}/pause:3.9"
    code, doc = check("--platform", "linux/arm64", str(node_with(tmp_path, image)))
    assert online_findings(doc) == [("PL113", 3, 17)]
    [finding] = [f for f in doc["findings"] if f["rule"] == "PL113"]
    assert "linux/amd64" in finding["message"]
    assert "3.9-linuxarm64" in finding["message"]
    assert code == 1 and doc["errors"] == []


def test_the_same_copy_on_an_amd64_node_is_fine(registries: Registries,
                                                 tmp_path: Path) -> None:
    image = f"{registries.mirror.host}/pause:3.9"
    code, doc = check("--platform", "linux/amd64", str(node_with(tmp_path, image)))
    assert online_findings(doc) == []
    assert doc["errors"] == [] and code == 0  # PL201 (3.9 at 1.31), a warning, only


def test_a_tag_the_registry_never_got_is_pl112(registries: Registries,
                                               tmp_path: Path) -> None:
    image = f"{registries.mirror.host}/pause:3.7"
    code, doc = check("--platform", "linux/amd64", str(node_with(tmp_path, image)))
    assert online_findings(doc) == [("PL112", 3, 17)]
    [finding] = [f for f in doc["findings"] if f["rule"] == "PL112"]
    assert registries.mirror.host in finding["message"] and "404" in finding["message"]
    assert code == 1


def test_a_full_index_serves_a_windows_node_of_its_build(registries: Registries,
                                                        tmp_path: Path) -> None:
    image = f"{registries.mirror.host}/pause:3.10"
    for platform, expected in (("windows/amd64:ltsc2022", []),
                               ("windows/amd64:ltsc2019", [("PL113", 3, 17)])):
        _, doc = check("--platform", platform, str(node_with(tmp_path / platform[-4:], image)))
        assert online_findings(doc) == expected, platform


def test_a_pinned_digest_whose_tag_moved_is_pl114(registries: Registries,
                                                 tmp_path: Path) -> None:
    other = registries.mirror.pushed[("pause", "3.10")].digest
    image = f"{registries.mirror.host}/pause:3.9@{other}"
    _, doc = check("--platform", "linux/amd64", str(node_with(tmp_path, image)))
    assert online_findings(doc) == [("PL114", 3, 17)]
    [finding] = [f for f in doc["findings"] if f["rule"] == "PL114"]
    assert registries.mirror.pushed[("pause", "3.9")].digest in finding["message"]


def test_a_hosts_toml_mirror_is_asked_instead_of_upstream(registries: Registries,
                                                          tmp_path: Path) -> None:
    """registry.k8s.io is never asked: the mirror is the only host, and its copy of
    3.10 is not upstream's manifest list (PL114 against the table's digest)."""
    mirror = registries.mirror.host
    hosts = (f'server = "http://{mirror}"\n\n[host."http://{mirror}"]\n'
             '  capabilities = ["pull", "resolve"]\n')
    node = node_with(tmp_path, "registry.k8s.io/pause:3.10", {"registry.k8s.io": hosts})
    mark = registries.mirror.log_mark()
    code, doc = check("--platform", "linux/arm64", str(node))
    assert online_findings(doc) == [("PL114", 3, 17)], doc["errors"]
    assert code == 0  # a warning
    [finding] = [f for f in doc["findings"] if f["rule"] == "PL114"]
    assert registries.mirror.pushed[("pause", "3.10")].digest in finding["message"]
    asked = registries.mirror.requests(mark, AGENT)
    # With ?ns=, as containerd asks a mirror for another registry's image.
    assert asked and asked[0].path == "/v2/pause/manifests/3.10?ns=registry.k8s.io"
    assert doc["errors"] == []


def test_a_registry_that_wants_credentials_is_an_error_naming_it(
        registries: Registries, tmp_path: Path) -> None:
    image = f"{registries.secure.host}/pause:3.9"
    node = node_with(tmp_path, image, {registries.secure.host: secure_hosts_toml(
        registries, tmp_path / "node")})
    no_credentials = tmp_path / "auth.json"
    no_credentials.write_text("{}")
    code, doc = check("--platform", "linux/amd64", "--registry-auth-file",
                      str(no_credentials), str(node))
    assert code == 2
    assert any(registries.secure.host in e["message"] for e in doc["errors"]), doc["errors"]
    assert online_findings(doc) == []
    # The offline rules still ran on the node.
    assert any(f["rule"] == "PL201" for f in doc["findings"])


def test_credentials_from_an_auth_file_are_used_and_never_printed(
        registries: Registries, tmp_path: Path) -> None:
    host = registries.secure.host
    auth = tmp_path / "auth.json"
    secret = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    auth.write_text(json.dumps({"auths": {host: {"auth": secret}}}))
    node = node_with(tmp_path, f"{host}/pause:3.9", {host: secure_hosts_toml(
        registries, tmp_path / "node")})
    result = CliRunner().invoke(main, [
        "check", "--no-config", "-k", "1.31", "--platform", "linux/amd64", "--online",
        "--registry-auth-file", str(auth), str(node)])
    assert PASSWORD not in result.output and secret not in result.output
    assert "error:" not in result.output, result.output


def test_a_registry_that_never_answers_is_a_bounded_error(silent_host: str,
                                                          tmp_path: Path) -> None:
    node = node_with(tmp_path, f"{silent_host}/pause:3.10")
    result = CliRunner().invoke(main, [
        "check", "--no-config", "-o", "json", "-k", "1.31", "--online",
        "--registry-timeout", "0.3", "--registry-deadline", "5", str(node)])
    doc = json.loads(result.output)
    assert result.exit_code == 2
    assert [e["message"] for e in doc["errors"]] == [
        f"{silent_host}/pause:3.10: {silent_host}: no answer within 0.3 s"]


def test_pauselint_sent_only_get_and_head(registries: Registries, tmp_path: Path) -> None:
    mark = {name: getattr(registries, name).log_mark() for name in ("mirror", "secure")}
    for tag in ("3.9", "3.7", "3.10"):
        check("--platform", "linux/arm64",
              str(node_with(tmp_path / tag, f"{registries.mirror.host}/pause:{tag}")))
    sent = [r for name in mark
            for r in getattr(registries, name).requests(mark[name], AGENT)]
    assert sent
    assert {r.method for r in sent} <= {"GET", "HEAD"}


def test_node_online_asks_the_registry_as_check_does(registries: Registries,
                                                     tmp_path: Path) -> None:
    """``pauselint node --online`` (the DaemonSet's view of a node) finds PL113 the
    same way, with no runtime socket or kubelet to ask."""
    node = node_with(tmp_path, f"{registries.mirror.host}/pause:3.9")
    result = CliRunner().invoke(main, [
        "node", "--root", str(node), "--kubelet-pid", "none", "--runtime-endpoint",
        f"unix://{tmp_path}/no.sock", "-k", "1.31", "--platform", "linux/arm64",
        "--online", "-o", "json"])
    doc = json.loads(result.output)
    assert online_findings(doc) == [("PL113", 3, 17)], result.output


def mirror_for_upstream(registries: Registries) -> dict[str, str]:
    """A certs.d entry sending registry.k8s.io pulls to the ``mirror`` registry only."""
    mirror = registries.mirror.host
    return {"registry.k8s.io": (f'server = "http://{mirror}"\n\n[host."http://{mirror}"]\n'
                                '  capabilities = ["pull", "resolve"]\n')}


@pytest.mark.parametrize(("tag", "platform", "expected"), [
    ("3.7", "linux/amd64", [("PL112", 3, 17)]),
    ("3.9", "linux/arm64", [("PL113", 3, 17), ("PL114", 3, 17)]),
])
def test_through_a_hosts_toml_mirror_the_mirror_s_answer_decides(
        registries: Registries, tmp_path: Path, tag: str, platform: str,
        expected: list[tuple[str, int, int]]) -> None:
    """registry.k8s.io/pause:TAG pulled through the mirror: 3.7 was never copied
    (PL112); the mirror's 3.9 is amd64 only (PL113) and so not upstream's index (PL114)."""
    node = node_with(tmp_path, f"registry.k8s.io/pause:{tag}", mirror_for_upstream(registries))
    _, doc = check("--platform", platform, str(node))
    assert online_findings(doc) == expected
    assert doc["errors"] == []
    for finding in doc["findings"]:
        if finding["rule"] in ("PL112", "PL113"):
            assert f"http://{registries.mirror.host}" in finding["message"]


def test_a_hosts_toml_authorization_header_is_sent_and_never_printed(
        registries: Registries, tmp_path: Path) -> None:
    host = registries.secure.host
    secret = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    hosts = secure_hosts_toml(registries, tmp_path / "node") + (
        f'  [host."https://{host}".header]\n    authorization = "Basic {secret}"\n')
    node = node_with(tmp_path, f"{host}/pause:3.9", {host: hosts})
    no_credentials = tmp_path / "auth.json"
    no_credentials.write_text("{}")
    result = CliRunner().invoke(main, [
        "check", "--no-config", "-o", "json", "-k", "1.31", "--platform", "linux/amd64",
        "--online", "--registry-auth-file", str(no_credentials), str(node)])
    doc = json.loads(result.output)
    assert secret not in result.output and PASSWORD not in result.output
    # The host entry answers with the header; the server entry after it is not asked.
    assert doc["errors"] == [], doc["errors"]
    assert online_findings(doc) == []


def test_a_registry_nothing_listens_on_is_an_error_naming_it(closed_port: int,
                                                            tmp_path: Path) -> None:
    host = f"127.0.0.1:{closed_port}"
    node = node_with(tmp_path, f"{host}/pause:3.10")
    code, doc = check(str(node))
    assert code == 2
    assert [e["message"] for e in doc["errors"]] == [
        f"{host}/pause:3.10: {host}: connection refused"]


def test_a_crio_node_asks_its_registries_conf_mirror_first(registries: Registries,
                                                           tmp_path: Path) -> None:
    """CRI-O's pull path comes from registries.conf: the mirror (insecure: plain HTTP
    allowed) is asked for registry.k8s.io/pause:3.9 and its amd64-only copy is PL113."""
    mirror = registries.mirror.host
    node = tmp_path / "node"
    (node / "etc" / "crio").mkdir(parents=True)
    (node / "etc" / "crio" / "crio.conf").write_text(
        '[crio.image]\npause_image = "registry.k8s.io/pause:3.9"\n')
    (node / "etc" / "containers").mkdir(parents=True)
    (node / "etc" / "containers" / "registries.conf").write_text(
        '[[registry]]\nprefix = "registry.k8s.io"\nlocation = "registry.k8s.io"\n\n'
        f'[[registry.mirror]]\nlocation = "{mirror}"\ninsecure = true\n')
    mark = registries.mirror.log_mark()
    result = CliRunner().invoke(main, [
        "check", "--no-config", "-o", "json", "-k", "1.31", "--platform", "linux/arm64",
        "--online", "--registry-timeout", "3", str(node)])
    doc = json.loads(result.output)
    assert ("PL113", 2, 15) in online_findings(doc), (doc["errors"], doc["findings"])
    assert registries.mirror.requests(mark, AGENT)[0].path == "/v2/pause/manifests/3.9"


def test_an_override_path_server_is_asked_under_its_own_path(registries: Registries,
                                                             tmp_path: Path) -> None:
    """hosts.toml ``override_path = true``: the server's path is the API root (a proxy
    cache under /v2/proxy). Debian's registry answers only /v2, so a root of
    /v2/elsewhere must be asked there -- and answer 404 -- not silently at /v2."""
    mirror = registries.mirror.host
    hosts = (f'server = "http://{mirror}"\n\n[host."http://{mirror}/v2/elsewhere"]\n'
             '  capabilities = ["pull", "resolve"]\n  override_path = true\n')
    node = node_with(tmp_path, "registry.k8s.io/pause:3.10", {"registry.k8s.io": hosts})
    mark = registries.mirror.log_mark()
    check("--platform", "linux/amd64", str(node))
    asked = [r.path for r in registries.mirror.requests(mark, AGENT)]
    assert asked[0] == "/v2/elsewhere/pause/manifests/3.10?ns=registry.k8s.io", asked
    # then the server, as containerd falls back
    assert "/v2/pause/manifests/3.10?ns=registry.k8s.io" in asked
