"""Real OCI registries for the online tests: Debian's ``docker-registry`` (distribution
2.8), started on 127.0.0.1, with real images pushed to it over the distribution API.

``running(folder)`` starts, for one test session:

* ``secure`` -- TLS with a certificate from a test CA (trustme) and htpasswd auth;
  its ``pause:3.9`` is an upstream-like index (linux/amd64, linux/arm64), so its digest
  differs from ``mirror``'s ``pause:3.9``; its ``pause:3.10`` is byte for byte
  ``mirror``'s (the same digest);
* ``mirror`` -- plain HTTP, no auth: the mirror that copied ``pause:3.9`` for
  ``linux/amd64`` only (an OCI manifest), with a separate ``3.9-linuxarm64`` tag
  (a Docker v2 manifest), a full OCI index for ``3.10`` (linux/amd64, linux/arm64/v8,
  windows/amd64 with ``os.version``), a Docker manifest list for ``3.8``, twelve tags
  of ``paged/pause`` (for the ``n=`` paging of the tags list), ``private/pause:3.10``
  and ``buildx/pause:3.10``, an index with BuildKit's attestation entries;
* ``token`` -- TLS and the distribution token flow (``auth.token``), reading
  ``mirror``'s storage; its realm is :class:`TokenServer`, a stdlib HTTPS server in
  this file that signs ES256 JWTs with a trustme certificate the registry trusts
  through ``rootcertbundle``. distribution verifies those tokens itself (issuer,
  audience, expiry, signature, x5c chain, access), so the flow is tested against the
  real check. Anonymous callers get ``pull`` on every repository but ``private/*``,
  which needs the token server's user.

htpasswd: distribution accepts bcrypt entries only; they are made with the ``bcrypt``
wheel (pyca, in the test extra) because Debian's ``htpasswd`` (apache2-utils) needs
libapr shared libraries that debian.py does not unpack and this machine does not have.

Each registry writes its access log (Apache combined format, one line per request,
written as the handler returns: for answers as small as these, before they leave the
server's buffer, so a client that has its answer finds the line) to ``access.log`` in
its folder; the pushing here sends ``User-Agent: pauselint-test-setup`` so a test can
tell pauselint's own requests (``pauselint/<version>``) apart. Pushing is test setup only.

The package is fetched with :mod:`debian` (cached); where it cannot be, ``running``
raises FetchError and the fixture skips with the reason.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import http.client
import io
import json
import re
import secrets
import shutil
import ssl
import subprocess
import tarfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import parse_qs, urlsplit

from realparts.debian import FetchError, fetch

if TYPE_CHECKING:
    import trustme

PACKAGE = "docker-registry"
BINARY = Path("usr/bin/docker-registry")
SETUP_AGENT = "pauselint-test-setup"
START_SECONDS = 30.0
USER, PASSWORD = "puller", "pause-Pa55word-not-for-printing"
TOKEN_USER, TOKEN_PASSWORD = "token-user", "token-Pa55word-not-for-printing"
SERVICE = "pauselint-test-registry"
ISSUER = "pauselint-test-token-server"

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"

_LISTENING = re.compile(r'listening on (\S+?)(?:, tls)?"')
# 127.0.0.1 - - [04/Dec/2026:21:17:02 +0000] "HEAD /v2/ HTTP/1.1" 200 2 "" "curl/7.88.1"
_ACCESS = re.compile(r'^\S+ \S+ \S+ \[[^\]]*\] "(?P<method>[A-Z]+) (?P<path>\S+) [^"]*" '
                     r'(?P<status>\d{3}) \S+ "[^"]*" "(?P<agent>[^"]*)"$')


class Platform(NamedTuple):
    """A platform as pushed: the fields an index entry or a config blob holds."""

    os: str
    architecture: str
    variant: str | None = None
    os_version: str | None = None


class Pushed(NamedTuple):
    """A tag as pushed: its manifest's digest (sha256 of the bytes sent) and platforms."""

    name: str
    tag: str
    digest: str
    media_type: str
    platforms: tuple[Platform, ...]


class Logged(NamedTuple):
    """One line of a registry's access log."""

    method: str
    path: str
    status: int
    agent: str


