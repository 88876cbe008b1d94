"""Credentials under hostile input: no token refresh, no kubeconfig writes, bounded plugins.

Real parts only: the real `kubernetes` client loads real kubeconfig files, talks
to the local HTTPS API server (`kube_api`) and, where the client would refresh an
OIDC token, could reach a real local HTTPS issuer that records every request.
Exec plugins are real Python scripts run as the client-go protocol says.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from pauselint.model import ClusterError, ClusterFacts
from pauselint.sources.cluster import read_clusters
from pauselint.sources.kubeconfig import GCP_EXPIRED, OIDC_EXPIRED, OIDC_UNREADABLE

from .apiserver import KubeAPI
from .nodes import make_node
from .oidc_issuer import OIDCIssuer, id_token

pytest.importorskip("kubernetes")

SECRET = "s3cr3t-refresh-token-must-never-show"


@pytest.fixture(scope="session")
def issuer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OIDCIssuer]:
    server = OIDCIssuer(tmp_path_factory.mktemp("idp")).start()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def idp(issuer: OIDCIssuer) -> OIDCIssuer:
    issuer.requests.clear()
    return issuer


def split_kubeconfig(directory: Path, api: KubeAPI, user: dict,
                     cluster_extra: dict | None = None) -> list[Path]:
    """Two files as `KUBECONFIG=a:b` holds them: the context and cluster in the first,
    the user in the second (the file the client's merger would save tokens into)."""
    first = directory / "clusters.yaml"
    second = directory / "users.yaml"
    first.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "ctx",
        "clusters": [{"name": "ctx", "cluster": {
            "server": api.url, "certificate-authority": str(api.ca_path),
            **(cluster_extra or {})}}],
        "contexts": [{"name": "ctx", "context": {"cluster": "ctx", "user": "me"}}],
    }))
    second.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "users": [{"name": "me", "user": user}],
    }))
    return [first, second]


def oidc_user(idp: OIDCIssuer, token: str, *, with_idp_ca: bool = True) -> dict:
    config = {
        "client-id": "pauselint", "client-secret": SECRET, "id-token": token,
        "idp-issuer-url": idp.url, "refresh-token": SECRET,
    }
    if with_idp_ca:
        config["idp-certificate-authority"] = str(idp.ca_path)
    return {"auth-provider": {"name": "oidc", "config": config}}


def read_with(monkeypatch: pytest.MonkeyPatch, files: list[Path], **kwargs):
    monkeypatch.setenv("KUBECONFIG", os.pathsep.join(str(f) for f in files))
    return read_clusters(kubeconfig=None, **kwargs)


# --- OIDC and the other legacy auth-providers ------------------------------------

@pytest.mark.parametrize("with_idp_ca", [True, False], ids=["idp-ca", "no-idp-ca"])
@pytest.mark.parametrize("token", [id_token(expires_in=-60), "not-a-jwt", "a.%%%.c"],
                         ids=["expired", "not-a-jwt", "bad-payload"])
def test_oidc_token_that_needs_a_refresh_is_an_error_and_nothing_is_sent_or_written(
        kube_api: KubeAPI, idp: OIDCIssuer, tmp_path: Path, monkeypatch, token: str,
        with_idp_ca: bool) -> None:
    files = split_kubeconfig(tmp_path, kube_api, oidc_user(idp, token, with_idp_ca=with_idp_ca))
    before = [f.read_bytes() for f in files]

    [result] = read_with(monkeypatch, files)

    words = OIDC_EXPIRED if token.count(".") == 2 and "%" not in token else OIDC_UNREADABLE
    assert result == ClusterError("ctx", words)
    assert "kubectl oidc-login" in result.reason
    assert idp.requests == []  # no discovery, no refresh POST, verified or not
    assert [f.read_bytes() for f in files] == before
    assert {r.method for r in kube_api.requests} <= {"GET"}


def test_expired_oidc_token_in_a_real_cli_run_names_the_reason_and_no_secret(
        kube_api: KubeAPI, idp: OIDCIssuer, tmp_path: Path) -> None:
    files = split_kubeconfig(tmp_path, kube_api, oidc_user(idp, id_token(expires_in=-60)))
    before = [f.read_bytes() for f in files]

    run = run_cli(tmp_path, files)

    assert run.returncode == 2, run.stderr
    assert OIDC_EXPIRED in run.stdout + run.stderr
    assert SECRET not in run.stdout + run.stderr
    assert idp.requests == []
    assert [f.read_bytes() for f in files] == before


