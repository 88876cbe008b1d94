"""The read-only registry client against real registries (tests/realparts/registry.py):
Debian's distribution 2.8 with TLS and htpasswd, without auth, and with the token flow.

Expected values come from what the session fixture pushed (digests are the sha256 of
the bytes it sent, which the registry confirmed), never from the client itself.
"""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from pauselint.online.deadline import Deadline
from pauselint.online.distribution import USER_AGENT, RegistryClient
from pauselint.online.hosts import Credentials, HostSettings
from pauselint.online.results import (
    Failure,
    FailureKind,
    Manifest,
    RemotePlatform,
    Tags,
)
from realparts.registry import (
    PAGED_TAGS,
    PASSWORD,
    SERVICE,
    SETUP_AGENT,
    TOKEN_PASSWORD,
    TOKEN_USER,
    USER,
    Platform,
    Registries,
    RegistryServer,
)

SLOW_TIMEOUT = 0.3


def settings(server: RegistryServer, *, ca: bool = True,
             credentials: Credentials | None = None) -> HostSettings:
    """How a caller that read the node's hosts.toml would describe ``server``."""
    if not server.tls:
        return HostSettings(plain_http=True, credentials=credentials)
    return HostSettings(ca_file=server.ca_file if ca else None, credentials=credentials)


def client_for(registries: Registries) -> RegistryClient:
    """A client that knows all three registries, with the right credentials."""
    hosts = {
        registries.secure.host: settings(registries.secure,
                                         credentials=Credentials(USER, PASSWORD)),
        registries.mirror.host: settings(registries.mirror),
        registries.token.host: settings(registries.token),
    }
    return RegistryClient(hosts)


def as_pushed(platforms: tuple[RemotePlatform, ...]) -> tuple[Platform, ...]:
    return tuple(Platform(p.os, p.architecture, p.variant, p.os_version) for p in platforms)


def pauselint_requests(server: RegistryServer, since: int = 0) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in server.requests(since, agent_prefix="pauselint/")]


# --- tags that exist, and tags that do not ------------------------------------------

@pytest.mark.parametrize(("which", "tag"), [
    ("mirror", "3.9"),             # OCI manifest, linux/amd64 only (platform from its config)
    ("mirror", "3.9-linuxarm64"),  # Docker v2 manifest, linux/arm64/v8
    ("mirror", "3.10"),            # OCI index with windows/amd64 and its os.version
    ("mirror", "3.8"),             # Docker manifest list with linux/arm/v7
    ("secure", "3.9"),             # the upstream-like index, behind TLS and htpasswd
    ("token", "3.10"),             # behind the token flow
])
def test_a_tag_that_exists_answers_what_was_pushed(registries: Registries, which: str,
                                                   tag: str) -> None:
    server: RegistryServer = getattr(registries, which)
    pushed = server.pushed[("pause", tag)]

    answer = client_for(registries).manifest(server.host, "pause", tag)

    assert isinstance(answer, Manifest), answer
    assert (answer.digest, answer.media_type) == (pushed.digest, pushed.media_type)
    assert as_pushed(answer.platforms) == pushed.platforms
    assert answer.is_index == (len(pushed.platforms) > 1)


def test_attestation_entries_of_an_index_are_not_platforms(registries: Registries) -> None:
    mirror = registries.mirror
    pushed = mirror.pushed[("buildx/pause", "3.10")]

    answer = client_for(registries).manifest(mirror.host, "buildx/pause", "3.10")

    assert isinstance(answer, Manifest)
    assert answer.digest == pushed.digest
    assert as_pushed(answer.platforms) == pushed.platforms == (
        Platform("linux", "amd64"), Platform("linux", "arm64", "v8"))


def test_a_single_manifest_is_asked_by_head_then_its_body_then_its_config_blob(
        registries: Registries) -> None:
    mirror = registries.mirror
    mark = mirror.log_mark()

    answer = client_for(registries).manifest(mirror.host, "pause", "3.9-linuxarm64")

    assert isinstance(answer, Manifest)
    logged = pauselint_requests(mirror, mark)
    assert [method for method, _ in logged] == ["HEAD", "GET", "GET"]
    assert logged[0][1] == "/v2/pause/manifests/3.9-linuxarm64"
    assert logged[1][1] == f"/v2/pause/manifests/{answer.digest}"
    assert logged[2][1].startswith("/v2/pause/blobs/sha256:")


