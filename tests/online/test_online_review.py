"""What the review of issue 15's first landing found, each held by a test.

A 404 beside an endpoint that could not be asked is no PL112; an index with no entry
serves no platform (PL113); a wrapper's hosts.toml CA is the node's file, never this
machine's, and a CA path that is a FIFO cannot stall the run; credentials written in
any case stay with their host across a redirect; a Docker-Content-Digest that is no
digest is not believed. The registries are Debian's (tests/realparts/registry.py) or,
for what a real registry cannot be made to do (redirect, lie), stdlib servers here.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from pauselint.cli import main
from pauselint.online.distribution import OCI_INDEX, RegistryClient
from pauselint.online.hosts import HostSettings
from pauselint.online.results import FailureKind, Manifest, Tags
from realparts.registry import Pusher, Registries

CONFIG = 'version = 2\n[plugins."io.containerd.grpc.v1.cri"]\nsandbox_image = "{image}"\n'


def check(*args: str) -> tuple[int, dict]:
    result = CliRunner().invoke(main, ["check", "--no-config", "-o", "json", "-k", "1.31",
                                       "--runtime-version", "containerd=1.7.24", "--online",
                                       "--registry-timeout", "2", *args])
    return result.exit_code, json.loads(result.output)


def node(tmp_path: Path, image: str, hosts: dict[str, str]) -> Path:
    root = tmp_path / "node"
    config = root / "etc" / "containerd" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(CONFIG.format(image=image) + (
        '[plugins."io.containerd.grpc.v1.cri".registry]\n'
        'config_path = "/etc/containerd/certs.d"\n'))
    for registry, text in hosts.items():
        folder = root / "etc" / "containerd" / "certs.d" / registry
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "hosts.toml").write_text(text)
    return root


def rules(doc: dict) -> set[str]:
    return {f["rule"] for f in doc["findings"]}


def test_a_404_beside_an_endpoint_not_asked_is_no_pl112(registries: Registries,
                                                        closed_port: int,
                                                        tmp_path: Path) -> None:
    mirror, down = registries.mirror.host, f"127.0.0.1:{closed_port}"
    hosts = (f'server = "http://{down}"\n\n[host."http://{mirror}"]\n'
             '  capabilities = ["pull", "resolve"]\n')
    code, doc = check("--platform", "linux/amd64",
                      str(node(tmp_path, "registry.k8s.io/pause:3.7",
                               {"registry.k8s.io": hosts})))
    assert "PL112" not in rules(doc)
    assert code == 2 and any(down in e["message"] for e in doc["errors"])


def test_an_index_with_no_entry_serves_no_platform(registries: Registries,
                                                   tmp_path: Path) -> None:
    Pusher(registries.mirror, None, None).index("empty/pause", "3.10", ())
    image = f"{registries.mirror.host}/empty/pause:3.10"
    root = tmp_path / "node" / "etc" / "containerd"
    root.mkdir(parents=True)
    (root / "config.toml").write_text(CONFIG.format(image=image))
    _, doc = check("--platform", "linux/amd64", str(tmp_path / "node"))
    [finding] = [f for f in doc["findings"] if f["rule"] == "PL113"]
    assert "no platform at all" in finding["message"]


def test_a_wrapper_s_ca_is_the_node_s_file_not_this_machine_s(tmp_path: Path) -> None:
    here = tmp_path / "ca.pem"
    here.write_text("not the node's CA\n")
    user_data = tmp_path / "user-data.yaml"
    user_data.write_text(
        "#cloud-config\nwrite_files:\n  - path: /etc/containerd/config.toml\n    content: |\n"
        + "".join(f"      {line}\n" for line in (CONFIG.format(
            image="registry.example.com/pause:3.10") + '[plugins."io.containerd.grpc.v1.cri"'
            '.registry]\nconfig_path = "/etc/containerd/certs.d"\n').splitlines())
        + "  - path: /etc/containerd/certs.d/registry.example.com/hosts.toml\n"
          "    content: |\n"
          '      server = "https://registry.example.com"\n'
          '      [host."https://registry.example.com"]\n'
          '        capabilities = ["pull", "resolve"]\n'
          f'        ca = "{here}"\n')
    code, doc = check(str(user_data))
    assert code == 2
    messages = [e["message"] for e in doc["errors"]]
    assert any("is a file on the node, not among these inputs" in m for m in messages), messages
    assert not any("cannot read the CA file" in m for m in messages)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_ca_path_that_is_a_fifo_is_an_error_not_a_hang(tmp_path: Path) -> None:
    root = node(tmp_path, "registry.example.com/pause:3.10", {"registry.example.com": (
        'server = "https://registry.example.com"\n[host."https://registry.example.com"]\n'
        '  capabilities = ["pull", "resolve"]\n'
        '  ca = "/etc/containerd/certs.d/registry.example.com/ca.crt"\n')})
    os.mkfifo(root / "etc/containerd/certs.d/registry.example.com/ca.crt")
    code, doc = check(str(root))
    assert code == 2
    assert any("not a regular file" in e["message"] for e in doc["errors"]), doc["errors"]


class _Recorder(BaseHTTPRequestHandler):
    """A stdlib server: ``answer(handler)`` decides; every request's headers are kept."""

    seen: list[dict[str, str]]
    answer = None

    def do_HEAD(self) -> None:
        self.seen.append(dict(self.headers))
        type(self).answer(self, body=False)

    def do_GET(self) -> None:
        self.seen.append(dict(self.headers))
        type(self).answer(self, body=True)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def servers() -> Iterator[list[tuple[str, type[_Recorder]]]]:
    """Two stdlib HTTP servers on 127.0.0.1 and 127.0.0.2 (another host), each with its
    own handler class whose ``answer`` a test sets."""
    started = []
    for address in ("127.0.0.1", "127.0.0.2"):
        handler = type("Handler", (_Recorder,), {"seen": []})
        server = ThreadingHTTPServer((address, 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        started.append((server, handler))
    yield [(f"{s.server_address[0]}:{s.server_address[1]}", h) for s, h in started]
    for server, _ in started:
        server.shutdown()
        server.server_close()


INDEX = json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [{
    "mediaType": "application/vnd.oci.image.manifest.v1+json", "size": 2,
    "digest": "sha256:" + "a" * 64,
    "platform": {"os": "linux", "architecture": "amd64"}}]}).encode()


