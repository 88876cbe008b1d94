"""A local HTTPS OpenID Connect issuer that records every request, for credential tests.

The `kubernetes` client's OIDC auth-provider, given an expired id-token, fetches
`/.well-known/openid-configuration` and POSTs the refresh token to the
`token_endpoint` it names. This issuer answers both as a real one would (the
token endpoint hands out a fresh id-token and a rotated refresh token), so a
client that refreshes *succeeds* here: "the issuer saw zero requests" then
proves pauselint never tried, not that the attempt failed.
"""

from __future__ import annotations

import base64
import json
import ssl
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import trustme


@dataclass(frozen=True)
class IssuerRequest:
    method: str
    path: str
    body: bytes


def id_token(*, expires_in: float, subject: str = "oidc-user") -> str:
    """An unsigned JWT (header.payload.signature) whose `exp` is `expires_in` from now."""

    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    claims = {"iss": "pauselint-test", "sub": subject, "exp": int(time.time() + expires_in)}
    return f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part(claims)}.c2lnbmF0dXJl"


class OIDCIssuer:
    """`start()` it, read `requests`, `close()` it; `ca_path` is its trustme CA."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        ca = trustme.CA(organization_name="pauselint test IdP CA")
        self.ca_path = directory / "idp-ca.crt"
        ca.cert_pem.write_to_path(str(self.ca_path))
        self._ssl = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1", "localhost").configure_cert(self._ssl)
        self.requests: list[IssuerRequest] = []
        self.fresh_token = id_token(expires_in=3600, subject="refreshed")
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self._server is not None, "OIDCIssuer not started"
        return f"https://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> OIDCIssuer:
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet."""

            def answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with issuer._lock:
                    issuer.requests.append(IssuerRequest(self.command, self.path, body))
                if self.path.endswith("/.well-known/openid-configuration"):
                    document = {"issuer": issuer.url, "token_endpoint": f"{issuer.url}/token"}
                elif self.path == "/token":
                    document = {"id_token": issuer.fresh_token, "access_token": "at",
                                "refresh_token": "rotated-refresh-token",
                                "token_type": "Bearer", "expires_in": 3600}
                else:
                    document = {}
                data = json.dumps(document).encode()
                self.send_response(200 if document else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = answer

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        server.socket = self._ssl.wrap_socket(server.socket, server_side=True)
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.01}, name="oidc-issuer"
        )
        self._thread.start()
        return self

    def close(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._server = None
