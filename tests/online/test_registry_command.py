"""`pauselint registry REPOSITORY` run as users run it (the real CLI, in process or as
a subprocess) against the real registries of tests/realparts/registry.py.

Expected digests and platforms are what the session fixture pushed (the sha256 of the
bytes it sent, confirmed by the registry); upstream's come from the compat table the
command reads, never from the command's own output.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import os
import pty
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner, Result

from pauselint.cli import main
from pauselint.compat import load_table
from pauselint.imageref import parse_image
from pauselint.online import distribution
from pauselint.online.results import Manifest, RemotePlatform
from pauselint.report import registry_report
from realparts.registry import (
    DOCKER_LIST,
    OCI_INDEX,
    PASSWORD,
    USER,
    Platform,
    Pushed,
    Registries,
    RegistryServer,
)

REPO = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((REPO / "tests" / "schemas" / "registry.schema.json").read_text())
SLOW_TIMEOUT = 0.3
TABLE = load_table()


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    """``pauselint registry --no-config ARGS`` in process, stderr kept apart; HOME is
    an empty folder unless ``env`` says otherwise, so no real auth file is read."""
    return CliRunner().invoke(main, ["registry", "--no-config", *args],
                              env={"REGISTRY_AUTH_FILE": "", "DOCKER_CONFIG": "", **(env or {})})


@pytest.fixture(autouse=True)
def empty_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    return home


def listed(result: Result) -> dict:
    """The JSON document, checked against the schema."""
    document = json.loads(result.stdout)
    jsonschema.validate(document, SCHEMA)
    return document


def pushed_tags(server: RegistryServer, name: str = "pause") -> dict[str, Pushed]:
    """What the fixture pushed by tag (index entries pushed by digest are no tags)."""
    return {tag: p for (repo, tag), p in server.pushed.items()
            if repo == name and not tag.startswith("sha256:")}


def as_pushed(platforms: list[dict]) -> tuple[Platform, ...]:
    return tuple(Platform(p["os"], p["architecture"], p["variant"], p["os_version"])
                 for p in platforms)


def auth_file(folder: Path, host: str, user: str = USER, password: str = PASSWORD) -> Path:
    """A Docker/containers auth file giving ``host`` these credentials."""
    pair = base64.b64encode(f"{user}:{password}".encode()).decode()
    path = folder / "auth.json"
    path.write_text(json.dumps({"auths": {host: {"auth": pair}}}))
    return path


def upstream_platforms(tag: str) -> list[str]:
    """Every platform the table says upstream's ``tag`` has, as the command names them."""
    facts = TABLE.pause_tag(tag)
    assert facts is not None
    return [*(f"linux/{arch}" for arch in facts.linux),
            *(f"windows/amd64:{TABLE.windows_version(w)}" for w in facts.windows)]


def named(platform: Platform) -> str:
    if platform.os == "windows":
        assert platform.os_version is not None
        return f"windows/{platform.architecture}:" \
            f"{TABLE.windows_version_for_build(platform.os_version)}"
    return f"{platform.os}/{platform.architecture}"


# --- what a registry carries ----------------------------------------------------------

def test_the_listing_is_what_was_pushed(registries: Registries) -> None:
    mirror = registries.mirror

    result = run("--plain-http", "-o", "json", f"{mirror.host}/pause")

    assert result.exit_code == 0, result.stderr
    document = listed(result)
    pushed = pushed_tags(mirror)
    assert [row["tag"] for row in document["tags"]] == ["3.8", "3.9", "3.9-linuxarm64", "3.10"]
    assert set(pushed) == {row["tag"] for row in document["tags"]}
    for row in document["tags"]:
        expected = pushed[row["tag"]]
        assert (row["digest"], row["media_type"], as_pushed(row["platforms"])) == (
            expected.digest, expected.media_type, expected.platforms), row["tag"]
        assert row["is_index"] is (expected.media_type in (OCI_INDEX, DOCKER_LIST))
        assert row["failure"] is None
    assert (document["repository"], document["host"], document["name"]) == (
        f"{mirror.host}/pause", mirror.host, "pause")
    assert (document["tags_listed"], document["pages"], document["failure"]) == (4, 1, None)


