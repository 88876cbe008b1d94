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

* **malformed entries**: the client names each kubeconfig entry in its error text
  by the entry's whole mapping (``Expected key client-certificate in
  .../{'name': 'me', 'user': {'token': ...}}/user``), so its ``ConfigException``
  text is never shown: every failure while merging or loading becomes a
  :class:`KubeconfigError` whose words pauselint builds from what it knows (the
  entry's kind and name, the client's literal key, a file error's strerror).
* **TLS**: ``insecure-skip-tls-verify`` must be a YAML boolean, as kubectl says;
  the client computes ``verify_ssl = not value``, so the string ``"false"`` would
  turn verification off. Only a real ``true`` does; TLS and server fields of any
  other type than a string are this context's error.

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
import contextlib
import copy
import datetime
import functools
import importlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import types
from collections.abc import Callable, Iterator, Mapping
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
# What a plugin may print: an ExecCredential with a client certificate and key is a
# few KiB, so 1 MiB is ample; past it the plugin's process group is killed.
MAX_PLUGIN_OUTPUT = 1 << 20
# The client methods the loader below replaces or calls. If a client release
# renames one, the client's own (refreshing, persisting) code would run instead,
# so loading fails closed rather than silently losing a promise.
_REPLACED = ("_load_auth_provider_token", "_load_from_exec_plugin", "_refresh_oidc",
             "_refresh_gcp_token", "_load_authentication", "_set_config",
             "_load_cluster_info", "set_active_context")
# Fields read as strings: a value of another type is this context's error, named.
_USER_STRINGS = ("token", "tokenFile", "username", "password", "client-certificate",
                 "client-certificate-data", "client-key", "client-key-data")
_CLUSTER_STRINGS = ("server", "certificate-authority", "certificate-authority-data",
                    "tls-server-name", "proxy-url")
# The one part of a client ConfigException that is ever used: the key it names,
# a literal of the client's own code (never the entry text that follows it).
_EXPECTED_KEY = re.compile(r"Invalid kube-config file\. Expected key ([A-Za-z0-9_-]{1,64}) in ")
# A package version as the client's generator states it (PEP 440's characters).
_PACKAGE_VERSION = re.compile(r"[0-9][0-9A-Za-z.+!-]{0,63}")

# A plugin's time: ``budget()`` -> (seconds, whether the context's deadline is the
# bound); it raises once the context has no time left (cluster_http.Budget.next_request).
PluginBudget = Callable[[], "tuple[float, bool]"]


class CredentialError(Exception):
    """A context's credentials cannot be used; ``str()`` is the reason, never a secret."""


class KubeconfigError(CredentialError):
    """The kubeconfig is malformed for a context; ``str()`` is pauselint's words,
    never the client's text (which quotes whole entries, credentials included)."""


_PARTS_LOCK = threading.Lock()


@functools.cache
def client_parts() -> types.SimpleNamespace:
    """The pieces of the ``kubernetes`` client the cluster path uses, imported alone.

    Importing any ``kubernetes.*`` module first runs the package's ``__init__``,
    which imports everything the client has: every API class, 700 pydantic models,
    ``dynamic``, ``watch``, ``stream``, ``utils`` (about 0.1-0.2 s and 15 MB at
    every run, issue 16). The cluster path needs only the kubeconfig loader (its
    parsing, exec and auth-provider plumbing), ``Configuration`` (TLS and
    credentials) and ``RESTClientObject`` (the urllib3 pool with those TLS
    settings). So their modules are loaded as themselves: while they load,
    ``kubernetes``, ``kubernetes.client``, ``kubernetes.config`` and
    ``kubernetes.utils`` are plain packages that only give their directories; the
    one name a module takes from a package ``__init__`` (``kube_config``'s
    ``from kubernetes.client import ApiClient, Configuration``) is given to it:
    ``Configuration`` itself, and an ``ApiClient`` that imports the real one when
    called (only the client's own OIDC refresh and ``new_client_from_config`` do,
    and pauselint replaces or never calls both). The placeholder packages are taken
    out of ``sys.modules`` again, so a later ``import kubernetes`` (another command
    in the same process, a test) gets the whole client as usual, these modules
    included (one difference: such a later import does not bind these modules as
    attributes of their packages, so ``kubernetes.config.kube_config`` is reached
    with ``from kubernetes.config import kube_config``, not by attribute). When the
    client is already imported, or its layout is not the one expected, the
    ordinary imports are used.

    ``kube_config`` also imports ``requests_oauthlib`` and ``oauthlib.oauth2`` for
    the one method that uses them, the OIDC refresh, which pauselint replaces
    (``_REPLACED``): with ``requests`` and ``oauthlib`` under them they were ~50 ms
    of a cluster run's ~170 ms of client imports. While ``kube_config`` loads they
    are stand-ins (:func:`_deferred_oidc_imports`) that import the real modules the
    first time anything of them is used, so the client's own refresh still works
    in a process that calls it.
    """
    with _PARTS_LOCK:
        if "kubernetes" not in sys.modules:
            try:
                with _bare_packages() as client_package:
                    return _import_parts(client_package)
            except (ImportError, AttributeError):  # another client layout: the usual way
                pass
        import kubernetes.client

        return _import_parts(kubernetes.client)


def _import_parts(client_package: Any) -> types.SimpleNamespace:
    from kubernetes.client.configuration import Configuration

    client_package.Configuration = Configuration
    from kubernetes.client.rest import RESTClientObject
    from kubernetes.config.config_exception import ConfigException
    from kubernetes.config.dateutil import parse_rfc3339
    from kubernetes.config.incluster_config import load_incluster_config
    from kubernetes.config.kube_config import FileOrData, KubeConfigLoader, KubeConfigMerger

    return types.SimpleNamespace(
        Configuration=Configuration, RESTClientObject=RESTClientObject,
        ConfigException=ConfigException, parse_rfc3339=parse_rfc3339,
        load_incluster_config=load_incluster_config, FileOrData=FileOrData,
        KubeConfigLoader=KubeConfigLoader, KubeConfigMerger=KubeConfigMerger,
        user_agent=_user_agent(Configuration),
    )


@contextlib.contextmanager
def _bare_packages() -> Iterator[types.ModuleType]:
    """``kubernetes`` and the three subpackages as bare packages, for the ``with``."""
    import importlib.util

    spec = importlib.util.find_spec("kubernetes")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("kubernetes")
    root = next(iter(spec.submodule_search_locations))
    bare: dict[str, types.ModuleType] = {}
    for name in ("kubernetes", "kubernetes.client", "kubernetes.config", "kubernetes.utils"):
        module = types.ModuleType(name)
        module.__path__ = [os.path.join(root, *name.split(".")[1:])]
        module.__package__ = name
        bare[name] = module
    bare["kubernetes.client"].ApiClient = _real_api_client
    bare.update(_deferred_oidc_imports())
    http2 = _lazy_urllib3_http2()
    if http2 is not None:  # the package itself, run on first use: it stays
        sys.modules["urllib3.http2"] = http2
    sys.modules.update(bare)
    try:
        yield bare["kubernetes.client"]
    finally:
        for name, module in bare.items():
            if sys.modules.get(name) is module:
                del sys.modules[name]
        urllib3 = sys.modules.get("urllib3")
        if http2 is not None and urllib3 is not None and not hasattr(urllib3, "http2"):
            urllib3.http2 = http2  # as importing it would have bound it


class _Deferred(types.ModuleType):
    """A stand-in for a module: the first time an attribute of it is read, ``loads``
    (the module named by the import statement it stands in for) is imported for real
    and the attribute is the real module's."""

    def __init__(self, name: str, loads: str) -> None:
        super().__init__(name)
        self.deferred_import = loads

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # the import system's own questions: not a use
            raise AttributeError(name)
        importlib.import_module(self.deferred_import)
        real = sys.modules.get(self.__name__)
        if real is None or real is self:  # read while the stand-in is still in place
            raise AttributeError(f"{self.__name__}.{name} is not loaded yet")
        return getattr(real, name)


def _deferred_oidc_imports() -> dict[str, types.ModuleType]:
    """Stand-ins for what ``kube_config`` imports only for its OIDC refresh, each left
    out when the real module is already loaded (it then costs nothing)."""
    stand_ins: dict[str, types.ModuleType] = {}
    if "requests_oauthlib" not in sys.modules:
        # `from requests_oauthlib import OAuth2Session` reads the name at once, so
        # the name itself is what imports the real one, when called.
        module = types.ModuleType("requests_oauthlib")
        module.OAuth2Session = _real_oauth2_session  # type: ignore[attr-defined]
        stand_ins["requests_oauthlib"] = module
    if "oauthlib" not in sys.modules:
        # `import oauthlib.oauth2` binds `oauthlib`; the refresh's except clause reads
        # `oauthlib.oauth2.rfc6749.errors...` only once a refresh has failed.
        stand_ins["oauthlib"] = _Deferred("oauthlib", "oauthlib.oauth2")
        stand_ins["oauthlib.oauth2"] = _Deferred("oauthlib.oauth2", "oauthlib.oauth2")
    return stand_ins


def _lazy_urllib3_http2() -> types.ModuleType | None:
    """``urllib3.http2`` whose ``__init__`` runs when a name it defines is first read,
    for a process that has not loaded urllib3 yet (else None: nothing changes).

    ``urllib3.connection`` imports ``urllib3.http2.probe`` (a small cache of which
    hosts speak HTTP/2), and so the package's ``__init__``, whose one import is
    ``importlib.metadata``, for a version check in ``inject_into_urllib3()``, a
    function only a program opting into HTTP/2 calls. ``importlib.metadata`` with
    what it pulls in (zipfile, csv, email) is ~15 ms of a cluster run's start-up.
    So the package is made from its own spec without running its code: ``probe`` and
    any other submodule load into it as usual, and reading ``inject_into_urllib3``
    (or ``extract_from_urllib3``, or ``__all__``) runs the ``__init__`` in it, once.
    Another urllib3 layout (no ``http2/probe.py``) gets None and imports as always."""
    import importlib.util

    if "urllib3" in sys.modules or "urllib3.http2" in sys.modules:
        return None
    spec = importlib.util.find_spec("urllib3")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = os.path.join(next(iter(spec.submodule_search_locations)), "http2")
    if not os.path.isfile(os.path.join(folder, "probe.py")):
        return None
    own = importlib.util.spec_from_file_location(
        "urllib3.http2", os.path.join(folder, "__init__.py"),
        submodule_search_locations=[folder])
    if own is None or own.loader is None:
        return None
    module = importlib.util.module_from_spec(own)
    ran = False

    def __getattr__(name: str) -> Any:  # PEP 562: only names not already in the module
        nonlocal ran
        # A submodule not loaded yet is the import system's to load (``from .http2
        # import probe`` asks for it first): no reason to run the package's code.
        submodule = os.path.isfile(os.path.join(folder, f"{name}.py"))
        if not ran and not submodule and (name == "__all__" or not name.startswith("__")):
            ran = True
            own.loader.exec_module(module)
            if name in module.__dict__:
                return module.__dict__[name]
        raise AttributeError(f"module 'urllib3.http2' has no attribute {name!r}")

    module.__getattr__ = __getattr__  # type: ignore[method-assign]
    return module


def _real_oauth2_session(*args: Any, **kwargs: Any) -> Any:
    from requests_oauthlib import OAuth2Session

    return OAuth2Session(*args, **kwargs)


def _real_api_client(*args: Any, **kwargs: Any) -> Any:
    from kubernetes.client.api_client import ApiClient

    return ApiClient(*args, **kwargs)


def _user_agent(configuration_class: Any) -> str:
    """The User-Agent the client's ApiClient sends, so requests look as they would.

    ApiClient's ``'OpenAPI-Generator/<version>/python'`` and the configuration's debug
    report are written by the client's generator from the same package version, so
    the version is read from the report: ``importlib.metadata`` (what a
    distribution's version is usually asked of) costs ~15 ms of imports on every
    cluster run. A report without it (another generator) falls back to the metadata.
    """
    with contextlib.suppress(Exception):
        report = configuration_class.to_debug_report(None)
        _, found, rest = report.partition("SDK Package Version: ")
        stated = rest.split("\n", 1)[0].strip()
        if found and _PACKAGE_VERSION.fullmatch(stated):
            return f"OpenAPI-Generator/{stated}/python"
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"OpenAPI-Generator/{version('kubernetes')}/python"
    except PackageNotFoundError:
        return "OpenAPI-Generator/python"


def configure_from_kubeconfig(
    configuration: Any, config_file: str, context: str, plugin_budget: PluginBudget,
    context_timeout: float, merged: Any = None,
) -> None:
    """Fill ``configuration`` from ``context`` of ``config_file`` (a ``:``-separated list).

    Raises :class:`KubeconfigError` for a malformed kubeconfig and
    :class:`CredentialError` for credentials that would need renewing or a plugin
    that fails; neither names a credential. Each plugin run, at load and at every
    refresh, takes at most what ``plugin_budget()`` grants.

    ``merged`` is :func:`merge_kubeconfig`'s answer for ``config_file`` when the
    caller has it already: the files are then not parsed again (the client's
    pure-Python YAML parse is ~5 ms for a 14 KB kubeconfig with embedded
    certificates, once per context otherwise). The loader gets a deep copy, so
    contexts loading side by side share no mutable entry.
    """
    merged = merge_kubeconfig(config_file) if merged is None else copy.deepcopy(merged)
    if merged is None:
        raise KubeconfigError("no configuration found")
    loader = _loader_class()(
        config_dict=merged,
        active_context=context,
        config_base_path=None,
        config_persister=None,
        get_google_credentials=_refuse_google_refresh,
    )
    loader.plugin_budget = plugin_budget
    loader.context_timeout = context_timeout
    loader.load_and_set(configuration)


def merge_kubeconfig(config_file: str) -> Any:
    """The client's merge of the ``:``-separated files (a ``ConfigNode``, or None).

    Any failure is a :class:`KubeconfigError` in pauselint's words.
    """
    with _translated(None):
        return client_parts().KubeConfigMerger(config_file).config


def context_names(merged: Any) -> tuple[list[str], Any]:
    """(the context names in order, the current-context) of a merged kubeconfig."""
    names = []
    for entry in merged.value.get("contexts") or ():
        value = getattr(entry, "value", entry)
        if not isinstance(value, dict) or value.get("name") is None:
            raise KubeconfigError("an entry of contexts has no name")
        names.append(str(value["name"]))
    return names, merged.value.get("current-context")


def configure_in_cluster(configuration: Any) -> None:
    """Fill ``configuration`` from the pod's service account.

    The client's in-cluster loader re-reads the projected token file at most once
    a minute from its per-request hook (the kubelet rotates it); it never writes and
    makes no request of its own, so it is used as it is.
    """
    parts = client_parts()
    try:
        parts.load_incluster_config(client_configuration=configuration, try_refresh_token=True)
    except parts.ConfigException as exc:  # said in pauselint's words, as every client message
        text = str(exc)
        if text.startswith("Service host/port is not set"):
            raise CredentialError("in-cluster: KUBERNETES_SERVICE_HOST or _PORT is not set "
                                  "(not running in a pod?)") from None
        raise CredentialError("in-cluster: the service account token or CA file is missing "
                              "or empty") from None
    except OSError as exc:
        raise CredentialError("in-cluster: the service account files cannot be read: "
                              f"{exc.strerror or type(exc).__name__}") from None


def _refuse_google_refresh() -> Any:
    raise CredentialError(GCP_EXPIRED)


@functools.cache
def _loader_class() -> type:
    """``KubeConfigLoader`` with every credential-renewing path replaced (see module doc)."""
    KubeConfigLoader = client_parts().KubeConfigLoader

    missing = [name for name in _REPLACED if not hasattr(KubeConfigLoader, name)]
    if missing:
        raise CredentialError(
            "this kubernetes client release changed its kubeconfig loader "
            f"({', '.join(missing)} is gone); pauselint refuses to load credentials with it"
        )

    class ReadOnlyKubeConfigLoader(KubeConfigLoader):
        plugin_budget: PluginBudget = staticmethod(lambda: (10.0, False))
        context_timeout: float = 120.0

        def set_active_context(self, context_name: str | None = None) -> None:
            with _translated(f"context {_shown(context_name)}"):
                super().set_active_context(context_name)

        def _entry(self, kind: str) -> str:
            """"user NAME" / "cluster NAME": the entry the active context names."""
            context = self._current_context.value if self._current_context else None
            settings = context.get("context") if isinstance(context, dict) else None
            name = settings.get(kind) if isinstance(settings, dict) else None
            return f"{kind} {_shown(name)}" if isinstance(name, str) else kind

        def _load_authentication(self) -> None:
            where = self._entry("user")
            if self._user is not None:
                _check_strings(self._user.value, _USER_STRINGS, where)
            with _translated(where):
                super()._load_authentication()

        def _load_cluster_info(self) -> None:
            where = self._entry("cluster")
            cluster = self._cluster.value
            if not isinstance(cluster, dict):
                raise KubeconfigError(f"{where}: cluster is not a mapping")
            _check_strings(cluster, _CLUSTER_STRINGS, where)
            if "server" not in cluster:
                # The client would fall back to http://localhost, credentials and all.
                raise KubeconfigError(f"{where}: no server")
            skip = cluster.get("insecure-skip-tls-verify", False)
            if not isinstance(skip, bool):
                raise KubeconfigError(
                    f"{where}: insecure-skip-tls-verify must be true or false, not {_kind(skip)}")
            with _translated(where):
                super()._load_cluster_info()
            self.verify_ssl = not skip  # the client's "not value", now of a real bool

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
            parts = client_parts()
            FileOrData, parse_rfc3339 = parts.FileOrData, parts.parse_rfc3339

            base_path = self._get_base_path(self._cluster.path)
            exec_config = self._user.safe_get("exec")
            if not isinstance(exec_config, dict):
                raise CredentialError("credential plugin: exec must be a mapping")
            name = _plugin_name(exec_config)
            try:
                seconds, context_bound = self.plugin_budget()
            except Exception:  # the context's deadline passed (DeadlineExceeded)
                raise CredentialError(
                    f"credential plugin {name} not run: context timeout after "
                    f"{self.context_timeout:g} s (--context-timeout)") from None
            status = run_exec_plugin(
                exec_config, base_path or None,
                self._cluster.value if exec_config.get("provideClusterInfo") else None,
                seconds, self.context_timeout if context_bound else None,
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
    try:
        expiry = client_parts().parse_rfc3339(settings["expiry"])
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
    context_timeout: float | None = None,
) -> dict[str, Any]:
    """Run a client-go exec credential plugin once and return its ``status``.

    The plugin gets no terminal (``interactive: false``, stdin from /dev/null): a
    plugin that wants to prompt fails instead of waiting for input nobody gives.
    It runs in a process group of its own, killed whole after ``timeout`` seconds
    (the time its context has left when ``context_timeout`` is given, which the
    error then names) or once it prints more than ``MAX_PLUGIN_OUTPUT`` bytes, so a
    helper it started cannot keep the run waiting and a flood cannot fill memory.
    Its stderr goes to /dev/null (it may hold a token); errors say only the
    command's name and what went wrong in general words.
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
    stdout = _run_bounded(name, [command, *args], cwd, env, timeout, context_timeout)
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
                 timeout: float, context_timeout: float | None = None) -> bytes:
    posix = os.name == "posix"
    try:
        process = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            cwd=cwd, env=env, start_new_session=posix,
            shell=sys.platform in ("win32", "cygwin"),  # as the client does, for .cmd shims
        )
    except OSError as exc:
        words = exc.strerror or type(exc).__name__
        raise CredentialError(f"credential plugin {name} could not be started: {words}") from None
    if context_timeout is None:
        timed_out = f"credential plugin {name} timed out after {timeout:g} s"
    else:
        timed_out = (f"credential plugin {name} timed out: context timeout after "
                     f"{context_timeout:g} s (--context-timeout)")
    deadline = time.monotonic() + timeout
    output = _CappedReader(process.stdout, MAX_PLUGIN_OUTPUT)
    output.join(timeout)
    if output.over:
        _kill(process, posix, output)
        raise CredentialError(
            f"credential plugin {name} wrote more than {MAX_PLUGIN_OUTPUT >> 20} MiB")
    if output.is_alive():
        _kill(process, posix, output)
        raise CredentialError(timed_out)
    try:
        process.wait(max(deadline - time.monotonic(), 0))
    except subprocess.TimeoutExpired:  # closed its stdout but did not exit
        _kill(process, posix, output)
        raise CredentialError(timed_out) from None
    process.stdout.close()
    if process.returncode != 0:
        if posix:
            _kill(process, posix, output)  # helpers it left behind
        raise CredentialError(f"credential plugin {name} failed (exit {process.returncode})")
    return output.data()


class _CappedReader(threading.Thread):
    """Reads a pipe to its end in a thread of its own, stopping past ``cap`` bytes."""

    def __init__(self, stream: Any, cap: int) -> None:
        super().__init__(daemon=True)
        self._fd = stream.fileno()
        self._cap = cap
        self._chunks: list[bytes] = []
        self.over = False
        self.start()

    def run(self) -> None:
        size = 0
        while True:
            try:
                chunk = os.read(self._fd, 1 << 16)
            except OSError:
                return
            if not chunk:
                return
            size += len(chunk)
            if size > self._cap:
                self.over = True  # stop reading: the writer blocks, then is killed
                return
            self._chunks.append(chunk)

    def data(self) -> bytes:
        return b"".join(self._chunks)


def _kill(process: subprocess.Popen, posix: bool, output: _CappedReader) -> None:
    """Kill the plugin and everything in its process group, then reap it.

    The pipe is closed only once the reader has stopped: a helper that left the
    group can hold it open, and then the reader (a daemon thread) is left waiting.
    """
    try:
        if posix:
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()
    except (ProcessLookupError, PermissionError):
        pass
    output.join(1)
    if not output.is_alive() and process.stdout is not None:
        process.stdout.close()
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


def _kind(value: Any) -> str:
    """A YAML value's type in a user's words: "a string", "null", "a list"."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _check_strings(entry: Any, keys: tuple[str, ...], where: str) -> None:
    """Each of ``keys`` present in ``entry`` is a string; else a named error (no value)."""
    if not isinstance(entry, dict):
        raise KubeconfigError(f"{where}: the entry is not a mapping")
    for key in keys:
        if key in entry and not isinstance(entry[key], str):
            value = entry[key]
            words = "is null" if value is None else f"must be a string, not {_kind(value)}"
            raise KubeconfigError(f"{where}: {key} {words}")


@contextlib.contextmanager
def _translated(where: str | None) -> Iterator[None]:
    """Turn any failure of the client's kubeconfig code into a :class:`KubeconfigError`.

    The client's text is never used whole: it names entries by their whole mapping,
    credentials included. Only the literal key of an "Expected key" message is kept;
    everything else is said from ``where`` ("user me", "cluster prod", None while
    merging the files) and the exception's type.
    """
    try:
        yield
    except CredentialError:
        raise
    except Exception as exc:
        raise KubeconfigError(_words(exc, where)) from None


def _words(exc: Exception, where: str | None) -> str:
    import yaml

    ConfigException = client_parts().ConfigException
    prefix = f"{where}: " if where else ""
    if isinstance(exc, yaml.YAMLError):
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        file = f"{_shown(mark.name)}: " if mark is not None and isinstance(mark.name, str) else ""
        why = f": {_shown(problem)}" if isinstance(problem, str) else ""
        return f"{file}not valid YAML{at}{why}"
    if isinstance(exc, OSError):
        subject = "a file it names" if where else "a kubeconfig file"
        return f"{prefix}{subject} cannot be read: {exc.strerror or type(exc).__name__}"
    if isinstance(exc, ConfigException):
        text = str(exc)
        key = _EXPECTED_KEY.match(text)
        if key and where is None and key[1] == "name":
            return "a context, cluster or user entry has no name"
        if key:
            return f"{prefix}{key[1]} is missing or null"
        kind = next((k for k in ("contexts", "clusters", "users") if text.endswith(f"{k} list")),
                    "entries")
        if text.startswith("Invalid kube-config file. Expected object with name"):
            return f"{prefix}its {kind[:-1]} is not in the kubeconfig"
        if text.startswith("Invalid kube-config file. Expected only one object"):
            return f"{prefix}more than one entry of {kind} has its {kind[:-1]}'s name"
        if text.startswith("Invalid kube-config file. Expected all values in"):
            return f"{prefix}an entry of {kind} has no name"
        if text.endswith("to be a list"):
            return f"{prefix}contexts, clusters and users must be lists"
        if text.startswith("File does not exist"):
            return f"{prefix}a file it names does not exist"
        if text.startswith("Invalid kube-config. ") and text.endswith(" file is empty"):
            return "a kubeconfig file is empty"
        return f"{prefix}malformed (the client's message is not shown: it can quote credentials)"
    if where is None and isinstance(exc, UnicodeDecodeError):  # reading the files
        # (No position: it counts from the start of the chunk the reader decoded.)
        return f"a kubeconfig file is not {exc.encoding} text"
    if isinstance(exc, (binascii.Error, UnicodeError)):
        return f"{prefix}a -data field is not valid base64"
    if where is None and isinstance(exc, (TypeError, AttributeError)):  # merging them
        return ("malformed: a kubeconfig file must be a mapping whose clusters, contexts "
                f"and users are lists of mappings ({type(exc).__name__})")
    return f"{prefix}malformed ({type(exc).__name__})"