def _send(handler: BaseHTTPRequestHandler, status: int, headers: dict[str, str],
          body: bytes, with_body: bool) -> None:
    handler.send_response(status)
    for name, value in headers.items():
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    if with_body:
        handler.wfile.write(body)


def test_credentials_in_any_case_stay_with_their_host_across_a_redirect(servers) -> None:
    (first, first_seen), (second, second_seen) = servers
    first_seen.answer = lambda h, body: _send(
        h, 307, {"Location": f"http://{second}{h.path}"}, b"", body)
    second_seen.answer = lambda h, body: _send(
        h, 200, {"Content-Type": OCI_INDEX}, INDEX, body)
    client = RegistryClient({first: HostSettings(plain_http=True, headers=(
        ("authorization", "Basic c2VjcmV0OnNlY3JldA=="), ("Cookie", "session=1")))},
        timeout=3)
    answer = client.manifest(first, "pause", "3.10")
    assert isinstance(answer, Manifest), answer
    assert any(k.lower() == "authorization" for s in first_seen.seen for k in s)
    assert second_seen.seen
    assert not any(k.lower() in ("authorization", "cookie")
                   for s in second_seen.seen for k in s), second_seen.seen


def test_a_digest_header_that_is_no_digest_is_not_believed(servers) -> None:
    (host, handler), _ = servers
    handler.answer = lambda h, body: _send(
        h, 200, {"Content-Type": OCI_INDEX, "Docker-Content-Digest": "sha256:\x1b]0;x\x07"},
        INDEX, body)
    answer = RegistryClient({host: HostSettings(plain_http=True)}, timeout=3).manifest(
        host, "pause", "3.10")
    assert isinstance(answer, Manifest), answer
    import hashlib

    assert answer.digest == "sha256:" + hashlib.sha256(INDEX).hexdigest()


def test_a_tag_list_without_tags_is_no_tag_list(servers) -> None:
    (host, handler), _ = servers
    handler.answer = lambda h, body: _send(
        h, 200, {"Content-Type": "application/json"}, b'{"name": "pause"}', body)
    answer = RegistryClient({host: HostSettings(plain_http=True)}, timeout=3).tags(
        host, "pause")
    assert not isinstance(answer, Tags)
    assert answer.kind is FailureKind.PROTOCOL
