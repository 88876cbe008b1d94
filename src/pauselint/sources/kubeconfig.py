"""Credentials for the live-cluster reader, loaded so that they can only be read, never renewed.

pauselint promises that against a cluster it sends GETs to the API server and
nothing else, never writes a file it was given, and never prints a credential.
The ``kubernetes`` client's own loader breaks all three for some users, so this
module loads the kubeconfig through a subclass of it that keeps its parsing (TLS
files, tokens, client certificates, cluster info) and replaces every path that
renews a credential:

* **OIDC** (``auth-provider: oidc``): the client refreshes an expired id-token by
  fetching the issuer's discovery document *with TLS verification off* unless an
  ``idp-certificate-authority`` is set, POSTs the refresh token and client secret to
  whatever ``token_endpoint`` that document names, and writes the new tokens back
  into the kubeconfig. pauselint does not refresh at all: a refresh is a POST to the
  identity provider, and many providers rotate the refresh token on use, so a
  refresh that is not written back would log the user out, while writing it back
  breaks "never writes". An unexpired id-token is sent as the bearer token, as the
  client would; an expired or unreadable one is this context's error.
* **gcp** (and any other legacy ``auth-provider``): the same, no refresh (gcp's is
  a Google OAuth call or a ``cmd-path`` command without a time limit); a valid
  ``access-token`` is used, anything else is an error naming what to run instead.
* **exec plugins**: the client runs them without a time limit, passes the
  terminal through when stdout is one, and puts the plugin's stderr (which may hold
  a token) into its error text, then logs that and carries on without credentials,
  so the API server's 401 hides the real reason. Here a plugin runs without the
  terminal, is killed (its whole process group) after the request timeout, and a
  failure says "credential plugin NAME failed (exit N)" and nothing of its output.

Nothing persists: the loader gets no ``config_persister``, and
``KubeConfigMerger.save_changes`` (which writes tokens back into whichever of
several ``KUBECONFIG`` files defined the user) is never called. Every failure is a
:class:`CredentialError` whose text is the user-facing reason; it is raised while
loading or, for a credential that expires mid-run, from the client's per-request
refresh hook, and the reader turns it into the context's error either way.

Only functions import ``kubernetes`` (``pauselint check`` must not pay for it).
"""

from __future__ import annotations

import base64
import binascii
import datetime
import functools
import json
import os
import signal
import subprocess
import sys
from collections.abc import Mapping
from typing import Any

OIDC_EXPIRED = "OIDC token expired: refresh it with your usual login, e.g. kubectl oidc-login"
OIDC_UNREADABLE = (
    "OIDC token unreadable (not a JWT with a numeric exp): "
    "refresh it with your usual login, e.g. kubectl oidc-login"
)
GCP_EXPIRED = (
    "gcp auth-provider token expired or missing: pauselint does not refresh it; "
    "use the gke-gcloud-auth-plugin exec plugin or refresh it with gcloud"
)
# The client methods the loader below replaces or calls. If a client release
# renames one, the client's own (refreshing, persisting) code would run instead,
# so loading fails closed rather than silently losing a promise.
_REPLACED = ("_load_auth_provider_token", "_load_from_exec_plugin", "_refresh_oidc",
             "_refresh_gcp_token", "_load_authentication", "_set_config")


class CredentialError(Exception):
    """A context's credentials cannot be used; ``str()`` is the reason, never a secret."""


def configure_from_kubeconfig(
    configuration: Any, config_file: str, context: str, plugin_timeout: float
) -> None:
    """Fill ``configuration`` from ``context`` of ``config_file`` (a ``:``-separated list).

    Raises the client's ``ConfigException`` for a malformed kubeconfig and
    :class:`CredentialError` for credentials that would need renewing or a plugin
    that fails; both name no credential.
    """
    from kubernetes.config.kube_config import KubeConfigMerger

    merged = KubeConfigMerger(config_file).config
    if merged is None:
        from kubernetes.config.config_exception import ConfigException

        raise ConfigException("Invalid kube-config file. No configuration found.")
    loader = _loader_class()(
        config_dict=merged,
        active_context=context,
        config_base_path=None,
        config_persister=None,
        get_google_credentials=_refuse_google_refresh,
    )
    loader.plugin_timeout = plugin_timeout
    loader.load_and_set(configuration)


def configure_in_cluster(configuration: Any) -> None:
    """Fill ``configuration`` from the pod's service account.

    The client's in-cluster loader re-reads the projected token file at most once
    a minute from its per-request hook (the kubelet rotates it); it never writes and
    makes no request of its own, so it is used as it is.
    """
    from kubernetes.config.incluster_config import load_incluster_config

    load_incluster_config(client_configuration=configuration, try_refresh_token=True)


def _refuse_google_refresh() -> Any:
    raise CredentialError(GCP_EXPIRED)