def test_what_upstream_has_and_the_mirror_lacks_comes_from_the_table(
        registries: Registries) -> None:
    mirror = registries.mirror

    rows = {row["tag"]: row for row in listed(
        run("--plain-http", "-o", "json", f"{mirror.host}/pause"))["tags"]}

    pushed = pushed_tags(mirror)
    for tag in ("3.8", "3.9", "3.10"):
        have = {named(p) for p in pushed[tag].platforms}
        assert rows[tag]["lacks"] == [p for p in upstream_platforms(tag) if p not in have], tag
        assert rows[tag]["upstream_tag"] == tag
        assert rows[tag]["upstream_digest"] == TABLE.pause_tag(tag).digest
    # The amd64-only 3.9 lacks arm64; its per-platform tag is arm64 and lacks nothing.
    assert "linux/arm64" in rows["3.9"]["lacks"]
    assert "linux/amd64" not in rows["3.9"]["lacks"]
    assert (rows["3.9-linuxarm64"]["upstream_tag"], rows["3.9-linuxarm64"]["lacks"],
            rows["3.9-linuxarm64"]["upstream_digest"]) == ("3.9", [], None)


def test_a_repository_the_table_does_not_describe_is_not_compared(
        registries: Registries) -> None:
    document = listed(run("--plain-http", "-o", "json", f"{registries.mirror.host}/pause"))

    assert document["upstream"]["copies_digests"] is False
    assert {row["digest_check"] for row in document["tags"]} == {"not-a-copy"}


def test_a_repository_an_overlay_calls_a_copy_has_its_digests_compared(
        registries: Registries, tmp_path: Path) -> None:
    mirror = registries.mirror
    overlay = tmp_path / "overlay.yaml"
    overlay.write_text(json.dumps({"repositories": [{
        "name": f"{mirror.host}/pause", "digests": "upstream", "tags": ["3.9", "3.10"],
        "source": "this test"}]}))
    config = tmp_path / ".pauselint.yaml"
    config.write_text(f"compat-overlay: {overlay.name}\n")

    result = CliRunner().invoke(main, ["registry", "--config", str(config), "--plain-http",
                                       "-o", "json", f"{mirror.host}/pause"])

    assert result.exit_code == 0, result.stderr
    rows = {row["tag"]: row for row in listed(result)["tags"]}
    # The fixture's images are its own: every copied tag differs from upstream's.
    assert rows["3.10"]["digest_check"] == "differs"
    assert rows["3.10"]["upstream_digest"] == TABLE.pause_tag("3.10").digest
    assert rows["3.10"]["digest"] == pushed_tags(mirror)["3.10"].digest
    assert rows["3.9-linuxarm64"]["digest_check"] == "no-upstream-digest"


def test_a_tag_with_upstreams_digest_on_a_copy_is_the_same() -> None:
    # No registry serves upstream's bytes here, so the comparison itself is fed a real
    # answer value carrying the table's digest for registry.k8s.io, which copies it.
    upstream = registry_report.upstream_facts(TABLE, parse_image("registry.k8s.io/pause"))
    digest = TABLE.pause_tag("3.10").digest
    answer = Manifest("registry.k8s.io", "pause", "3.10", distribution.OCI_INDEX, digest,
                      (RemotePlatform("linux", "amd64"),), True)
    other = dataclasses.replace(answer, digest="sha256:" + "0" * 64)

    assert upstream.copies_digests is True
    assert registry_report.tag_row(TABLE, upstream, "3.10", answer).digest_check == "same"
    assert registry_report.tag_row(TABLE, upstream, "3.10", other).digest_check == "differs"


def test_an_aliyun_mirror_is_a_mirror_that_is_not_said_to_copy_digests() -> None:
    upstream = registry_report.upstream_facts(
        TABLE, parse_image("registry.cn-hangzhou.aliyuncs.com/google_containers/pause"))

    assert (upstream.repository, upstream.copies_digests) == ("registry.k8s.io/pause", False)


def test_the_text_form_is_an_aligned_table_with_short_digests(registries: Registries) -> None:
    mirror = registries.mirror

    result = run("--plain-http", f"{mirror.host}/pause")

    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("TAG "))
    rows = lines[header + 1:]
    assert [row.split()[0] for row in rows] == ["3.8", "3.9", "3.9-linuxarm64", "3.10"]
    starts = [lines[header].index(name) for name in registry_report.HEADERS]
    for row in rows:
        assert row == row.rstrip()
        for start in starts[1:]:
            assert row[start - 1] == " " and row[start] != " ", (row, start)
    pushed = pushed_tags(mirror)
    for row in rows:
        tag = row.split()[0]
        digest = pushed[tag].digest
        assert f" {digest[:19]} " in row and digest not in row
    assert "not a copy: not compared" in rows[0]
    assert result.stderr == ""  # not a terminal: no progress line


