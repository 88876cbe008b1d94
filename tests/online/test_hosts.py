"""Credentials from auth files, and host names as auth files and references spell them."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from pauselint.online.hosts import (
    AuthEntries,
    Credentials,
    HostSettings,
    api_host,
    credentials_from_auth_file,
    normalize_host,
)


def encoded(pair: str) -> str:
    return base64.b64encode(pair.encode()).decode()


@pytest.mark.parametrize(("key", "host"), [
    ("https://index.docker.io/v1/", "docker.io"),
    ("index.docker.io", "docker.io"),
    ("registry-1.docker.io", "docker.io"),
    ("docker.io", "docker.io"),
    ("Registry.Example.com:5000", "registry.example.com:5000"),
    ("https://registry.example.com/v2/", "registry.example.com"),
    ("registry.example.com/google_containers", "registry.example.com"),
    ("127.0.0.1:5000", "127.0.0.1:5000"),
])
def test_host_keys_are_normalized(key: str, host: str) -> None:
    assert normalize_host(key) == host


@pytest.mark.parametrize(("host", "api"), [
    ("docker.io", "registry-1.docker.io"),
    ("index.docker.io", "registry-1.docker.io"),
    ("registry.k8s.io", "registry.k8s.io"),
    ("127.0.0.1:5000", "127.0.0.1:5000"),
])
def test_docker_hub_is_asked_where_its_api_answers(host: str, api: str) -> None:
    assert api_host(host) == api


def test_auth_file_entries_become_credentials_per_host() -> None:
    document = {"auths": {
        "https://index.docker.io/v1/": {"auth": encoded("hubuser:hub:pass:with:colons")},
        "registry.example.com:5000": {"auth": encoded("me:secret")},
        "helper.example.com": {},  # a credential helper's entry: no auth here
    }, "credsStore": "desktop"}

    found = credentials_from_auth_file(document)

    assert found == AuthEntries({
        "docker.io": Credentials("hubuser", "hub:pass:with:colons"),
        "registry.example.com:5000": Credentials("me", "secret"),
    })


@pytest.mark.parametrize("auth", ["not base64!", encoded("no-colon"), encoded(":nouser"), 42])
def test_an_unreadable_auth_entry_is_a_problem_that_names_the_key_only(auth: object) -> None:
    found = credentials_from_auth_file({"auths": {"registry.example.com": {"auth": auth}}})

    assert found == AuthEntries({}, ("auths.registry.example.com.auth is not base64 of "
                                     "user:password",))


def test_no_auths_is_no_credentials() -> None:
    assert credentials_from_auth_file({}) == AuthEntries({})
    assert credentials_from_auth_file({"auths": []}) == AuthEntries(
        {}, ("'auths' is not a mapping",))


def test_credentials_and_settings_never_show_the_password() -> None:
    credentials = Credentials("me", "s3cret-value")
    pair = encoded("me:s3cret-value")
    settings = HostSettings(ca_file=Path("/etc/ca.pem"), credentials=credentials,
                            headers=(("Authorization", f"Basic {pair}"), ("X-Token", "s3cret-value")))

    texts = [repr(credentials), str(credentials), repr(settings), str(settings)]

    assert [text for text in texts if "s3cret-value" in text or pair in text] == []
    assert repr(credentials) == "Credentials(username='me', password=<redacted>)"
    assert repr(settings) == (
        "HostSettings(plain_http=False, ca_file=PosixPath('/etc/ca.pem'), skip_verify=False, "
        "credentials=Credentials(username='me', password=<redacted>), "
        "headers=['Authorization', 'X-Token'])")
    assert credentials.basic_header() == f"Basic {pair}"