@functools.cache
def _loader_class() -> type:
    """``KubeConfigLoader`` with every credential-renewing path replaced (see module doc)."""
    from kubernetes.config.kube_config import KubeConfigLoader

    missing = [name for name in _REPLACED if not hasattr(KubeConfigLoader, name)]
    if missing:
        raise CredentialError(
            "this kubernetes client release changed its kubeconfig loader "
            f"({', '.join(missing)} is gone); pauselint refuses to load credentials with it"
        )

    class ReadOnlyKubeConfigLoader(KubeConfigLoader):
        plugin_timeout: float = 10.0

        def _load_auth_provider_token(self) -> str | None:
            if "auth-provider" not in self._user:
                return None
            provider = self._user.safe_get("auth-provider")
            provider = provider if isinstance(provider, dict) else {}
            name = provider.get("name")
            settings = provider.get("config")
            settings = settings if isinstance(settings, dict) else {}
            if name == "oidc":
                token, expiry = _oidc_token(settings)
            elif name == "gcp":
                token, expiry = _gcp_token(settings)
            else:
                raise CredentialError(
                    f"auth-provider {_shown(name)} is not supported: pauselint never refreshes "
                    "legacy auth-provider tokens; use an exec credential plugin, e.g. kubelogin"
                )
            self.token = f"Bearer {token}"
            if expiry is not None:
                # The client's refresh hook reloads once this passes; the reload
                # then raises here, so a token expiring mid-run is this error too.
                self.expiry = expiry
            return self.token

        def _refresh_oidc(self, provider: Any) -> None:
            raise CredentialError(OIDC_EXPIRED)

        def _refresh_gcp_token(self) -> None:
            raise CredentialError(GCP_EXPIRED)

        def _load_from_exec_plugin(self) -> bool | None:
            if "exec" not in self._user:
                return None
            from kubernetes.config.dateutil import parse_rfc3339
            from kubernetes.config.kube_config import FileOrData

            base_path = self._get_base_path(self._cluster.path)
            exec_config = self._user.safe_get("exec")
            if not isinstance(exec_config, dict):
                raise CredentialError("credential plugin: exec must be a mapping")
            name = _plugin_name(exec_config)
            status = run_exec_plugin(
                exec_config, base_path or None,
                self._cluster.value if exec_config.get("provideClusterInfo") else None,
                self.plugin_timeout,
            )
            if isinstance(status.get("token"), str) and status["token"]:
                self.token = f"Bearer {status['token']}"
            elif isinstance(status.get("clientCertificateData"), str) and isinstance(
                status.get("clientKeyData"), str
            ):
                for attribute, key in (("cert_file", "clientCertificateData"),
                                       ("key_file", "clientKeyData")):
                    setattr(self, attribute, FileOrData(
                        status, None, data_key_name=key, file_base_path=base_path,
                        base64_file_content=False, temp_file_path=self._temp_file_path,
                    ).as_file())
            else:
                raise CredentialError(
                    f"credential plugin {name} returned neither a token "
                    "nor clientCertificateData and clientKeyData"
                )
            if "expirationTimestamp" in status:
                try:
                    self.expiry = parse_rfc3339(status["expirationTimestamp"])
                except Exception:  # a bad timestamp must not leak or crash
                    raise CredentialError(
                        f"credential plugin {name} returned an unreadable expirationTimestamp"
                    ) from None
            return True

    return ReadOnlyKubeConfigLoader


def _oidc_token(settings: Mapping[str, Any]) -> tuple[str, datetime.datetime | None]:
    """The id-token and its expiry; CredentialError when expired or not a JWT.

    The payload is decoded without checking the signature: the API server checks
    it, and all pauselint needs is whether sending it is still worth a request.
    """
    token = settings.get("id-token")
    if not isinstance(token, str):
        raise CredentialError(OIDC_UNREADABLE)
    parts = token.split(".")
    if len(parts) != 3:
        raise CredentialError(OIDC_UNREADABLE)
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
        expires = payload.get("exp") if isinstance(payload, dict) else None
        if expires is None:
            return token, None  # no exp: the API server decides, as with the client
        if isinstance(expires, bool) or not isinstance(expires, (int, float)):
            raise TypeError
        expiry = datetime.datetime.fromtimestamp(expires, tz=datetime.timezone.utc)
    except (ValueError, TypeError, OverflowError, OSError, binascii.Error):
        raise CredentialError(OIDC_UNREADABLE) from None
    if expiry <= datetime.datetime.now(datetime.timezone.utc):
        raise CredentialError(OIDC_EXPIRED)
    return token, expiry