def test_a_repository_with_more_tags_keeps_the_pause_like_ones_unless_all_tags(
        registries: Registries) -> None:
    mirror = registries.mirror

    kept = listed(run("--plain-http", "-o", "json", f"{mirror.host}/paged/pause"))
    every = listed(run("--plain-http", "-o", "json", "--all-tags",
                       f"{mirror.host}/paged/pause"))

    assert {row["tag"] for row in kept["tags"]} == set(pushed_tags(mirror, "paged/pause"))
    assert [row["tag"] for row in every["tags"]] == [row["tag"] for row in kept["tags"]]
    # Tags the table does not know: what upstream has is unknown, not "nothing".
    assert {row["lacks"] is None for row in kept["tags"]} == {True}


@pytest.mark.parametrize(("tag", "kept"), [
    ("3.9", True), ("3.10.2", True), ("v3.1", True), ("3.9-linuxarm64", True),
    ("3.5-windows-1809-amd64", True), ("3.0", True), ("latest", False), ("go", False),
    ("test", False), ("3.10.2-0", False), ("sha256-" + "a" * 64 + ".sig", False),
])
def test_which_tags_are_pause_like(tag: str, kept: bool) -> None:
    assert registry_report.is_pause_like(tag, TABLE) is kept


# --- access: TLS, credentials, tokens -------------------------------------------------

def test_a_registry_that_wants_credentials_is_exit_2_naming_the_host(
        registries: Registries) -> None:
    secure = registries.secure

    result = run("--ca-file", str(secure.ca_file), f"{secure.host}/pause")

    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (f"pauselint: error: {secure.host} needs credentials (Basic) "
                             "and none are configured for it: 401\n")


def test_json_says_why_the_tag_list_could_not_be_had(registries: Registries) -> None:
    secure = registries.secure

    result = run("--ca-file", str(secure.ca_file), "-o", "json", f"{secure.host}/pause")

    assert result.exit_code == 2
    document = listed(result)
    assert document["failure"]["kind"] == "unauthorized"
    assert document["failure"]["host"] == secure.host
    assert document["tags"] == []


@pytest.mark.parametrize("where", ["--registry-auth-file", "REGISTRY_AUTH_FILE",
                                   "~/.docker/config.json", "DOCKER_CONFIG"])
def test_credentials_from_an_auth_file_list_the_repository_and_are_never_shown(
        registries: Registries, tmp_path: Path, empty_home: Path, where: str) -> None:
    secure = registries.secure
    env: dict[str, str] = {}
    flag: tuple[str, ...] = ()
    if where == "--registry-auth-file":
        # The flag wins over the variable, which here names a file that is not there.
        flag = ("--registry-auth-file", str(auth_file(tmp_path, secure.host)))
        env["REGISTRY_AUTH_FILE"] = str(tmp_path / "not-there.json")
    elif where == "REGISTRY_AUTH_FILE":
        env["REGISTRY_AUTH_FILE"] = str(auth_file(tmp_path, secure.host))
    elif where == "DOCKER_CONFIG":
        folder = tmp_path / "docker-config"
        folder.mkdir()
        auth_file(folder, secure.host).rename(folder / "config.json")
        env["DOCKER_CONFIG"] = str(folder)
    else:
        folder = empty_home / ".docker"
        folder.mkdir()
        auth_file(folder, f"https://{secure.host}/v1/").rename(folder / "config.json")

    result = run(*flag, "--ca-file", str(secure.ca_file), "-o", "json", f"{secure.host}/pause",
                 env=env)

    assert result.exit_code == 0, result.stderr
    rows = {row["tag"]: row["digest"] for row in listed(result)["tags"]}
    assert rows == {tag: p.digest for tag, p in pushed_tags(secure).items()}
    text = run(*flag, "--ca-file", str(secure.ca_file), f"{secure.host}/pause", env=env)
    for output in (result.stdout, result.stderr, text.stdout, text.stderr):
        assert PASSWORD not in output
        assert base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode() not in output


def test_wrong_credentials_are_exit_2_without_showing_them(registries: Registries,
                                                           tmp_path: Path) -> None:
    secure = registries.secure
    wrong = "not-the-Pa55word"

    result = run("--ca-file", str(secure.ca_file), f"{secure.host}/pause",
                 env={"REGISTRY_AUTH_FILE": str(auth_file(tmp_path, secure.host,
                                                          password=wrong))})

    assert result.exit_code == 2
    assert secure.host in result.stderr and "refused the credentials" in result.stderr
    assert wrong not in result.stdout + result.stderr