@pytest.mark.parametrize("which", ["mirror", "secure", "token"])
def test_a_missing_tag_is_not_found_naming_the_host(registries: Registries,
                                                    which: str) -> None:
    server: RegistryServer = getattr(registries, which)

    answer = client_for(registries).manifest(server.host, "pause", "3.11")

    assert answer == Failure(FailureKind.NOT_FOUND, server.host,
                             f"{server.host} has no pause:3.11 (404)")


def test_a_digest_reference_is_answered_for_that_digest(registries: Registries) -> None:
    pushed = registries.mirror.pushed[("pause", "3.10")]

    answer = client_for(registries).manifest(registries.mirror.host, "pause", pushed.digest)

    assert isinstance(answer, Manifest)
    assert answer.digest == pushed.digest


def test_the_same_tag_on_two_registries_has_the_digest_each_was_given(
        registries: Registries) -> None:
    client = client_for(registries)
    secure, mirror = registries.secure, registries.mirror

    answers = client.manifests([(secure.host, "pause", "3.9"), (mirror.host, "pause", "3.9"),
                                (secure.host, "pause", "3.10"),
                                (mirror.host, "pause", "3.10")])

    digests = {key: answer.digest for key, answer in answers.items()
               if isinstance(answer, Manifest)}
    assert digests[(secure.host, "pause", "3.9")] == secure.pushed[("pause", "3.9")].digest
    assert digests[(mirror.host, "pause", "3.9")] == mirror.pushed[("pause", "3.9")].digest
    assert digests[(secure.host, "pause", "3.9")] != digests[(mirror.host, "pause", "3.9")]
    assert digests[(secure.host, "pause", "3.10")] == digests[(mirror.host, "pause", "3.10")]


# --- the tag list ---------------------------------------------------------------------

def test_the_tag_list_holds_every_pushed_tag_and_no_digest(registries: Registries) -> None:
    mirror = registries.mirror
    pushed = {tag for name, tag in mirror.pushed if name == "pause"
              and not tag.startswith("sha256:")}

    answer = client_for(registries).tags(mirror.host, "pause")

    assert isinstance(answer, Tags)
    assert sorted(answer.tags) == sorted(pushed)


def test_a_page_size_is_sent_and_every_tag_comes_back(registries: Registries) -> None:
    """distribution 2.8 (Debian's) ignores ``n=`` on tags/list (paging came with v3):
    the client asks for pages of 5 and must still have all 12; Link paging itself is
    tested against a registry that pages, below."""
    mirror = registries.mirror
    mark = mirror.log_mark()

    answer = client_for(registries).tags(mirror.host, "paged/pause", page_size=5)

    assert isinstance(answer, Tags)
    assert sorted(answer.tags) == sorted(PAGED_TAGS)
    assert pauselint_requests(mirror, mark)[0] == ("GET", "/v2/paged/pause/tags/list?n=5")


def test_a_repository_that_is_not_there_has_no_tag_list(registries: Registries) -> None:
    mirror = registries.mirror

    answer = client_for(registries).tags(mirror.host, "google_containers/pause")

    assert answer == Failure(FailureKind.NOT_FOUND, mirror.host,
                             f"{mirror.host} has no repository google_containers/pause (404)")


# --- auth -----------------------------------------------------------------------------

def test_htpasswd_without_credentials_is_unauthorized_naming_the_host(
        registries: Registries) -> None:
    secure = registries.secure
    client = RegistryClient({secure.host: settings(secure)})

    answer = client.manifest(secure.host, "pause", "3.9")

    assert isinstance(answer, Failure)
    assert answer.kind is FailureKind.UNAUTHORIZED
    assert answer.reason == (f"{secure.host} needs credentials (Basic) and none are "
                             "configured for it: 401")


def test_htpasswd_with_wrong_credentials_is_unauthorized_without_saying_them(
        registries: Registries) -> None:
    secure = registries.secure
    wrong = Credentials(USER, "not-" + PASSWORD)
    client = RegistryClient({secure.host: settings(secure, credentials=wrong)})

    answer = client.manifest(secure.host, "pause", "3.9")

    assert isinstance(answer, Failure)
    assert answer.kind is FailureKind.UNAUTHORIZED
    assert secure.host in answer.reason
    assert PASSWORD not in answer.reason and PASSWORD not in repr(answer)


def test_htpasswd_credentials_are_sent_after_the_first_challenge_only(
        registries: Registries) -> None:
    secure = registries.secure
    mark = secure.log_mark()

    answer = client_for(registries).manifest(secure.host, "pause", "3.10")

    assert isinstance(answer, Manifest)
    statuses = [r.status for r in secure.requests(mark, agent_prefix="pauselint/")]
    # One anonymous HEAD challenged; then HEAD, GET of the index, all with credentials.
    assert statuses == [401, 200, 200]


