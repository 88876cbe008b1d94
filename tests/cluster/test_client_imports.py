"""The cluster path imports only the parts of the `kubernetes` client it uses (issue 16).

Each test runs in a fresh interpreter: which modules a process has loaded is the
whole point, and this test process has long since imported everything.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from .apiserver import KubeAPI
from .nodes import fleet

READ = """
import json, sys
from pauselint.sources.cluster import read_clusters
[facts] = read_clusters(kubeconfig=sys.argv[1])
loaded = sorted(m for m in sys.modules if m.split(".")[0] in (
    "kubernetes", "pydantic", "requests", "requests_oauthlib", "oauthlib"))
loaded += [m for m in ("importlib.metadata", "urllib3.http2", "urllib3.http2.probe")
           if m in sys.modules]
http2 = vars(sys.modules.get("urllib3.http2") or sys)  # read without asking for a name
print(json.dumps({"nodes": len(facts.nodes), "errors": list(facts.errors), "loaded": loaded,
                  "http2_init_ran": "inject_into_urllib3" in http2}))
"""

THEN_WHOLE_CLIENT = """
import sys
from pauselint.sources import kubeconfig
from pauselint.sources.cluster import read_clusters
[facts] = read_clusters(kubeconfig=sys.argv[1])
import kubernetes
from kubernetes import client, config
from kubernetes.config import kube_config
parts = kubeconfig.client_parts()
assert parts.KubeConfigLoader is kube_config.KubeConfigLoader
assert parts.Configuration is client.Configuration
import urllib3
import urllib3.http2.probe
from urllib3 import connection
from urllib3.http2 import probe
assert probe is connection.http2_probe is urllib3.http2.probe
assert "importlib.metadata" not in sys.modules
assert callable(urllib3.http2.inject_into_urllib3)  # the package's own code, run now
assert "importlib.metadata" in sys.modules and urllib3.http2.probe is probe
print(len(facts.nodes), client.CoreV1Api.__name__, config.load_kube_config.__name__)
"""


def _python(code: str, *args: str) -> str:
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True,
                          text=True, check=True, timeout=120).stdout


def test_reading_a_cluster_loads_no_model_and_no_unused_subpackage(
        kube_api: KubeAPI, tmp_path: Path) -> None:
    kube_api.set_nodes(fleet(5))
    config = kube_api.write_kubeconfig(tmp_path / "kubeconfig")

    found = json.loads(_python(READ, str(config)))

    assert (found["nodes"], found["errors"]) == (5, [])
    loaded = set(found["loaded"])
    # What authentication, TLS and the pool need...
    assert {"kubernetes.client.configuration", "kubernetes.client.rest",
            "kubernetes.config.kube_config", "kubernetes.config.exec_provider"} <= loaded
    # ...and none of what the package's __init__ files would have added.
    assert not {m for m in loaded if m.startswith(("kubernetes.client.models",
                                                   "kubernetes.client.api",
                                                   "kubernetes.dynamic", "kubernetes.watch",
                                                   "kubernetes.stream", "kubernetes.informer",
                                                   "kubernetes.leaderelection", "pydantic"))}
    # The placeholder packages are gone again once the parts are loaded.
    assert "kubernetes" not in loaded and "kubernetes.client" not in loaded
    # Nor did the OIDC refresh pauselint replaces bring its HTTP stack along.
    assert not {m for m in loaded if m.startswith(("requests", "oauthlib"))}, loaded
    # urllib3's HTTP/2 probe loaded into its package, whose __init__ (it imports
    # importlib.metadata) has not run; nor did the User-Agent need the metadata.
    assert {"urllib3.http2", "urllib3.http2.probe"} <= loaded
    assert "importlib.metadata" not in loaded and not found["http2_init_ran"], loaded


def test_the_whole_client_still_imports_afterwards_and_shares_the_modules(
        kube_api: KubeAPI, tmp_path: Path) -> None:
    kube_api.set_nodes(fleet(3))
    config = kube_api.write_kubeconfig(tmp_path / "kubeconfig")

    assert _python(THEN_WHOLE_CLIENT, str(config)).split() == [
        "3", "CoreV1Api", "load_kube_config"]


OIDC_LIBRARIES_ON_USE = """
import sys
from pauselint.sources.cluster import read_clusters
[facts] = read_clusters(kubeconfig=sys.argv[1])
from kubernetes.config import kube_config
assert "oauthlib" not in sys.modules and "requests_oauthlib" not in sys.modules
# What the client's own OIDC refresh reads, read as it would: the real things.
from oauthlib.oauth2.rfc6749.errors import InvalidClientIdError
assert kube_config.oauthlib.oauth2.rfc6749.errors.InvalidClientIdError is InvalidClientIdError
import requests_oauthlib
session = kube_config.OAuth2Session(client_id="pauselint")
assert type(session) is requests_oauthlib.OAuth2Session
print(len(facts.nodes), type(session).__name__)
"""


def test_the_client_s_oidc_refresh_still_finds_its_libraries(
        kube_api: KubeAPI, tmp_path: Path) -> None:
    """kube_config's imports for its OIDC refresh are stand-ins while it loads (that
    refresh is replaced here); anything of them used later is the real module's."""
    kube_api.set_nodes(fleet(2))
    config = kube_api.write_kubeconfig(tmp_path / "kubeconfig")

    assert _python(OIDC_LIBRARIES_ON_USE, str(config)).split() == ["2", "OAuth2Session"]