def test_a_named_auth_file_that_cannot_be_read_is_a_usage_error(tmp_path: Path) -> None:
    missing = tmp_path / "no-auth.json"
    broken = tmp_path / "broken.json"
    broken.write_text("[]")

    by_variable = run("127.0.0.1:1/pause", env={"REGISTRY_AUTH_FILE": str(missing)})
    by_flag = run("--registry-auth-file", str(broken), "127.0.0.1:1/pause")

    assert (by_variable.exit_code, by_flag.exit_code) == (2, 2)
    assert by_variable.stderr == (f"pauselint: error: auth file {missing} "
                                  "(REGISTRY_AUTH_FILE): No such file or directory\n")
    assert by_flag.stderr == (f"pauselint: error: --registry-auth-file {broken}: not a JSON "
                              "object\n")


def test_an_unreadable_default_auth_file_is_a_warning_and_anonymous(
        registries: Registries, empty_home: Path) -> None:
    (empty_home / ".docker").mkdir()
    (empty_home / ".docker" / "config.json").write_text("{not json")

    result = run("--plain-http", f"{registries.mirror.host}/pause")

    assert result.exit_code == 0
    assert result.stderr == (f"pauselint: warning: auth file {empty_home}/.docker/config.json: "
                             "not a JSON object; asking anonymously\n")


def test_the_token_flow_lists_a_repository_anonymously(registries: Registries) -> None:
    token = registries.token

    result = run("--ca-file", str(token.ca_file), "-o", "json", f"{token.host}/pause")

    assert result.exit_code == 0, result.stderr
    rows = {row["tag"]: row["digest"] for row in listed(result)["tags"]}
    assert rows == {tag: p.digest for tag, p in pushed_tags(token).items()}


def test_tls_without_the_ca_is_exit_2_naming_the_host(registries: Registries) -> None:
    secure = registries.secure

    result = run(f"{secure.host}/pause")

    assert result.exit_code == 2
    assert result.stderr.startswith(f"pauselint: error: {secure.host}: TLS certificate not "
                                    "trusted")


def test_skip_verify_reaches_the_registry_and_warns(registries: Registries,
                                                    tmp_path: Path) -> None:
    secure = registries.secure

    result = run("--insecure-skip-verify", "-o", "json", f"{secure.host}/pause",
                 env={"REGISTRY_AUTH_FILE": str(auth_file(tmp_path, secure.host))})

    assert result.exit_code == 0
    assert len(listed(result)["tags"]) == len(pushed_tags(secure))
    assert result.stderr == (f"pauselint: warning: TLS certificates of {secure.host} are not "
                             "verified (--insecure-skip-verify): anyone on the path can "
                             "answer for it\n")


def test_https_to_a_plain_http_registry_says_to_add_plain_http(
        registries: Registries) -> None:
    mirror = registries.mirror

    result = run(f"{mirror.host}/pause")

    assert result.exit_code == 2
    assert result.stderr.startswith(f"pauselint: error: {mirror.host}: TLS failed")
    assert result.stderr.endswith(f"(if {mirror.host} serves plain HTTP, add --plain-http)\n")


def test_a_repository_that_is_not_there_is_exit_2(registries: Registries) -> None:
    mirror = registries.mirror

    result = run("--plain-http", f"{mirror.host}/not/there")

    assert result.exit_code == 2
    assert result.stderr == f"pauselint: error: {mirror.host} has no repository not/there (404)\n"


def test_only_get_and_head_are_sent(registries: Registries, tmp_path: Path) -> None:
    mirror, secure = registries.mirror, registries.secure
    marks = mirror.log_mark(), secure.log_mark()

    assert run("--plain-http", "--all-tags", f"{mirror.host}/pause").exit_code == 0
    assert run("--ca-file", str(secure.ca_file), f"{secure.host}/pause",
               env={"REGISTRY_AUTH_FILE": str(auth_file(tmp_path, secure.host))}
               ).exit_code == 0

    for server, mark in zip((mirror, secure), marks, strict=True):
        sent = server.requests(mark, agent_prefix="pauselint/")
        assert {entry.method for entry in sent} <= {"GET", "HEAD"}
        assert ("GET", "/v2/pause/tags/list") in {(e.method, e.path) for e in sent}
        assert {e.method for e in server.requests(mark)} <= {"GET", "HEAD"}