def test_unexpired_oidc_token_is_sent_as_the_bearer_token(
        kube_api: KubeAPI, idp: OIDCIssuer, tmp_path: Path, monkeypatch) -> None:
    kube_api.token = id_token(expires_in=3600)
    kube_api.set_nodes([make_node("node-a")])
    files = split_kubeconfig(tmp_path, kube_api, oidc_user(idp, kube_api.token))
    before = [f.read_bytes() for f in files]

    [facts] = read_with(monkeypatch, files)

    assert isinstance(facts, ClusterFacts), facts
    assert [n.name for n in facts.nodes] == ["node-a"]
    assert {(r.method, r.auth) for r in kube_api.requests} == {("GET", "token")}
    assert idp.requests == []
    assert [f.read_bytes() for f in files] == before


def test_expired_gcp_token_is_an_error_and_its_refresh_command_never_runs(
        kube_api: KubeAPI, tmp_path: Path, monkeypatch) -> None:
    ran = tmp_path / "cmd-path-ran"
    refresher = plugin(tmp_path, "gcloud-refresh", f"open({str(ran)!r}, 'w').close()\n"
                       "print(json.dumps({'access_token': 'x', 'token_expiry': '2099-01-01T00:00:00Z'}))")
    user = {"auth-provider": {"name": "gcp", "config": {
        "access-token": "old", "expiry": "2020-01-01T00:00:00Z", "cmd-path": str(refresher),
        "cmd-args": "config config-helper --format=json",
        "token-key": "{.access_token}", "expiry-key": "{.token_expiry}"}}}
    files = split_kubeconfig(tmp_path, kube_api, user)
    before = [f.read_bytes() for f in files]

    [result] = read_with(monkeypatch, files)

    assert result == ClusterError("ctx", GCP_EXPIRED)
    assert not ran.exists()
    assert [f.read_bytes() for f in files] == before
    assert kube_api.requests == []


def test_other_auth_providers_are_a_clear_error_not_an_anonymous_401(
        kube_api: KubeAPI, tmp_path: Path, monkeypatch) -> None:
    user = {"auth-provider": {"name": "azure", "config": {"access-token": "x"}}}
    files = split_kubeconfig(tmp_path, kube_api, user)

    [result] = read_with(monkeypatch, files)

    assert result == ClusterError("ctx", (
        "auth-provider azure is not supported: pauselint never refreshes legacy auth-provider "
        "tokens; use an exec credential plugin, e.g. kubelogin"))
    assert kube_api.requests == []


# --- exec credential plugins -----------------------------------------------------

def plugin(directory: Path, name: str, body: str) -> Path:
    """An executable Python script, as a real plugin would be installed."""
    path = directory / name
    path.write_text(f"#!{sys.executable}\nimport json, os, subprocess, sys, time\n{body}\n")
    path.chmod(0o755)
    return path


def exec_user(command: Path, *args: str) -> dict:
    return {"exec": {"apiVersion": "client.authentication.k8s.io/v1beta1",
                     "command": str(command), "args": list(args)}}


def credential(token: str, expires: str | None = None) -> str:
    status: dict = {"token": token}
    if expires:
        status["expirationTimestamp"] = expires
    return json.dumps({"apiVersion": "client.authentication.k8s.io/v1beta1",
                       "kind": "ExecCredential", "status": status})


def run_cli(tmp_path: Path, files: list[Path], *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "KUBECONFIG": os.pathsep.join(str(f) for f in files)}
    return subprocess.run(
        [sys.executable, "-m", "pauselint", "cluster", "--format", "json", *args],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60,
    )


def test_plugin_that_succeeds_supplies_the_bearer_token(
        kube_api: KubeAPI, tmp_path: Path, monkeypatch) -> None:
    kube_api.set_nodes([make_node("node-a")])
    script = plugin(tmp_path, "good-plugin",
                    f"assert json.loads(os.environ['KUBERNETES_EXEC_INFO'])['spec']['interactive'] is False\n"
                    f"print({credential(kube_api.token)!r})")
    files = split_kubeconfig(tmp_path, kube_api, exec_user(script))

    [facts] = read_with(monkeypatch, files)

    assert isinstance(facts, ClusterFacts), facts
    assert {(r.method, r.auth) for r in kube_api.requests} == {("GET", "token")}


def test_plugin_with_provide_cluster_info_gets_the_cluster_and_its_extension_config(
        kube_api: KubeAPI, tmp_path: Path, monkeypatch) -> None:
    extension = {"name": "client.authentication.k8s.io/exec", "extension": {"audience": "k8s"}}
    script = plugin(tmp_path, "info-plugin", (
        "cluster = json.loads(os.environ['KUBERNETES_EXEC_INFO'])['spec']['cluster']\n"
        f"assert cluster['server'] == {kube_api.url!r}, cluster\n"
        "assert cluster['config'] == {'audience': 'k8s'}, cluster\n"
        f"print({credential(kube_api.token)!r})"))
    user = exec_user(script)
    user["exec"]["provideClusterInfo"] = True
    files = split_kubeconfig(tmp_path, kube_api, user, {"extensions": [extension]})

    [facts] = read_with(monkeypatch, files)

    assert isinstance(facts, ClusterFacts), facts
    assert {r.auth for r in kube_api.requests} == {"token"}


