"""``WWW-Authenticate`` challenges as registries send them, read into scheme and params."""

from __future__ import annotations

import pytest

from pauselint.online.auth import Challenge, parse_challenges, pick, pull_scope

CHALLENGES = [
    # Docker Hub
    ('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",'
     'scope="repository:library/pause:pull"',
     [Challenge("bearer", {"realm": "https://auth.docker.io/token",
                           "service": "registry.docker.io",
                           "scope": "repository:library/pause:pull"})]),
    # distribution after a refused token: an error, and a scope with a comma inside quotes
    ('Bearer realm="https://t.example/token",service="reg",scope="repository:a/b:pull,push",'
     'error="insufficient_scope"',
     [Challenge("bearer", {"realm": "https://t.example/token", "service": "reg",
                           "scope": "repository:a/b:pull,push",
                           "error": "insufficient_scope"})]),
    # distribution's htpasswd
    ('Basic realm="pauselint-test"', [Challenge("basic", {"realm": "pauselint-test"})]),
    # two in one value, unquoted parameter, odd case and spaces
    ('Basic realm=simple, BEARER  realm = "https://x/t" , service="s"',
     [Challenge("basic", {"realm": "simple"}),
      Challenge("bearer", {"realm": "https://x/t", "service": "s"})]),
    # an escaped quote
    ('Basic realm="say \\"hi\\""', [Challenge("basic", {"realm": 'say "hi"'})]),
    ("", []),
]


@pytest.mark.parametrize(("header", "expected"), CHALLENGES)
def test_challenges_are_read(header: str, expected: list[Challenge]) -> None:
    assert parse_challenges([header]) == expected


def test_bearer_is_answered_before_basic() -> None:
    challenges = parse_challenges(['Basic realm="a"', 'Bearer realm="https://b/t"'])

    assert pick(challenges) == Challenge("bearer", {"realm": "https://b/t"})
    assert pick(parse_challenges(['Negotiate abc'])) is None


def test_the_pull_scope_names_the_repository() -> None:
    assert pull_scope("google_containers/pause") == "repository:google_containers/pause:pull"