# --- hosts that do not answer ---------------------------------------------------------

def test_a_closed_port_is_exit_2_naming_the_host(closed_port: int) -> None:
    host = f"127.0.0.1:{closed_port}"

    result = run("--plain-http", f"{host}/pause")

    assert result.exit_code == 2
    assert result.stderr == f"pauselint: error: {host}: connection refused\n"


@pytest.mark.parametrize("bound", ["--timeout", "--deadline", "--registry-timeout",
                                   "--registry-deadline"])
def test_a_silent_registry_is_exit_2_within_the_bound(silent_host: str, bound: str) -> None:
    started = time.monotonic()

    result = run("--plain-http", bound, str(SLOW_TIMEOUT), f"{silent_host}/pause")

    elapsed = time.monotonic() - started
    assert result.exit_code == 2
    assert result.stderr == (f"pauselint: error: {silent_host}: no answer within "
                             f"{SLOW_TIMEOUT} s\n")
    assert SLOW_TIMEOUT <= elapsed < SLOW_TIMEOUT + 1.5


def test_a_name_that_does_not_resolve_is_exit_2_naming_it() -> None:
    host = "registry.pauselint.invalid"

    result = run(f"{host}/pause")

    assert result.exit_code == 2
    assert result.stderr.startswith(f"pauselint: error: {host}: the name does not resolve")


