"""Malformed kubeconfigs and hostile plugins through the real CLI: no secret shown, TLS
never silently off, plugins bounded in memory and by the context's deadline.

Real parts only: real kubeconfig files in tmp_path, the real `kubernetes` client,
the local HTTPS API server (`kube_api`, whose certificate no system CA trusts), and
real plugin scripts run by a real `pauselint cluster` subprocess.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from pauselint.model import ClusterError, ClusterFacts
from pauselint.sources.cluster import read_clusters
from pauselint.sources.kubeconfig import MAX_PLUGIN_OUTPUT

from .apiserver import KubeAPI
from .nodes import make_node
from .test_credentials import credential, exec_user, plugin, split_kubeconfig

pytest.importorskip("kubernetes")

TOKEN = "tok-S3CRET-must-never-show"
PASSWORD = "pw-HUNTER2-must-never-show"
KEY_DATA = base64.b64encode(b"-----BEGIN PRIVATE KEY-----\nKEYSECRET-must-never-show\n").decode()


def run_cli(files: list[Path], *args: str, fmt: str = "json") -> subprocess.CompletedProcess:
    env = {**os.environ, "KUBECONFIG": os.pathsep.join(str(f) for f in files)}
    return subprocess.run(
        [sys.executable, "-m", "pauselint", "cluster", "--format", fmt, *args],
        capture_output=True, text=True, env=env, timeout=60,
    )


def assert_cli_error(files: list[Path], message: str, *secrets: str) -> None:
    """Both formats: exit 2, exactly `message` as the one error, no secret anywhere."""
    as_json = run_cli(files)
    as_text = run_cli(files, fmt="text")
    assert as_json.returncode == as_text.returncode == 2, as_json.stderr
    assert [e["message"] for e in json.loads(as_json.stdout)["errors"]] == [message]
    assert f"error: {message}\n" in as_text.stderr  # input errors: stderr (issue 11)
    for run in (as_json, as_text):
        for secret in secrets:
            assert secret not in run.stdout + run.stderr


# --- 1. the client's error text quotes whole entries: never shown ---------------

@pytest.mark.parametrize(("user", "message"), [
    ({"token": TOKEN, "client-certificate": None},
     "cluster ctx: kubeconfig: user me: client-certificate is null"),
    ({"username": None, "password": PASSWORD},
     "cluster ctx: kubeconfig: user me: username is null"),
    ({"client-certificate-data": KEY_DATA, "client-key-data": KEY_DATA, "tokenFile": None,
      "token": TOKEN},
     "cluster ctx: kubeconfig: user me: tokenFile is null"),
    ({"token": TOKEN, "client-key": ["not", "a", "path"]},
     "cluster ctx: kubeconfig: user me: client-key must be a string, not a list"),
], ids=["token-beside-null-cert", "password-beside-null-username", "key-data-beside-null",
        "token-beside-list"])
def test_a_null_or_mistyped_user_field_names_the_key_and_never_a_credential(
        kube_api: KubeAPI, tmp_path: Path, user: dict, message: str) -> None:
    files = split_kubeconfig(tmp_path, kube_api, user)

    assert_cli_error(files, message, TOKEN, PASSWORD, KEY_DATA, "KEYSECRET")
    assert kube_api.requests == []


def test_a_nameless_user_beside_a_token_breaks_the_merge_without_showing_it(
        kube_api: KubeAPI, tmp_path: Path) -> None:
    # The client's merger names the nameless entry by its whole mapping when the
    # second file's users are merged in.
    files = split_kubeconfig(tmp_path, kube_api, {"token": kube_api.token})
    nameless = tmp_path / "nameless.yaml"
    nameless.write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "Config", "users": [
        {"name": None, "user": {"token": TOKEN, "password": PASSWORD}}]}))
    files = [nameless, *files]

    assert_cli_error(files, f"cluster (current context): kubeconfig {os.pathsep.join(map(str, files))}"
                            ": a context, cluster or user entry has no name", TOKEN, PASSWORD)
    assert kube_api.requests == []


@pytest.mark.parametrize(("text", "words"), [
    (b"apiVersion: v1\nkind: Config\n# caf\xe9 " + TOKEN.encode() + b"\n",
     "a kubeconfig file is not utf-8 text"),
    (b"apiVersion: v1\nclusters: 5\n",
     "malformed: a kubeconfig file must be a mapping whose clusters, contexts and users "
     "are lists of mappings (TypeError)"),
    (b"- " + TOKEN.encode() + b"\n- b\n",
     "malformed: a kubeconfig file must be a mapping whose clusters, contexts and users "
     "are lists of mappings (TypeError)"),
], ids=["latin-1", "clusters-a-number", "a-list"])
def test_a_file_the_merge_cannot_read_says_what_is_wrong_with_it(
        kube_api: KubeAPI, tmp_path: Path, text: bytes, words: str) -> None:
    # Not "a -data field is not valid base64" (a decoding error while reading the
    # file itself) or a bare exception name.
    config = tmp_path / "config"
    config.write_bytes(text)

    assert_cli_error([config], f"cluster (current context): kubeconfig {config}: {words}",
                     TOKEN)
    assert kube_api.requests == []


def test_a_null_field_met_by_the_clients_own_code_says_only_its_key(
        kube_api: KubeAPI, tmp_path: Path, monkeypatch) -> None:
    # `context: null`: the client itself raises "Expected key context in <whole entry>".
    files = split_kubeconfig(tmp_path, kube_api, {"token": TOKEN})
    config = yaml.safe_load(files[0].read_text())
    config["contexts"][0]["context"] = None
    config["contexts"][0]["note"] = TOKEN
    files[0].write_text(yaml.safe_dump(config))
    monkeypatch.setenv("KUBECONFIG", os.pathsep.join(map(str, files)))

    assert read_clusters(kubeconfig=None) == [
        ClusterError("ctx", "kubeconfig: context ctx: context is missing or null")]


# --- 2. TLS: only a real `true` turns verification off ---------------------------

def tls_kubeconfig(path: Path, api: KubeAPI, **cluster: object) -> list[Path]:
    """One context "ctx" with a token and a cluster without a CA unless given one."""
    path.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "ctx",
        "clusters": [{"name": "ctx", "cluster": {"server": api.url, **cluster}}],
        "contexts": [{"name": "ctx", "context": {"cluster": "ctx", "user": "me"}}],
        "users": [{"name": "me", "user": {"token": api.token}}],
    }))
    return [path]


@pytest.mark.parametrize(("setting", "words"), [
    ({"insecure-skip-tls-verify": "false"},
     "insecure-skip-tls-verify must be true or false, not a string"),
    ({"insecure-skip-tls-verify": "true"},
     "insecure-skip-tls-verify must be true or false, not a string"),
    ({"insecure-skip-tls-verify": 0}, "insecure-skip-tls-verify must be true or false, not a number"),
    ({"insecure-skip-tls-verify": None}, "insecure-skip-tls-verify must be true or false, not null"),
    ({"certificate-authority-data": False},
     "certificate-authority-data must be a string, not a boolean"),
    ({"certificate-authority": []}, "certificate-authority must be a string, not a list"),
    ({"tls-server-name": 5}, "tls-server-name must be a string, not a number"),
], ids=["quoted-false", "quoted-true", "zero", "null", "ca-data-false", "ca-list", "sni-number"])
def test_a_tls_setting_of_the_wrong_type_is_an_error_and_nothing_is_sent(
        kube_api: KubeAPI, tmp_path: Path, setting: dict, words: str) -> None:
    files = tls_kubeconfig(tmp_path / "config", kube_api, **setting)

    assert_cli_error(files, f"cluster ctx: kubeconfig: cluster ctx: {words}", kube_api.token)
    assert kube_api.requests == []
    assert kube_api.handshake_failures == []  # no TLS connection was even tried


def test_quoted_false_in_process_is_the_same_error(
        kube_api: KubeAPI, tmp_path: Path) -> None:
    [config] = tls_kubeconfig(tmp_path / "config", kube_api, **{"insecure-skip-tls-verify": "false"})

    assert read_clusters(kubeconfig=str(config)) == [ClusterError(
        "ctx", "kubeconfig: cluster ctx: insecure-skip-tls-verify must be true or false, "
               "not a string")]
    assert kube_api.handshake_failures == []  # no TLS connection was even tried


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
@pytest.mark.parametrize(("setting", "verified"), [
    ({"insecure-skip-tls-verify": True}, False),
    ({"insecure-skip-tls-verify": False}, True),
    ({}, True),
], ids=["true", "false", "absent"])
def test_only_a_real_true_turns_verification_off(
        kube_api: KubeAPI, tmp_path: Path, setting: dict, verified: bool) -> None:
    kube_api.set_nodes([make_node("node-a")])
    [config] = tls_kubeconfig(tmp_path / "config", kube_api, **setting)

    [result] = read_clusters(kubeconfig=str(config))

    if verified:  # the test server's CA is not given, so verification fails
        assert isinstance(result, ClusterError), result
        assert result.reason.startswith("TLS: certificate verify failed"), result
        assert kube_api.requests == []
    else:
        assert isinstance(result, ClusterFacts), result
        assert [n.name for n in result.nodes] == ["node-a"]


def test_a_cluster_without_a_server_is_an_error_not_localhost(
        kube_api: KubeAPI, tmp_path: Path) -> None:
    [config] = tls_kubeconfig(tmp_path / "config", kube_api)
    data = yaml.safe_load(config.read_text())
    del data["clusters"][0]["cluster"]["server"]
    data["clusters"][0]["cluster"]["certificate-authority"] = str(kube_api.ca_path)
    config.write_text(yaml.safe_dump(data))

    assert read_clusters(kubeconfig=str(config)) == [
        ClusterError("ctx", "kubeconfig: cluster ctx: no server")]


# --- 4. a plugin's output is capped --------------------------------------------

def test_a_plugin_flooding_stdout_is_killed_at_the_cap_and_memory_stays_small(
        kube_api: KubeAPI, tmp_path: Path) -> None:
    script = plugin(tmp_path, "flood-plugin", (
        "sys.stderr.write('x' * 65536)\n"
        "chunk = b'y' * 65536\n"
        "while True:\n"
        "    sys.stdout.buffer.write(chunk)"))
    files = split_kubeconfig(tmp_path, kube_api, exec_user(script))
    # A fresh interpreter runs the CLI, so its RUSAGE_CHILDREN peak is the CLI's alone.
    measure = (
        "import resource, subprocess, sys\n"
        "run = subprocess.run(sys.argv[1:], capture_output=True, text=True, timeout=60)\n"
        "print(run.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
        "print(run.stdout)")
    env = {**os.environ, "KUBECONFIG": os.pathsep.join(map(str, files))}

    started = time.monotonic()
    outer = subprocess.run(
        [sys.executable, "-c", measure, sys.executable, "-m", "pauselint", "cluster",
         "--format", "json", "--request-timeout", "30"],
        capture_output=True, text=True, env=env, timeout=90)
    elapsed = time.monotonic() - started

    status, stdout = outer.stdout.split("\n", 1)
    code, peak_kib = map(int, status.split())
    assert code == 2, outer.stdout + outer.stderr
    assert [e["message"] for e in json.loads(stdout)["errors"]] == [
        "cluster ctx: credential plugin flood-plugin wrote more than 1 MiB"]
    assert MAX_PLUGIN_OUTPUT == 1 << 20
    assert peak_kib < 300 * 1024  # Linux reports KiB; without the cap, GBs in seconds
    assert elapsed < 25  # killed at the cap, not at the 30 s timeout
    assert kube_api.requests == []


def test_a_plugin_just_under_the_cap_still_works(
        kube_api: KubeAPI, tmp_path: Path, monkeypatch) -> None:
    kube_api.set_nodes([make_node("node-a")])
    padding = " " * (MAX_PLUGIN_OUTPUT - 1000)
    script = plugin(tmp_path, "big-plugin", (
        f"sys.stderr.write('e' * 200000)\n"
        f"sys.stdout.write({credential(kube_api.token)!r} + {padding!r})"))
    files = split_kubeconfig(tmp_path, kube_api, exec_user(script))
    monkeypatch.setenv("KUBECONFIG", os.pathsep.join(map(str, files)))

    [facts] = read_clusters(kubeconfig=None)

    assert isinstance(facts, ClusterFacts), facts
    assert {r.auth for r in kube_api.requests} == {"token"}


# --- 7. the first plugin run counts against --context-timeout ---------------------

def test_a_hanging_plugin_ends_at_the_context_timeout_not_the_request_timeout(
        kube_api: KubeAPI, tmp_path: Path) -> None:
    script = plugin(tmp_path, "slow-plugin", "time.sleep(3600)")
    files = split_kubeconfig(tmp_path, kube_api, exec_user(script))

    started = time.monotonic()
    run = run_cli(files, "--request-timeout", "30", "--context-timeout", "1")
    elapsed = time.monotonic() - started

    assert run.returncode == 2, run.stderr
    assert [e["message"] for e in json.loads(run.stdout)["errors"]] == [
        "cluster ctx: credential plugin slow-plugin timed out: context timeout after 1 s "
        "(--context-timeout)"]
    assert elapsed < 20  # Python start-up plus the 1 s; 30 s if the request timeout bound it
    assert kube_api.requests == []