def _gcp_token(settings: Mapping[str, Any]) -> tuple[str, datetime.datetime | None]:
    token = settings.get("access-token")
    if not isinstance(token, str) or not token:
        raise CredentialError(GCP_EXPIRED)
    if "expiry" not in settings:
        return token, None
    from kubernetes.config.dateutil import parse_rfc3339

    try:
        expiry = parse_rfc3339(settings["expiry"])
    except Exception:  # any parse failure is "cannot tell": do not send it
        raise CredentialError(GCP_EXPIRED) from None
    if expiry <= datetime.datetime.now(datetime.timezone.utc):
        raise CredentialError(GCP_EXPIRED)
    return token, expiry


def run_exec_plugin(
    exec_config: Mapping[str, Any],
    cwd: str | None,
    cluster: Mapping[str, Any] | None,
    timeout: float,
) -> dict[str, Any]:
    """Run a client-go exec credential plugin once and return its ``status``.

    The plugin gets no terminal (``interactive: false``, stdin from /dev/null): a
    plugin that wants to prompt fails instead of waiting for input nobody gives.
    It runs in a process group of its own, killed whole after ``timeout`` seconds,
    so a helper it started cannot keep the run waiting. Its stderr is read and
    dropped (it may hold a token); errors say only the command's name and what
    went wrong in general words.
    """
    name = _plugin_name(exec_config)
    command, api_version = exec_config.get("command"), exec_config.get("apiVersion")
    if not isinstance(command, str) or not command or not isinstance(api_version, str):
        raise CredentialError(f"credential plugin {name}: exec needs a command and an apiVersion")
    args = exec_config.get("args") or []
    if not isinstance(args, list) or not all(isinstance(arg, str) for arg in args):
        raise CredentialError(f"credential plugin {name}: args must be a list of strings")
    if exec_config.get("interactiveMode") == "Always":
        raise CredentialError(
            f"credential plugin {name} needs a terminal (interactiveMode: Always); "
            "log in with it first, or use a plugin that caches its credential"
        )
    env = dict(os.environ)
    for item in exec_config.get("env") or []:
        if not (isinstance(item, dict) and isinstance(item.get("name"), str)
                and isinstance(item.get("value"), str)):
            raise CredentialError(f"credential plugin {name}: env entries need a name and a value")
        env[item["name"]] = item["value"]
    spec: dict[str, Any] = {"interactive": False}
    if cluster is not None:
        spec["cluster"] = dict(cluster)
        for extension in cluster.get("extensions") or ():
            # client-go hands the plugin its own extension's settings as "config".
            if isinstance(extension, dict) and (
                    extension.get("name") == "client.authentication.k8s.io/exec"):
                spec["cluster"]["config"] = extension.get("extension")
    env["KUBERNETES_EXEC_INFO"] = json.dumps(
        {"apiVersion": api_version, "kind": "ExecCredential", "spec": spec}
    )
    stdout = _run_bounded(name, [command, *args], cwd, env, timeout)
    try:
        data = json.loads(stdout)
    except ValueError:
        raise CredentialError(f"credential plugin {name} did not print JSON") from None
    if not isinstance(data, dict) or not isinstance(data.get("status"), dict):
        raise CredentialError(f"credential plugin {name} printed no ExecCredential status")
    if data.get("apiVersion") != api_version:
        raise CredentialError(
            f"credential plugin {name} answered another apiVersion than {api_version}"
        )
    return data["status"]


def _run_bounded(name: str, argv: list[str], cwd: str | None, env: dict[str, str],
                 timeout: float) -> bytes:
    posix = os.name == "posix"
    try:
        process = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            cwd=cwd, env=env, start_new_session=posix,
            shell=sys.platform in ("win32", "cygwin"),  # as the client does, for .cmd shims
        )
    except OSError as exc:
        words = exc.strerror or type(exc).__name__
        raise CredentialError(f"credential plugin {name} could not be started: {words}") from None
    try:
        stdout, _stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(process, posix)
        raise CredentialError(f"credential plugin {name} timed out after {timeout:g} s") from None
    if process.returncode != 0:
        if posix:
            _kill(process, posix)  # helpers it left behind
        raise CredentialError(f"credential plugin {name} failed (exit {process.returncode})")
    return stdout


def _kill(process: subprocess.Popen, posix: bool) -> None:
    """Kill the plugin and everything in its process group, then reap it."""
    try:
        if posix:
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()
    except (ProcessLookupError, PermissionError):
        pass
    try:
        process.communicate(timeout=1)
    except subprocess.TimeoutExpired:  # a helper that left the group holds the pipes
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()
        process.wait()


def _plugin_name(exec_config: Mapping[str, Any]) -> str:
    """The command's file name: what a user recognises, without arguments (which may
    carry secrets) or a long path."""
    command = exec_config.get("command")
    if not isinstance(command, str) or not command:
        return "(no command)"
    return _shown(os.path.basename(command) or command)


def _shown(value: Any) -> str:
    """A kubeconfig name for a message: printable and short."""
    text = str(value)
    text = "".join(ch if ch.isprintable() else "?" for ch in text)
    return text if len(text) <= 60 else text[:57] + "..."