@dataclass
class RegistryServer:
    """One running registry: ``host`` is ``127.0.0.1:<port>`` as a reference writes it."""

    name: str
    host: str
    tls: bool
    folder: Path
    process: subprocess.Popen[bytes]
    ca_file: Path | None = None
    pushed: dict[tuple[str, str], Pushed] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.host}"

    @property
    def access_log(self) -> Path:
        return self.folder / "access.log"

    def log_mark(self) -> int:
        """How many access log lines there are now (for :meth:`requests` ``since``)."""
        return len(self.requests())

    def requests(self, since: int = 0, agent_prefix: str | None = None) -> list[Logged]:
        """The access log's requests from line ``since`` on, by agent prefix if given."""
        lines = self.access_log.read_text(errors="replace").splitlines()[since:]
        found = []
        for line in lines:
            match = _ACCESS.match(line)
            if match and (agent_prefix is None or match["agent"].startswith(agent_prefix)):
                found.append(Logged(match["method"], match["path"], int(match["status"]),
                                    match["agent"]))
        return found


@dataclass
class Registries:
    """The three registries of a session, and the token server of ``token``."""

    secure: RegistryServer
    mirror: RegistryServer
    token: RegistryServer
    token_server: TokenServer
    ca_file: Path


# --- the token server -----------------------------------------------------------------