@pytest.fixture
def listing_only_host() -> Iterator[str]:
    """A registry that lists tags but answers 503 for every manifest (a broken storage
    back end behind a working API): distribution cannot be made to do this, so a
    stdlib server stands in, for this error path only."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/v2/pause/tags/list":
                body = json.dumps({"name": "pause", "tags": ["3.9", "latest", "3.10"]})
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body.encode())
            else:
                self.send_response(503)
                self.send_header("Content-Length", "0")
                self.end_headers()

        do_HEAD = do_GET

        def log_message(self, format: str, *args: object) -> None:
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_tags_that_cannot_be_asked_are_listed_as_errors_and_exit_2(
        listing_only_host: str) -> None:
    host = listing_only_host

    text = run("--plain-http", f"{host}/pause")
    document = run("--plain-http", "-o", "json", f"{host}/pause")

    assert (text.exit_code, document.exit_code) == (2, 2)
    rows = [line.split() for line in text.stdout.splitlines()[3:]]
    assert [(row[0], row[1], row[2]) for row in rows] == [
        ("TAG", "TYPE", "DIGEST"), ("3.9", "error:", "unexpected-status"),
        ("3.10", "error:", "unexpected-status")]
    assert text.stderr == (
        f"pauselint: error: 1 tag (3.9): {host} answered 503 for the manifest of pause:3.9\n"
        f"pauselint: error: 1 tag (3.10): {host} answered 503 for the manifest of "
        "pause:3.10\n")
    tags = listed(document)["tags"]
    assert [(row["tag"], row["digest_check"], row["failure"]["kind"]) for row in tags] == [
        ("3.9", "not-asked", "unexpected-status"), ("3.10", "not-asked", "unexpected-status")]
    assert tags[0]["upstream_digest"] == TABLE.pause_tag("3.9").digest


# --- usage ----------------------------------------------------------------------------

@pytest.mark.parametrize(("given", "message"), [
    ("bad name", "REPOSITORY: image reference 'bad name' contains whitespace"),
    ("Registry.example.com/Pause", "REPOSITORY: repository name 'Pause' in "
     "'Registry.example.com/Pause' must be lowercase"),
    ("localhost:5000/pause:3.9", "REPOSITORY 'localhost:5000/pause:3.9' names an image, not "
     "a repository: drop ':3.9' (every tag is listed)"),
])
def test_a_malformed_repository_is_a_one_line_usage_error(given: str, message: str) -> None:
    result = run(given)

    assert result.exit_code == 2
    assert result.stderr == f"pauselint: error: {message}\n"
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_ca_file_and_skip_verify_together_are_refused(tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("")

    result = run("--ca-file", str(ca), "--insecure-skip-verify", "localhost:5000/pause")

    assert result.exit_code == 2
    assert result.stderr == ("pauselint: error: --ca-file and --insecure-skip-verify "
                             "contradict each other: choose one\n")


def test_help_teaches_and_shows_the_clients_defaults() -> None:
    text = CliRunner().invoke(main, ["registry", "--help"]).stdout

    for needed in ("pauselint registry registry.cn-hangzhou.aliyuncs.com/google_containers/pause",
                   "DIGEST CHECK", "UPSTREAM HAS, THIS LACKS", "Exit codes: 0 listed; 2",
                   f"[default: {distribution.DEFAULT_TIMEOUT:g}]",
                   f"[default: {distribution.DEFAULT_DEADLINE:g}]"):
        assert needed in " ".join(text.split()), needed


# --- the progress line ----------------------------------------------------------------

def run_on_a_terminal(*args: str) -> tuple[int, str, str]:
    """The real program with stderr on a pseudo-terminal: (exit, stdout, terminal)."""
    leader, follower = pty.openpty()
    env = {**os.environ, "REGISTRY_AUTH_FILE": "", "DOCKER_CONFIG": ""}
    with subprocess.Popen([sys.executable, "-m", "pauselint", "registry", "--no-config", *args],
                          stdout=subprocess.PIPE, stderr=follower, stdin=subprocess.DEVNULL,
                          env=env, cwd=REPO) as process:
        os.close(follower)
        seen = b""
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # EIO: the program closed the terminal
                break
            if not chunk:
                break
            seen += chunk
        stdout = process.stdout.read() if process.stdout else b""
        code = process.wait(timeout=60)
    os.close(leader)
    return code, stdout.decode(), seen.decode()


def test_a_terminal_shows_progress_and_json_or_a_pipe_does_not(registries: Registries) -> None:
    repository = f"{registries.mirror.host}/pause"

    code, stdout, terminal = run_on_a_terminal("--plain-http", repository)
    json_code, json_out, json_terminal = run_on_a_terminal("--plain-http", "-o", "json",
                                                           repository)

    assert code == 0 and json_code == 0
    assert "\r4/4 tags" in terminal
    assert "tags" not in stdout.splitlines()[-1]  # never on stdout
    assert json_terminal == ""
    assert json.loads(json_out)["tags_listed"] == 4


def test_a_registrys_hostile_tag_is_shown_escaped_and_columns_stay_aligned() -> None:
    # A registry's tag list is remote text: a terminal escape in it must not reach
    # the terminal (the client refuses to ask for such a tag, so the row is a failure).
    from pauselint.online.results import Failure, FailureKind

    hostile = "3.9\x1b[2J"
    upstream = registry_report.upstream_facts(TABLE, parse_image("localhost:5000/pause"))
    failure = Failure(FailureKind.PROTOCOL, "localhost:5000", f"{hostile!r} is not a tag")
    rows = tuple(registry_report.tag_row(TABLE, upstream, tag, failure)
                 for tag in (hostile, "3.10"))
    listing = registry_report.Listing("localhost:5000/pause", "localhost:5000", "pause", True,
                                      TABLE.date, upstream, 2, 1, True, rows)

    text = registry_report.render_listing(listing)

    assert "\x1b" not in text
    lines = text.splitlines()
    assert lines[-2].index("error:") == lines[-1].index("error:") == lines[-3].index("TYPE")


def test_a_reader_that_is_gone_ends_the_listing_not_its_exit_code(
        registries: Registries) -> None:
    """`pauselint registry ... | head -3` exits with the listing's own code (0 here),
    not click's 1 for the closed pipe, and says nothing about the pipe."""
    repository = f"{registries.mirror.host}/pause"
    env = {**os.environ, "REGISTRY_AUTH_FILE": "", "DOCKER_CONFIG": ""}
    for extra in ([], ["-o", "json"]):
        reader, writer = os.pipe()
        os.close(reader)  # gone before the first write, whatever the listing's size
        try:
            proc = subprocess.run(
                [sys.executable, "-m", "pauselint", "registry", "--no-config", "--plain-http",
                 *extra, repository], stdout=writer, stderr=subprocess.PIPE,
                stdin=subprocess.DEVNULL, env=env, cwd=REPO, timeout=120, check=False)
        finally:
            os.close(writer)
        assert (proc.returncode, proc.stderr.decode()) == (0, ""), extra


@pytest.mark.parametrize("option", ["--timeout", "--deadline"])
def test_a_time_limit_must_be_finite(option: str) -> None:
    result = run(option, "nan", "registry.k8s.io/pause")
    assert result.exit_code == 2
    assert "'nan' is not a finite number of seconds" in result.stderr