def test_an_authorization_header_from_hosts_toml_is_sent_without_a_challenge(
        registries: Registries) -> None:
    secure = registries.secure
    basic = Credentials(USER, PASSWORD).basic_header()
    hosts_toml = HostSettings(ca_file=registries.ca_file, headers=(("Authorization", basic),))
    mark = secure.log_mark()

    answer = RegistryClient({secure.host: hosts_toml}).manifest(secure.host, "pause", "3.10")

    assert isinstance(answer, Manifest)
    assert [r.status for r in secure.requests(mark, agent_prefix="pauselint/")] == [200, 200]
    assert basic not in repr(hosts_toml) and basic not in repr(answer)


def test_the_token_flow_gets_an_anonymous_pull_token(registries: Registries) -> None:
    token = registries.token
    asked = len(registries.token_server.asked)

    answer = client_for(registries).manifest(token.host, "pause", "3.9")

    assert isinstance(answer, Manifest)
    assert answer.digest == token.pushed[("pause", "3.9")].digest
    assert registries.token_server.asked[asked:] == [(("repository:pause:pull",), None)]


def test_the_token_flow_without_credentials_cannot_read_a_private_repository(
        registries: Registries) -> None:
    token = registries.token

    answer = client_for(registries).manifest(token.host, "private/pause", "3.10")

    assert answer == Failure(FailureKind.UNAUTHORIZED, token.host,
                             f"{token.host} needs credentials and none are configured for "
                             "it: 401 for private/pause")


def test_the_token_flow_with_credentials_reads_a_private_repository(
        registries: Registries) -> None:
    token = registries.token
    asked = len(registries.token_server.asked)
    client = RegistryClient({token.host: settings(
        token, credentials=Credentials(TOKEN_USER, TOKEN_PASSWORD))})

    answer = client.manifest(token.host, "private/pause", "3.10")

    assert isinstance(answer, Manifest)
    assert answer.digest == token.pushed[("private/pause", "3.10")].digest
    # One token for the HEAD; the GET and later questions reuse it.
    assert registries.token_server.asked[asked:] == [
        (("repository:private/pause:pull",), TOKEN_USER)]


def test_the_token_server_refusing_credentials_is_unauthorized_naming_the_registry(
        registries: Registries) -> None:
    token = registries.token
    client = RegistryClient({token.host: settings(
        token, credentials=Credentials(TOKEN_USER, "wrong-" + TOKEN_PASSWORD))})

    answer = client.manifest(token.host, "pause", "3.10")

    assert isinstance(answer, Failure)
    assert answer.kind is FailureKind.UNAUTHORIZED
    assert answer.reason.startswith(f"{token.host}: its token server 127.0.0.1:")
    assert answer.reason.endswith("refused the credentials configured for it (401)")


def test_a_token_the_registry_does_not_accept_is_unauthorized_naming_both(
        registries: Registries) -> None:
    token, token_server = registries.token, registries.token_server
    realm_host = urlsplit(token_server.realm).netloc
    token_server.audience = "another-registry"  # distribution checks the token's aud
    try:
        answer = RegistryClient({token.host: settings(token)}).manifest(token.host, "pause",
                                                                         "3.9")
    finally:
        token_server.audience = SERVICE

    assert answer == Failure(FailureKind.UNAUTHORIZED, token.host,
                             f"{token.host} refused the token its token server {realm_host} "
                             "gave: 401 for pause")


# --- TLS ------------------------------------------------------------------------------

def test_tls_without_the_ca_fails_with_the_ssl_reason(registries: Registries) -> None:
    secure = registries.secure
    client = RegistryClient({secure.host: settings(
        secure, ca=False, credentials=Credentials(USER, PASSWORD))})

    answer = client.manifest(secure.host, "pause", "3.9")

    assert isinstance(answer, Failure)
    assert answer.kind is FailureKind.TLS
    assert answer.reason == (f"{secure.host}: TLS certificate not trusted: "
                             "unable to get local issuer certificate")


def test_tls_with_skip_verify_reaches_the_registry(registries: Registries) -> None:
    secure = registries.secure
    client = RegistryClient({secure.host: HostSettings(
        skip_verify=True, credentials=Credentials(USER, PASSWORD))})

    answer = client.manifest(secure.host, "pause", "3.10")

    assert isinstance(answer, Manifest)