class TokenServer:
    """The ``auth.token`` realm of the ``token`` registry: HTTPS, stdlib http.server.

    Tokens are JWTs (ES256) whose header carries the signing certificate (``x5c``),
    issued by the test CA that the registry's ``rootcertbundle`` holds. Every request
    is recorded in :attr:`requests` as ``(method, path)``, each token request in
    :attr:`asked` as ``(scopes, user or None)`` and each token given in :attr:`issued`.
    """

    def __init__(self, ca: trustme.CA) -> None:
        from cryptography import x509
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec

        signer = ca.issue_cert("token-signer.pauselint.invalid")
        key = serialization.load_pem_private_key(signer.private_key_pem.bytes(), None)
        assert isinstance(key, ec.EllipticCurvePrivateKey)  # trustme's default: ECDSA P-256
        self._key = key
        der = x509.load_pem_x509_certificate(signer.cert_chain_pems[0].bytes()).public_bytes(
            serialization.Encoding.DER)
        self._x5c = [base64.b64encode(der).decode()]
        self.asked: list[tuple[tuple[str, ...], str | None]] = []
        self.issued: list[str] = []
        # The audience tokens are made for: a test sets another to have them refused.
        self.audience = SERVICE
        self.requests: list[tuple[str, str]] = []
        server_cert = ca.issue_cert("127.0.0.1")
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        server_cert.configure_cert(context)
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner._answer(self)

            def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
                """Every answered request, whatever its method (others get 501)."""
                owner.requests.append((self.command, self.path))

            def log_message(self, format: str, *args: object) -> None:
                """Quiet: :attr:`asked` and :attr:`requests` are the record."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self.realm = f"https://127.0.0.1:{self._server.server_address[1]}/token"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _answer(self, request: BaseHTTPRequestHandler) -> None:
        query = parse_qs(urlsplit(request.path).query)
        scopes = tuple(query.get("scope", []))
        user = self._user(request.headers.get("Authorization"))
        self.asked.append((scopes, user if user != "" else None))
        if user == "":  # credentials were sent and are wrong
            self._send(request, 401, {"errors": [{"code": "UNAUTHORIZED"}]})
            return
        access = []
        for scope in scopes:
            kind, _, rest = scope.partition(":")
            name, _, actions = rest.rpartition(":")
            if kind != "repository" or "pull" not in actions.split(","):
                continue
            if name.startswith("private/") and user is None:
                continue
            access.append({"type": "repository", "name": name, "actions": ["pull"]})
        now = int(time.time())
        token = self._token({"iss": ISSUER, "sub": user or "", "aud": self.audience,
                             "exp": now + 300, "nbf": now - 10, "iat": now,
                             "jti": secrets.token_hex(8), "access": access})
        self.issued.append(token)
        self._send(request, 200, {"token": token, "expires_in": 300})

    @staticmethod
    def _user(header: str | None) -> str | None:
        """The token user if the right Basic credentials came, "" if wrong ones, else None."""
        if not header:
            return None
        scheme, _, value = header.partition(" ")
        try:
            pair = base64.b64decode(value).decode()
        except ValueError:
            return ""
        return TOKEN_USER if scheme == "Basic" and pair == f"{TOKEN_USER}:{TOKEN_PASSWORD}" else ""

    def _token(self, claims: dict[str, object]) -> str:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

        def part(value: object) -> str:
            raw = json.dumps(value, separators=(",", ":")).encode()
            return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

        signing_input = f"{part({'typ': 'JWT', 'alg': 'ES256', 'x5c': self._x5c})}.{part(claims)}"
        der = self._key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)
        signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
        return f"{signing_input}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"

    @staticmethod
    def _send(request: BaseHTTPRequestHandler, status: int, document: object) -> None:
        body = json.dumps(document).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)


# --- starting registries --------------------------------------------------------------

def _start(binary: Path, name: str, folder: Path, storage: Path, *,
           tls: tuple[Path, Path] | None = None, auth: dict[str, object] | None = None,
           ca_file: Path | None = None) -> RegistryServer:
    """A registry on 127.0.0.1 on a port the kernel picks (read back from its log)."""
    folder.mkdir(parents=True, exist_ok=True)
    http_section: dict[str, object] = {"addr": "127.0.0.1:0", "secret": secrets.token_hex(16)}
    if tls:
        http_section["tls"] = {"certificate": str(tls[0]), "key": str(tls[1])}
    config: dict[str, object] = {
        "version": 0.1,
        "log": {"level": "info", "accesslog": {"disabled": False}},
        "storage": {"filesystem": {"rootdirectory": str(storage)}},
        "http": http_section,
    }
    if auth:
        config["auth"] = auth
    config_path = folder / "config.yml"
    config_path.write_text(json.dumps(config, indent=2))  # YAML is a superset of JSON
    access = open(folder / "access.log", "wb")  # noqa: SIM115 (the process keeps it)
    process = subprocess.Popen([str(binary), "serve", str(config_path)], stdout=access,
                               stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    access.close()
    address = _listening_address(process, folder / "registry.log")
    if address is None:
        process.kill()
        process.wait(timeout=10)
        log = (folder / "registry.log").read_text(errors="replace").strip().splitlines()
        raise RuntimeError(f"registry {name} did not start: " + " | ".join(log[-3:]))
    return RegistryServer(name, address, tls is not None, folder, process, ca_file)


def _listening_address(process: subprocess.Popen[bytes], log: Path) -> str | None:
    """Copy the registry's own log to ``log`` (on a thread, for its whole life) and
    give the address of its "listening on" line once written, or None if it exits."""
    found: list[str] = []
    ready = threading.Event()

    def copy() -> None:
        assert process.stderr is not None
        with open(log, "wb") as out:
            for line in process.stderr:
                out.write(line)
                out.flush()
                match = _LISTENING.search(line.decode(errors="replace"))
                if match and not found:
                    found.append(match.group(1))
                    ready.set()
        ready.set()

    threading.Thread(target=copy, daemon=True).start()
    ready.wait(START_SECONDS)
    return found[0] if found else None


def _stop(server: RegistryServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait(timeout=10)


def _htpasswd(path: Path) -> Path:
    import bcrypt

    hashed = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=5)).decode()
    path.write_text(f"{USER}:{hashed}\n")
    return path


@contextmanager
def running(folder: Path) -> Iterator[Registries]:
    """The three registries, content pushed, until the block ends."""
    binary = fetch(PACKAGE)[PACKAGE] / BINARY
    if not binary.is_file():
        raise FetchError(f"Debian's {PACKAGE} has no {BINARY}")
    import trustme

    ca = trustme.CA()
    ca_file = folder / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    leaf = ca.issue_cert("127.0.0.1", "localhost")
    cert, key = folder / "registry.crt", folder / "registry.key"
    for index, blob in enumerate(leaf.cert_chain_pems):
        blob.write_to_path(str(cert), append=index > 0)
    leaf.private_key_pem.write_to_path(str(key))

    with ExitStack() as stack:
        token_server = TokenServer(ca)
        stack.callback(token_server.close)
        started: list[RegistryServer] = []
        stack.callback(lambda: [_stop(server) for server in started])
        secure = _start(binary, "secure", folder / "secure", folder / "secure-storage",
                        tls=(cert, key), ca_file=ca_file,
                        auth={"htpasswd": {"realm": "pauselint-test",
                                           "path": str(_htpasswd(folder / "htpasswd"))}})
        started.append(secure)
        mirror = _start(binary, "mirror", folder / "mirror", folder / "mirror-storage")
        started.append(mirror)
        token = _start(binary, "token", folder / "token", folder / "mirror-storage",
                       tls=(cert, key), ca_file=ca_file,
                       auth={"token": {"realm": token_server.realm, "service": SERVICE,
                                       "issuer": ISSUER, "rootcertbundle": str(ca_file)}})
        started.append(token)
        context = ssl.create_default_context(cafile=str(ca_file))
        _fill_mirror(Pusher(mirror, None, None))
        _fill_secure(Pusher(secure, context, (USER, PASSWORD)))
        token.pushed = {key: value for key, value in mirror.pushed.items()
                        if key[0] in ("pause", "private/pause")}
        yield Registries(secure, mirror, token, token_server, ca_file)
    shutil.rmtree(folder / "secure-storage", ignore_errors=True)
    shutil.rmtree(folder / "mirror-storage", ignore_errors=True)


# --- pushing --------------------------------------------------------------------------

class Pusher:
    """Blob uploads (POST, then a monolithic PUT) and manifest PUTs to one registry."""

    def __init__(self, server: RegistryServer, context: ssl.SSLContext | None,
                 credentials: tuple[str, str] | None) -> None:
        self.server = server
        self.context = context
        self.headers = {"User-Agent": SETUP_AGENT}
        if credentials:
            pair = f"{credentials[0]}:{credentials[1]}".encode()
            self.headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()

    def _send(self, method: str, target: str, body: bytes = b"",
              headers: dict[str, str] | None = None) -> http.client.HTTPResponse:
        host, _, port = self.server.host.rpartition(":")
        connection = (http.client.HTTPSConnection(host, int(port), timeout=30,
                                                  context=self.context)
                      if self.server.tls else http.client.HTTPConnection(host, int(port),
                                                                         timeout=30))
        connection.request(method, target, body=body,
                           headers={**self.headers, **(headers or {}),
                                    "Content-Length": str(len(body))})
        answer = connection.getresponse()
        answer.read()
        connection.close()
        return answer

    def blob(self, name: str, data: bytes, media_type: str) -> dict[str, object]:
        """Upload ``data``; its descriptor."""
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        started = self._send("POST", f"/v2/{name}/blobs/uploads/")
        assert started.status == 202, f"blob upload to {self.server.name}: {started.status}"
        location = urlsplit(started.headers["Location"])
        target = f"{location.path}?{location.query}&digest={digest}"
        done = self._send("PUT", target, data, {"Content-Type": "application/octet-stream"})
        assert done.status == 201, f"blob PUT to {self.server.name}: {done.status}"
        return {"mediaType": media_type, "digest": digest, "size": len(data)}

    def manifest(self, name: str, tag: str | None, document: dict[str, object],
                 platforms: tuple[Platform, ...]) -> dict[str, object]:
        """PUT ``document`` as ``name:tag`` (by its digest with no tag); its descriptor
        (the digest the registry answered, checked against the bytes' own)."""
        body = json.dumps(document, indent=3).encode()
        media_type = str(document["mediaType"])
        digest = "sha256:" + hashlib.sha256(body).hexdigest()
        tag = tag or digest
        done = self._send("PUT", f"/v2/{name}/manifests/{tag}", body,
                          {"Content-Type": media_type})
        assert done.status == 201, f"manifest PUT {name}:{tag} to {self.server.name}: " \
            f"{done.status}"
        assert done.headers["Docker-Content-Digest"] == digest
        self.server.pushed[(name, tag)] = Pushed(name, tag, digest, media_type, platforms)
        return {"mediaType": media_type, "digest": digest, "size": len(body)}

    def image(self, name: str, tag: str | None, platform: Platform, *, docker: bool = False,
              marker: str = "") -> dict[str, object]:
        """A one-layer image for ``platform`` as ``name:tag`` (OCI, or Docker v2); with
        no tag, pushed by its digest (an index's entries, which no tag list shows)."""
        files = io.BytesIO()
        with tarfile.open(fileobj=files, mode="w") as tar:
            content = f"pause for {platform} {marker}\n".encode()
            entry = tarfile.TarInfo("pause")
            entry.size, entry.mode, entry.mtime = len(content), 0o755, 0
            tar.addfile(entry, io.BytesIO(content))
        layer_tar = files.getvalue()
        layer = gzip.compress(layer_tar, mtime=0)
        config: dict[str, object] = {
            "architecture": platform.architecture, "os": platform.os,
            "config": {"Entrypoint": ["/pause"]},
            "rootfs": {"type": "layers",
                       "diff_ids": ["sha256:" + hashlib.sha256(layer_tar).hexdigest()]},
        }
        if platform.variant:
            config["variant"] = platform.variant
        if platform.os_version:
            config["os.version"] = platform.os_version
        config_bytes = json.dumps(config, sort_keys=True).encode()
        document = {
            "schemaVersion": 2,
            "mediaType": DOCKER_MANIFEST if docker else OCI_MANIFEST,
            "config": self.blob(name, config_bytes, DOCKER_CONFIG if docker else OCI_CONFIG),
            "layers": [self.blob(name, layer, DOCKER_LAYER if docker else OCI_LAYER)],
        }
        return self.manifest(name, tag, document, (platform,))

    def index(self, name: str, tag: str, platforms: tuple[Platform, ...], *,
              docker: bool = False, marker: str = "",
              attested: bool = False) -> dict[str, object]:
        """Each platform's image pushed by digest, then an index (or Docker manifest list)
        of them as ``name:tag``; ``attested`` adds, for each, the provenance manifest
        BuildKit lists beside it (platform ``unknown/unknown``), which serves no platform."""
        entries = []
        for platform in platforms:
            child = self.image(name, None, platform, docker=docker, marker=marker)
            listed = {key: value for key, value in (
                ("os", platform.os), ("architecture", platform.architecture),
                ("variant", platform.variant), ("os.version", platform.os_version)) if value}
            entries.append({**child, "platform": listed})
            if attested:
                entries.append(self.attestation(name, str(child["digest"])))
        document = {"schemaVersion": 2, "mediaType": DOCKER_LIST if docker else OCI_INDEX,
                    "manifests": entries}
        return self.manifest(name, tag, document, platforms)

    def attestation(self, name: str, subject: str) -> dict[str, object]:
        """An in-toto provenance manifest for image ``subject``, as BuildKit makes it,
        pushed by digest; its index entry."""
        statement = json.dumps({"_type": "https://in-toto.io/Statement/v0.1",
                                "predicateType": "https://slsa.dev/provenance/v0.2",
                                "subject": [{"digest": {"sha256": subject[7:]}}],
                                "predicate": {}}).encode()
        config = json.dumps({"architecture": "unknown", "os": "unknown", "config": {},
                             "rootfs": {"type": "layers", "diff_ids": [
                                 "sha256:" + hashlib.sha256(statement).hexdigest()]}}).encode()
        layer = self.blob(name, statement, "application/vnd.in-toto+json")
        layer["annotations"] = {"in-toto.io/predicate-type": "https://slsa.dev/provenance/v0.2"}
        document = {"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                    "config": self.blob(name, config, OCI_CONFIG), "layers": [layer]}
        entry = self.manifest(name, None, document, ())
        return {**entry, "platform": {"architecture": "unknown", "os": "unknown"},
                "annotations": {"vnd.docker.reference.type": "attestation-manifest",
                                "vnd.docker.reference.digest": subject}}


AMD64 = Platform("linux", "amd64")
ARM64 = Platform("linux", "arm64", "v8")
ARM = Platform("linux", "arm", "v7")
WINDOWS = Platform("windows", "amd64", None, "10.0.20348.2227")
PAGED_TAGS = tuple(f"1.{n}" for n in range(12))


def _fill_mirror(push: Pusher) -> None:
    push.image("pause", "3.9", AMD64, marker="mirror")
    push.image("pause", "3.9-linuxarm64", ARM64, docker=True, marker="mirror")
    push.index("pause", "3.10", (AMD64, ARM64, WINDOWS))
    push.index("pause", "3.8", (AMD64, ARM64, ARM), docker=True)
    push.index("private/pause", "3.10", (AMD64, ARM64, WINDOWS))
    push.index("buildx/pause", "3.10", (AMD64, ARM64), attested=True)
    for tag in PAGED_TAGS:
        push.image("paged/pause", tag, AMD64, marker="paged")


def _fill_secure(push: Pusher) -> None:
    push.index("pause", "3.9", (AMD64, ARM64), marker="upstream")
    push.index("pause", "3.10", (AMD64, ARM64, WINDOWS))