def test_failing_plugin_is_named_with_its_exit_code_and_its_stderr_never_shown(
        kube_api: KubeAPI, tmp_path: Path) -> None:
    script = plugin(tmp_path, "leaky-plugin",
                    f"sys.stderr.write('error: token {SECRET} rejected\\n'); sys.exit(3)")
    files = split_kubeconfig(tmp_path, kube_api, exec_user(script, "--password", "pw-arg"))

    run = run_cli(tmp_path, files)

    assert run.returncode == 2, run.stderr
    doc = json.loads(run.stdout)
    assert doc["errors"] == [{"path": None, "line": None,
                              "message": "cluster ctx: credential plugin leaky-plugin failed (exit 3)"}]
    assert "401" not in run.stdout + run.stderr
    for leaked in (SECRET, "pw-arg"):
        assert leaked not in run.stdout + run.stderr
    assert kube_api.requests == []


def test_hanging_plugin_and_its_helpers_are_killed_after_the_request_timeout(
        kube_api: KubeAPI, tmp_path: Path) -> None:
    helper_pid = tmp_path / "helper.pid"
    script = plugin(tmp_path, "hanging-plugin", (
        "helper = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(3600)'])\n"
        f"open({str(helper_pid)!r}, 'w').write(str(helper.pid))\n"
        "time.sleep(3600)"))
    files = split_kubeconfig(tmp_path, kube_api, exec_user(script))

    started = time.monotonic()
    run = run_cli(tmp_path, files, "--request-timeout", "1")
    elapsed = time.monotonic() - started

    assert run.returncode == 2, run.stderr
    doc = json.loads(run.stdout)
    assert [e["message"] for e in doc["errors"]] == [
        "cluster ctx: credential plugin hanging-plugin timed out after 1 s"]
    assert elapsed < 15  # Python start-up twice plus the 1 s; 3600 s without the kill
    # The helper held the pipes open: it was killed with the plugin's process group
    # (gone, or a zombie where the container's init does not reap orphans).
    assert process_state(int(helper_pid.read_text())) in ("gone", "Z")


def process_state(pid: int) -> str:
    """The state letter in /proc/PID/stat ("S" sleeping, "Z" zombie), or "gone"."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return "gone"
    return stat.rsplit(")", 1)[1].split()[0]


def test_plugin_that_fails_on_a_mid_run_refresh_is_that_contexts_error(
        kube_api: KubeAPI, tmp_path: Path, monkeypatch) -> None:
    # The first credential is already expired, so the client's per-request refresh
    # hook runs the plugin again before the first GET; that second run fails.
    runs = tmp_path / "runs"
    script = plugin(tmp_path, "once-plugin", (
        f"runs = {str(runs)!r}\n"
        "n = len(open(runs).read()) if os.path.exists(runs) else 0\n"
        "open(runs, 'a').write('x')\n"
        f"sys.exit(5) if n else print({credential(kube_api.token, '2020-01-01T00:00:00Z')!r})"))
    files = split_kubeconfig(tmp_path, kube_api, exec_user(script))

    [result] = read_with(monkeypatch, files)

    assert result == ClusterError("ctx", "credential plugin once-plugin failed (exit 5)")
    assert runs.read_text() == "xx"
    assert kube_api.requests == []


@pytest.mark.parametrize(("body", "reason"), [
    ("print('not json')", "credential plugin odd-plugin did not print JSON"),
    ("print(json.dumps({'apiVersion': 'client.authentication.k8s.io/v1', 'status': {'token': 't'}}))",
     "credential plugin odd-plugin answered another apiVersion than client.authentication.k8s.io/v1beta1"),
    ("print(json.dumps({'apiVersion': 'client.authentication.k8s.io/v1beta1', 'status': {}}))",
     "credential plugin odd-plugin returned neither a token nor clientCertificateData and clientKeyData"),
])
def test_plugin_with_unusable_output_is_a_clear_error(
        kube_api: KubeAPI, tmp_path: Path, monkeypatch, body: str, reason: str) -> None:
    files = split_kubeconfig(tmp_path, kube_api, exec_user(plugin(tmp_path, "odd-plugin", body)))

    [result] = read_with(monkeypatch, files)

    assert result == ClusterError("ctx", reason)
    assert kube_api.requests == []


def test_missing_plugin_says_it_could_not_be_started(
        kube_api: KubeAPI, tmp_path: Path, monkeypatch) -> None:
    files = split_kubeconfig(tmp_path, kube_api, exec_user(tmp_path / "no-such-plugin"))

    [result] = read_with(monkeypatch, files)

    assert result == ClusterError(
        "ctx", "credential plugin no-such-plugin could not be started: No such file or directory")