def test_a_missing_ca_file_is_a_tls_failure_naming_it(registries: Registries,
                                                      tmp_path: Path) -> None:
    secure = registries.secure
    missing = tmp_path / "no-such-ca.pem"
    client = RegistryClient({secure.host: HostSettings(ca_file=missing)})

    answer = client.manifest(secure.host, "pause", "3.9")

    assert answer == Failure(FailureKind.TLS, secure.host,
                             f"{secure.host}: cannot read the CA file {missing}: "
                             "No such file or directory")


# --- hosts that do not answer ---------------------------------------------------------

def test_connection_refused_names_the_host(closed_port: int) -> None:
    host = f"127.0.0.1:{closed_port}"

    answer = RegistryClient().manifest(host, "pause", "3.9")

    assert answer == Failure(FailureKind.REFUSED, host, f"{host}: connection refused")


def test_a_name_that_does_not_resolve_is_a_dns_failure() -> None:
    host = "registry.pauselint.invalid"  # .invalid never resolves (RFC 6761)

    answer = RegistryClient().manifest(host, "pause", "3.9")

    assert isinstance(answer, Failure)
    assert answer.kind is FailureKind.DNS
    assert answer.reason.startswith(f"{host}: the name does not resolve (")


@pytest.fixture
def hung_resolver(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A name whose lookup never answers (a resolver that is down), until the test ends."""
    name = "hung-resolver.pauselint.invalid"
    release = threading.Event()
    real = socket.getaddrinfo

    def lookup(host: str, *args: object, **kwargs: object) -> object:
        if host == name:
            release.wait()
            raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
        return real(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", lookup)
    yield name
    release.set()


def test_a_resolver_that_does_not_answer_is_bounded_by_the_timeout(hung_resolver: str) -> None:
    client = RegistryClient(timeout=SLOW_TIMEOUT)
    started = time.monotonic()

    answer = client.manifest(hung_resolver, "pause", "3.9")

    elapsed = time.monotonic() - started
    assert answer == Failure(FailureKind.DNS, hung_resolver,
                             f"{hung_resolver}: the name did not resolve within "
                             f"{SLOW_TIMEOUT} s (the resolver did not answer)")
    assert SLOW_TIMEOUT <= elapsed < SLOW_TIMEOUT + 1.5


@pytest.mark.parametrize("plain_http", [True, False], ids=["http", "https"])
def test_a_silent_server_is_a_timeout_bounded_by_the_request_timeout(
        silent_host: str, plain_http: bool) -> None:
    client = RegistryClient({silent_host: HostSettings(plain_http=plain_http)},
                            timeout=SLOW_TIMEOUT)
    started = time.monotonic()

    answer = client.manifest(silent_host, "pause", "3.9")

    elapsed = time.monotonic() - started
    assert answer == Failure(FailureKind.TIMEOUT, silent_host,
                             f"{silent_host}: no answer within {SLOW_TIMEOUT} s")
    assert SLOW_TIMEOUT <= elapsed < SLOW_TIMEOUT + 1.5


def test_the_run_deadline_bounds_many_silent_questions(silent_host: str) -> None:
    client = RegistryClient({silent_host: HostSettings(plain_http=True)}, timeout=30,
                            deadline=Deadline(SLOW_TIMEOUT), workers=4)
    refs = [(silent_host, "pause", tag) for tag in ("3.1", "3.2", "3.5", "3.6", "3.7", "3.8")]
    started = time.monotonic()

    answers = client.manifests(refs)

    elapsed = time.monotonic() - started
    failures = [answer for answer in answers.values() if isinstance(answer, Failure)]
    assert len(failures) == len(refs)
    assert {failure.kind for failure in failures} == {FailureKind.TIMEOUT}
    # Four asked at once and timed out at the deadline; the last two were never sent.
    not_asked = (f"{silent_host}: not asked, the online deadline of {SLOW_TIMEOUT:g} s "
                 "has passed")
    assert [failure.reason for failure in failures].count(not_asked) == 2
    assert elapsed < SLOW_TIMEOUT + 1.5


# --- once per run, concurrently -------------------------------------------------------

def test_each_reference_is_asked_once_per_run(registries: Registries) -> None:
    mirror = registries.mirror
    client = client_for(registries)
    mark = mirror.log_mark()

    with ThreadPoolExecutor(max_workers=6) as pool:
        first = list(pool.map(lambda _: client.manifest(mirror.host, "pause", "3.8"),
                              range(12)))
    again = client.manifests([(mirror.host, "pause", "3.8")] * 3)

    assert len({id(answer) for answer in [*first, *again.values()]}) == 1
    logged = pauselint_requests(mirror, mark)
    assert [method for method, _ in logged] == ["HEAD", "GET"]


# --- read-only, and secrets unseen ----------------------------------------------------

def test_pauselint_sends_only_get_and_head(registries: Registries) -> None:
    """Every question of this module's kinds, asked again on a fresh client, then the
    registries' access logs read whole: pauselint's requests are GET and HEAD only,
    while the same logs do hold the fixture's pushes (the check can fail)."""
    client = client_for(registries)
    for server in (registries.secure, registries.mirror, registries.token):
        client.manifests([(server.host, "pause", tag) for tag in ("3.9", "3.10", "3.11")])
        client.tags(server.host, "pause")
    RegistryClient({registries.token.host: settings(
        registries.token, credentials=Credentials(TOKEN_USER, TOKEN_PASSWORD))}).manifest(
            registries.token.host, "private/pause", "3.10")

    methods = {server.name: {r.method for r in server.requests(agent_prefix=USER_AGENT)}
               for server in (registries.secure, registries.mirror, registries.token)}
    pushes = {r.method for r in registries.mirror.requests(agent_prefix=SETUP_AGENT)}
    assert methods == {"secure": {"GET", "HEAD"}, "mirror": {"GET", "HEAD"},
                       "token": {"GET", "HEAD"}}
    assert {"POST", "PUT"} <= pushes
    assert {method for method, _ in registries.token_server.requests} == {"GET"}


def test_no_text_of_any_object_shows_a_password_or_token(registries: Registries) -> None:
    secure, token = registries.secure, registries.token
    basic = Credentials(USER, PASSWORD)
    bearer = Credentials(TOKEN_USER, TOKEN_PASSWORD)
    client = RegistryClient({secure.host: settings(secure, credentials=basic),
                             token.host: settings(token, credentials=bearer)})
    issued = len(registries.token_server.issued)
    answers = [client.manifest(secure.host, "pause", "3.9"),
               client.manifest(token.host, "private/pause", "3.10"),
               client.tags(token.host, "private/pause"),
               RegistryClient({secure.host: settings(secure, credentials=Credentials(
                   USER, "x" + PASSWORD))}).manifest(secure.host, "pause", "3.9"),
               RegistryClient({token.host: settings(token, credentials=Credentials(
                   TOKEN_USER, "x" + TOKEN_PASSWORD))}).manifest(token.host, "pause", "3.9")]
    tokens = registries.token_server.issued[issued:]
    texts = [repr(basic), str(basic), repr(bearer), repr(settings(secure, credentials=basic)),
             repr(client), *(repr(a) for a in answers), *(str(a) for a in answers)]
    secrets = [PASSWORD, TOKEN_PASSWORD, *tokens,
               base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode(),
               base64.b64encode(f"{TOKEN_USER}:{TOKEN_PASSWORD}".encode()).decode()]

    assert len(tokens) == 1 and [type(a) for a in answers[:3]] == [Manifest, Manifest, Tags]
    assert [s for s in secrets for text in texts if s in text] == []


# --- Link paging, on a registry that pages --------------------------------------------

class PagingRegistry:
    """A stdlib server answering only ``/v2/<name>/tags/list`` with distribution v3's
    paging (``n``, ``last`` and ``Link: <...>; rel="next"``), for the client's Link
    following: Debian's distribution 2.8 does not page tag lists."""

    def __init__(self, name: str, tags: list[str]) -> None:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        from urllib.parse import parse_qs, urlsplit

        self.asked: list[str] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.asked.append(self.path)
                url = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path != f"/v2/{name}/tags/list":
                    self.send_error(404)
                    return
                n = int(query.get("n", len(tags)))
                after = [t for t in tags if t > query["last"]] if "last" in query else tags
                page = after[:n]
                body = json.dumps({"name": name, "tags": page}).encode()
                self.send_response(200)
                if len(after) > n:
                    self.send_header("Link", f'</v2/{name}/tags/list?last={page[-1]}&n={n}>; '
                                     'rel="next"')
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                """Quiet: :attr:`asked` is the record."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.host = f"127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_the_tag_list_follows_link_pages_to_the_end() -> None:
    tags = sorted(f"3.{n}" for n in range(12))
    registry = PagingRegistry("pause", tags)
    try:
        client = RegistryClient({registry.host: HostSettings(plain_http=True)})

        answer = client.tags(registry.host, "pause", page_size=5)
    finally:
        registry.close()

    assert answer == Tags(registry.host, "pause", tuple(tags), 3)
    assert registry.asked == ["/v2/pause/tags/list?n=5",
                              f"/v2/pause/tags/list?last={tags[4]}&n=5",
                              f"/v2/pause/tags/list?last={tags[9]}&n=5"]