def test_requests_carry_the_client_user_agent_and_the_token(
        kube_api: KubeAPI, tmp_path: Path) -> None:
    from importlib.metadata import version

    kube_api.set_nodes(fleet(2))
    config = kube_api.write_kubeconfig(tmp_path / "kubeconfig")

    _python(READ, str(config))

    assert {r.user_agent for r in kube_api.requests} == {
        f"OpenAPI-Generator/{version('kubernetes')}/python"}
    assert {r.auth for r in kube_api.requests} == {"token"}


class _Reports:
    """A configuration class whose debug report is ``text``."""

    def __init__(self, text: str) -> None:
        self.text = text

    def to_debug_report(self, _self: object) -> str:
        return self.text


def test_the_user_agent_is_the_version_the_client_states_else_its_metadata() -> None:
    from importlib.metadata import version

    from kubernetes.client.configuration import Configuration

    from pauselint.sources.kubeconfig import _user_agent

    installed = f"OpenAPI-Generator/{version('kubernetes')}/python"
    assert _user_agent(Configuration) == installed
    assert _user_agent(_Reports("OS: linux\nSDK Package Version: 9.1.0b2\n")) == (
        "OpenAPI-Generator/9.1.0b2/python")
    # No such line, or not a version there: the installed distribution's version.
    for report in ("OS: linux\n", "SDK Package Version: \n", "SDK Package Version: <none>"):
        assert _user_agent(_Reports(report)) == installed, report
    assert _user_agent(object) == installed


CLUSTER_COMMAND = """
import json, sys
sys.argv = ["pauselint", "cluster", "--kubeconfig", sys.argv[1], "--format", "json"]
from pauselint.cli import main
try:
    main()
except SystemExit as exit:
    code = exit.code
print(json.dumps({"code": code, "loaded": sorted(m for m in sys.modules
                                                 if m.startswith("pauselint"))}),
      file=sys.stderr)
"""


def test_the_cluster_command_imports_no_file_reading_module(
        kube_api: KubeAPI, tmp_path: Path) -> None:
    """A scan reads no files: the engine's file-reading half (inputs, nodes, reading,
    the format registry) stays out; what it shares with check is in selection."""
    kube_api.set_nodes(fleet(3))
    config = kube_api.write_kubeconfig(tmp_path / "kubeconfig")

    proc = subprocess.run([sys.executable, "-c", CLUSTER_COMMAND, str(config)],
                          capture_output=True, text=True, check=True, timeout=120)
    found = json.loads(proc.stderr.strip().splitlines()[-1])

    assert found["code"] == 0 and json.loads(proc.stdout)["summary"]["inputs"] == 3
    loaded = set(found["loaded"])
    assert {"pauselint.selection", "pauselint.fleet", "pauselint.sources.cluster"} <= loaded
    assert not {"pauselint.engine", "pauselint.inputs", "pauselint.nodes", "pauselint.reading",
                "pauselint.sources.registry", "pauselint.sources.detect"} & loaded, loaded
