"""Tests for pauselint.imageref: real references from the corpus, with exact fields."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from pauselint.imageref import (
    ImageRef,
    ImageRefError,
    TagSuffix,
    arch_of_repository,
    arch_of_tag,
    map_to_upstream,
    normalize_prefix,
    parse_image,
    tag_suffix,
)

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared"
CORPUS = SHARED / "corpus"

DIGEST_38 = "sha256:9001185023633d17a2f98ff69b6ff2615b8ea02a825adffa40422f51dfdcde9d"
DIGEST_32 = "sha256:927d98197ec1141a368550822d18fa1c60bdae27b78b0c004f705f548c07814f"

# text -> (registry, repository, tag, digest, explicit_registry, normalized, base_name)
# fmt: off
VALID = {
    "registry.k8s.io/pause:3.10": (
        "registry.k8s.io", "pause", "3.10", None, True,
        "registry.k8s.io/pause:3.10", "pause",
    ),
    "k8s.gcr.io/pause-amd64:3.1": (
        "k8s.gcr.io", "pause-amd64", "3.1", None, True,
        "k8s.gcr.io/pause-amd64:3.1", "pause-amd64",
    ),
    "mcr.microsoft.com/oss/kubernetes/pause:3.6": (
        "mcr.microsoft.com", "oss/kubernetes/pause", "3.6", None, True,
        "mcr.microsoft.com/oss/kubernetes/pause:3.6", "pause",
    ),
    "mcr.microsoft.com/oss/v2/kubernetes/pause:3.10.2": (
        "mcr.microsoft.com", "oss/v2/kubernetes/pause", "3.10.2", None, True,
        "mcr.microsoft.com/oss/v2/kubernetes/pause:3.10.2", "pause",
    ),
    "602401143452.dkr.ecr.us-west-2.amazonaws.com/eks/pause:3.5": (
        "602401143452.dkr.ecr.us-west-2.amazonaws.com", "eks/pause", "3.5", None, True,
        "602401143452.dkr.ecr.us-west-2.amazonaws.com/eks/pause:3.5", "pause",
    ),
    "pause:3.9": (
        "docker.io", "library/pause", "3.9", None, False,
        "docker.io/library/pause:3.9", "pause",
    ),
    "rancher/mirrored-pause:3.6": (
        "docker.io", "rancher/mirrored-pause", "3.6", None, False,
        "docker.io/rancher/mirrored-pause:3.6", "mirrored-pause",
    ),
    "docker.io/rancher/pause:3.1": (
        "docker.io", "rancher/pause", "3.1", None, True,
        "docker.io/rancher/pause:3.1", "pause",
    ),
    "localhost:5000/pause:3.9": (
        "localhost:5000", "pause", "3.9", None, True,
        "localhost:5000/pause:3.9", "pause",
    ),
    "quay.io/k0sproject/pause:3.10.2-0": (
        "quay.io", "k0sproject/pause", "3.10.2-0", None, True,
        "quay.io/k0sproject/pause:3.10.2-0", "pause",
    ),
    f"registry.k8s.io/pause:3.8@{DIGEST_38}": (
        "registry.k8s.io", "pause", "3.8", DIGEST_38, True,
        f"registry.k8s.io/pause:3.8@{DIGEST_38}", "pause",
    ),
    f"k8s.gcr.io/pause@{DIGEST_32}": (
        "k8s.gcr.io", "pause", None, DIGEST_32, True,
        f"k8s.gcr.io/pause@{DIGEST_32}", "pause",
    ),
    "localhost/kubernetes/pause:latest": (
        "localhost", "kubernetes/pause", "latest", None, True,
        "localhost/kubernetes/pause:latest", "pause",
    ),
    "localhost/kubernetes/pause:0.1.0": (
        "localhost", "kubernetes/pause", "0.1.0", None, True,
        "localhost/kubernetes/pause:0.1.0", "pause",
    ),
    "public.ecr.aws/eks-distro/kubernetes/pause:v1.19.8-eks-1-19-4": (
        "public.ecr.aws", "eks-distro/kubernetes/pause", "v1.19.8-eks-1-19-4", None, True,
        "public.ecr.aws/eks-distro/kubernetes/pause:v1.19.8-eks-1-19-4", "pause",
    ),
    # k3s issue #1176: a private registry whose path embeds the upstream host name.
    "10.0.16.124:5443/k3s/k8s.gcr.io/pause:3.1": (
        "10.0.16.124:5443", "k3s/k8s.gcr.io/pause", "3.1", None, True,
        "10.0.16.124:5443/k3s/k8s.gcr.io/pause:3.1", "pause",
    ),
    # kubernetes issue #66951: capitals make the first part a host (distribution's rule),
    # and its case is kept so that the normalized form still parses as a host.
    "MyPrivateRegistry/pause-amd64:3.1": (
        "MyPrivateRegistry", "pause-amd64", "3.1", None, True,
        "MyPrivateRegistry/pause-amd64:3.1", "pause-amd64",
    ),
    "[::1]:5000/pause": (
        "[::1]:5000", "pause", None, None, True, "[::1]:5000/pause", "pause",
    ),
    # No tag and no digest: no ":latest" is invented.
    "registry.k8s.io/pause": (
        "registry.k8s.io", "pause", None, None, True, "registry.k8s.io/pause", "pause",
    ),
    "docker.io/pause": (
        "docker.io", "library/pause", None, None, True, "docker.io/library/pause", "pause",
    ),
    "index.docker.io/rancher/mirrored-pause:3.10": (
        "docker.io", "rancher/mirrored-pause", "3.10", None, True,
        "docker.io/rancher/mirrored-pause:3.10", "mirrored-pause",
    ),
    "Registry.K8s.IO/pause:3.9": (
        "registry.k8s.io", "pause", "3.9", None, True, "registry.k8s.io/pause:3.9", "pause",
    ),
    # Only a host before the first '/' carries a port; here "5000" is the tag.
    "localhost:5000": (
        "docker.io", "library/localhost", "5000", None, False,
        "docker.io/library/localhost:5000", "localhost",
    ),
    "  registry.k8s.io/pause:3.9\n": (
        "registry.k8s.io", "pause", "3.9", None, True, "registry.k8s.io/pause:3.9", "pause",
    ),
}
# fmt: on


@pytest.mark.parametrize("text", list(VALID))
def test_parse_valid(text: str) -> None:
    registry, repository, tag, digest, explicit, normalized, base = VALID[text]
    ref = parse_image(text)
    assert ref == ImageRef(
        original=text.strip(),
        registry=registry,
        repository=repository,
        tag=tag,
        digest=digest,
        explicit_registry=explicit,
    )
    assert ref.name == f"{registry}/{repository}"
    assert ref.normalized() == normalized
    assert ref.base_name == base


INVALID = {
    "": "empty image reference",
    "   ": "empty image reference",
    "registry.k8s.io/pause :3.9": (
        "image reference 'registry.k8s.io/pause :3.9' contains whitespace"
    ),
    "registry.k8s.io/Pause:3.9": (
        "repository name 'Pause' in 'registry.k8s.io/Pause:3.9' must be lowercase"
    ),
    "Pause:3.9": "repository name 'Pause' in 'Pause:3.9' must be lowercase",
    "registry.k8s.io/pause:": "image reference 'registry.k8s.io/pause:' has an empty tag",
    "registry.k8s.io/pause:-3.9": "invalid tag '-3.9' in 'registry.k8s.io/pause:-3.9'",
    "registry.k8s.io/pause:" + "9" * 129: "invalid tag '" + "9" * 129 + "'",
    "registry.k8s.io/pause@sha256:abc": (
        "invalid sha256 digest in 'registry.k8s.io/pause@sha256:abc': "
        "expected 64 lowercase hex digits"
    ),
    "registry.k8s.io/pause@" + DIGEST_38.upper().replace("SHA256", "sha256"): (
        "invalid sha256 digest in"
    ),
    "registry.k8s.io/pause@md5:" + "0" * 32: "unsupported digest algorithm 'md5'",
    "registry.k8s.io/pause@3.9": "invalid digest '3.9' in 'registry.k8s.io/pause@3.9'",
    "@" + DIGEST_38: "has a digest but no name",
    "registry.k8s.io//pause": (
        "repository name '/pause' in 'registry.k8s.io//pause' has an empty part"
    ),
    "registry.k8s.io/pause/": "has an empty part",
    "registry.k8s.io/": "image reference 'registry.k8s.io/' has no repository name",
    "registry.k8s.io/-pause": "invalid repository name component '-pause'",
    "registry.k8s.io/pause..x": "invalid repository name component 'pause..x'",
    "registry.k8s.io/pause___x": "invalid repository name component 'pause___x'",
    "localhost:port/pause": "invalid registry host 'localhost:port'",
    "-bad.example.com/pause": "invalid registry host '-bad.example.com'",
    "[::1/pause": "invalid registry host '[::1'",
    "a" * 64: "is a bare 64-character hex identifier, not an image name",
    "registry.k8s.io/pause:3.9\x00": "contains the character '\\x00'",
    "registry.k8s.io/pauseé": "contains the character 'é'",
    "https://registry.k8s.io/pause:3.9": "starts with the URL scheme 'https://': an image "
    "name starts with the registry host",
    "registry.k8s.io/" + "a" * 240: "is 256 characters long (at most 255)",
}


@pytest.mark.parametrize("text", list(INVALID))
def test_parse_invalid(text: str) -> None:
    with pytest.raises(ImageRefError) as excinfo:
        parse_image(text)
    assert INVALID[text] in str(excinfo.value)


def test_length_limit_counts_the_normalized_name() -> None:
    # 255 characters including "docker.io/library/" is still fine; one more is not.
    path = "a" * (255 - len("docker.io/library/"))
    assert parse_image(path).name == "docker.io/library/" + path
    with pytest.raises(ImageRefError, match="256 characters long"):
        parse_image(path + "a")


def test_non_text_is_an_imagereferror() -> None:
    with pytest.raises(ImageRefError, match="must be text, not NoneType"):
        parse_image(None)  # type: ignore[arg-type]


# ----------------------------------------------------------------- corpus values


def _corpus_value(relpath: str, pattern: str) -> str:
    path = CORPUS / relpath
    if not path.is_file():
        pytest.skip(f"corpus file {relpath} not available")
    match = re.search(pattern, path.read_text(encoding="utf-8"), re.MULTILINE)
    assert match is not None, f"{pattern!r} not in {relpath}"
    return match.group(1)


@pytest.mark.parametrize(
    ("relpath", "pattern", "normalized", "explicit"),
    [
        (
            "containerd/issue-k0sctl-1117-k0s-pause-dash-suffix.toml",
            r'^\s*sandbox_image = "([^"]+)"',
            "quay.io/k0sproject/pause:3.10.2-0",
            True,
        ),
        (
            "containerd/eks-nodeadm-v2-expected-pause-latest.toml",
            r"^\s*sandbox_image = '([^']+)'",
            "localhost/kubernetes/pause:latest",
            True,
        ),
        (
            "k3s/issue-k3s-1128-rendered-agent-containerd-config-v1.toml",
            r'^\s*sandbox_image = "([^"]+)"',
            "docker.io/rancher/pause:3.1",
            True,
        ),
        (
            "kubeadm/issue-k8s-66951-v1alpha2-masterconfiguration.yaml",
            r"^\s*pod-infra-container-image: (\S+)",
            "MyPrivateRegistry/pause-amd64:3.1",
            True,
        ),
        (
            "kubeadm/issue-k8s-97438-initconfig-missing-apiversion.yaml",
            r'^\s*pod-infra-container-image: "([^"]+)"',
            "myowndomain.example.com/k8s/pause:3.2",
            True,
        ),
    ],
)
def test_corpus_values(relpath: str, pattern: str, normalized: str, explicit: bool) -> None:
    ref = parse_image(_corpus_value(relpath, pattern))
    assert ref.normalized() == normalized
    assert ref.explicit_registry is explicit


# ----------------------------------------------------------------- per-arch tags and repos

TAGS = {
    "3.9-linuxarm64": ("3.9", "arm64"),
    "3.10-linuxarm64": ("3.10", "arm64"),
    "3.9-linux-arm64": ("3.9", "arm64"),
    "3.9-linux-amd64": ("3.9", "amd64"),
    "3.5-windows-1809-amd64": ("3.5", "amd64"),
    "3.5-windows-20H2-amd64": ("3.5", "amd64"),
    "3.10.2-windows-ltsc2025-amd64": ("3.10.2", "amd64"),
    "3.9-arm64": ("3.9", "arm64"),
    "3.2-ppc64le": ("3.2", "ppc64le"),
    "3.2-s390x": ("3.2", "s390x"),
    "3.2-riscv64": ("3.2", "riscv64"),
    "3.2-386": ("3.2", "386"),
    "3.2-arm": ("3.2", "arm"),
    "3.5-windows-1809": ("3.5", None),
    "3.9": None,
    "latest": None,
    "3.10.2-0": None,
    "3.6-hotfix.20220114": None,
    "v1.19.8-eks-1-19-4": None,
    "3.10.1-3": None,
    "arm64": None,  # no base tag left
    "3.9-aarch64": None,  # not a GOARCH name
    "3.9-arm64-debug": None,
}


@pytest.mark.parametrize("tag", list(TAGS))
def test_arch_of_tag(tag: str) -> None:
    assert arch_of_tag(tag) == TAGS[tag]


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("3.9-linuxarm64", TagSuffix("3.9", "linux", "arm64")),
        ("3.9-arm64", TagSuffix("3.9", None, "arm64")),
        ("3.5-windows-1809-amd64", TagSuffix("3.5", "windows", "amd64", "1809")),
        ("3.5-windows-20H2-amd64", TagSuffix("3.5", "windows", "amd64", "20H2")),
        ("3.9-windows-ltsc2022-amd64", TagSuffix("3.9", "windows", "amd64", "ltsc2022")),
        ("3.5-windows-1809", TagSuffix("3.5", "windows", None, "1809")),
        ("3.9-linux-arm-v7", TagSuffix("3.9", "linux", "arm", None, "v7")),
        ("3.9-arm32v7", TagSuffix("3.9", None, "arm", None, "v7")),
        ("3.9-armv6", TagSuffix("3.9", None, "arm", None, "v6")),
        ("3.10.2-0", None),
    ],
)
def test_tag_suffix(tag: str, expected: TagSuffix | None) -> None:
    assert tag_suffix(tag) == expected


@pytest.mark.parametrize(
    ("repository", "expected"),
    [
        ("pause-amd64", ("pause", "amd64")),
        ("pause-arm", ("pause", "arm")),
        ("pause-ppc64le", ("pause", "ppc64le")),
        ("google_containers/pause-arm64", ("google_containers/pause", "arm64")),
        ("google_containers/pause-s390x", ("google_containers/pause", "s390x")),
        ("pause", None),
        ("mirrored-pause", None),
        ("library/pause", None),
        ("pause-amd64/pause", None),  # only the last component counts
        ("amd64", None),
        ("pause-x86_64", None),
    ],
)
def test_arch_of_repository(repository: str, expected: tuple[str, str] | None) -> None:
    assert arch_of_repository(repository) == expected


def test_arch_of_repository_on_parsed_ref() -> None:
    ref = parse_image("k8s.gcr.io/pause-amd64:3.1")
    assert arch_of_repository(ref.repository) == ("pause", "amd64")
    assert arch_of_tag(ref.tag or "") is None


# ----------------------------------------------------------------- mirrors

MIRRORS = [
    ("registry.aliyuncs.com/google_containers", "registry.k8s.io"),
    ("docker.io/rancher/mirrored-pause", "registry.k8s.io/pause"),
    ("m.daocloud.io/registry.k8s.io", "registry.k8s.io"),
    ("m.daocloud.io", "docker.io"),
    ("k8s.gcr.io", "registry.k8s.io"),
]


@pytest.mark.parametrize(
    ("text", "upstream"),
    [
        ("registry.aliyuncs.com/google_containers/pause:3.9", "registry.k8s.io/pause:3.9"),
        ("rancher/mirrored-pause:3.6", "registry.k8s.io/pause:3.6"),
        ("docker.io/rancher/mirrored-pause:3.10", "registry.k8s.io/pause:3.10"),
        (
            f"docker.io/rancher/mirrored-pause:3.8@{DIGEST_38}",
            f"registry.k8s.io/pause:3.8@{DIGEST_38}",
        ),
        ("rancher/mirrored-pause", "registry.k8s.io/pause"),
        # Longest prefix wins over the bare m.daocloud.io -> docker.io entry.
        ("m.daocloud.io/registry.k8s.io/pause:3.10.1", "registry.k8s.io/pause:3.10.1"),
        # The shorter entry still serves what the longer does not cover; docker.io
        # single names get "library/".
        ("m.daocloud.io/pause:3.9", "docker.io/library/pause:3.9"),
        ("K8S.GCR.IO/pause-amd64:3.1", "registry.k8s.io/pause-amd64:3.1"),
    ],
)
def test_map_to_upstream(text: str, upstream: str) -> None:
    ref = parse_image(text)
    mapped = map_to_upstream(ref, MIRRORS)
    assert mapped is not None
    assert mapped.normalized() == upstream
    assert mapped.original == text
    assert mapped.explicit_registry is True
    assert (mapped.tag, mapped.digest) == (ref.tag, ref.digest)


@pytest.mark.parametrize(
    "text",
    [
        "docker.io/rancher/mirrored-pause2:3.6",  # component boundary
        "rancher/mirrored-pause-amd64:3.6",
        "registry.aliyuncs.com/google_containers2/pause:3.9",
        "registry.cn-hangzhou.aliyuncs.com/google_containers/pause:3.9",
        "registry.k8s.io/pause:3.9",
        "pause:3.9",
    ],
)
def test_map_to_upstream_no_match(text: str) -> None:
    assert map_to_upstream(parse_image(text), MIRRORS) is None


def test_map_to_upstream_longest_prefix_regardless_of_order() -> None:
    ref = parse_image("m.daocloud.io/registry.k8s.io/pause:3.9")
    mapped = map_to_upstream(ref, list(reversed(MIRRORS)))
    assert mapped is not None
    assert mapped.name == "registry.k8s.io/pause"


def test_map_to_upstream_short_name_prefix() -> None:
    # A prefix without a host is a Docker Hub namespace, as in an image name.
    ref = parse_image("docker.io/rancher/mirrored-pause:3.6")
    mapped = map_to_upstream(ref, [("rancher/mirrored-pause", "registry.k8s.io/pause")])
    assert mapped is not None
    assert mapped.normalized() == "registry.k8s.io/pause:3.6"


def test_map_to_upstream_onto_bare_registry_maps_nothing() -> None:
    # The namespace a whole registry is mirrored under is no repository of that
    # registry: a user's value, so "no upstream", never an exception (issue 8 item 9).
    ref = parse_image("docker.io/rancher/mirrored-pause:3.6")
    assert map_to_upstream(ref, [("docker.io/rancher/mirrored-pause", "registry.k8s.io")]) is None
    aliyun = parse_image("registry.aliyuncs.com/google_containers:3.9")
    assert map_to_upstream(aliyun, [("registry.aliyuncs.com/google_containers",
                                     "registry.k8s.io")]) is None


def test_map_to_upstream_rewrite_too_long_maps_nothing() -> None:
    ref = parse_image("m.io/" + "a" * 240 + ":3.9")
    assert map_to_upstream(ref, [("m.io", "registry.example.com/" + "b" * 20)]) is None


def test_resolve_of_a_mirror_namespace_is_the_reference_itself() -> None:
    from pauselint.compat import load_table

    table = load_table()
    ref = parse_image("registry.aliyuncs.com/google_containers:3.9")
    upstream, _mirror = table.resolve(ref)
    assert upstream == ref
    assert not table.is_pause_image(ref)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("pause:" + "A" * 4_194_304 + " x",
         "image reference 'pause:" + "A" * 194 + "…' (4194312 characters) contains whitespace"),
        ("registry.k8s.io/pause:" + "A" * 4_194_304,
         "invalid tag '" + "A" * 200 + "…' (4194304 characters) in a 4194326-character "
         "reference"),
    ],
)
def test_a_huge_value_is_cut_once_with_its_length(text: str, message: str) -> None:
    with pytest.raises(ImageRefError) as excinfo:
        parse_image(text)
    assert str(excinfo.value).startswith(message)
    assert len(str(excinfo.value)) < 600


def test_map_to_upstream_bad_prefix_is_an_error() -> None:
    ref = parse_image("registry.k8s.io/pause:3.9")
    with pytest.raises(ImageRefError, match="must be lowercase"):
        map_to_upstream(ref, [("registry.k8s.io/Pause", "registry.k8s.io/pause")])


@pytest.mark.parametrize(
    ("prefix", "normalized"),
    [
        ("registry.k8s.io", "registry.k8s.io"),
        ("registry.k8s.io/", "registry.k8s.io"),
        ("Registry.K8s.IO/pause", "registry.k8s.io/pause"),
        ("index.docker.io/rancher", "docker.io/rancher"),
        ("rancher/mirrored-pause", "docker.io/rancher/mirrored-pause"),
        ("rancher", "docker.io/rancher"),
        ("localhost:5000", "localhost:5000"),
        ("localhost", "localhost"),
        ("docker.io", "docker.io"),
    ],
)
def test_normalize_prefix(prefix: str, normalized: str) -> None:
    assert normalize_prefix(prefix) == normalized


@pytest.mark.parametrize("prefix", ["", "/", "registry.k8s.io//pause", "bad host/x", "-x.io/p"])
def test_normalize_prefix_invalid(prefix: str) -> None:
    with pytest.raises(ImageRefError):
        normalize_prefix(prefix)


# ----------------------------------------------------------------- properties

# Characters that appear in references, so arbitrary text reaches the deeper branches.
REF_ALPHABET = st.sampled_from([*"abcXYZ019.:/@_-[]", "sha256:", "localhost", "/"])


@given(st.text())
def test_parse_never_raises_anything_else(text: str) -> None:
    try:
        ref = parse_image(text)
    except ImageRefError:
        return
    assert parse_image(ref.normalized()).normalized() == ref.normalized()


@given(st.lists(REF_ALPHABET, max_size=30).map("".join))
def test_parse_never_raises_on_reference_like_text(text: str) -> None:
    try:
        ref = parse_image(text)
    except ImageRefError:
        return
    assert parse_image(ref.normalized()).normalized() == ref.normalized()


_ALNUM = st.from_regex(r"[a-z0-9]{1,6}", fullmatch=True)
_SEP = st.sampled_from([".", "_", "__", "-", "--"])
PATH_COMPONENT = st.builds(
    lambda first, rest: first + "".join(sep + part for sep, part in rest),
    _ALNUM,
    st.lists(st.tuples(_SEP, _ALNUM), max_size=2),
)
DOMAIN_COMPONENT = st.from_regex(r"[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,6}[a-zA-Z0-9])?", fullmatch=True)
HOST = st.one_of(
    st.lists(DOMAIN_COMPONENT, min_size=1, max_size=3).map(".".join),
    st.sampled_from(["localhost", "[::1]", "[fe80::1]", "index.docker.io", "Docker.IO"]),
)
PORT = st.one_of(st.none(), st.integers(min_value=0, max_value=65535).map(str))
TAG = st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}", fullmatch=True)
DIGEST = st.from_regex(r"[0-9a-f]{64}", fullmatch=True).map(lambda h: f"sha256:{h}")


@st.composite
def references(draw: st.DrawFn) -> str:
    host = draw(st.one_of(st.none(), HOST))
    if host is not None:
        port = draw(PORT)
        if port is not None:
            host = f"{host}:{port}"
    components = draw(st.lists(PATH_COMPONENT, min_size=1, max_size=3))
    if host is None and len(components) > 1:
        # Without a host, a first component with a '.' would be read as one.
        assume("." not in components[0])
    path = "/".join(components)
    text = path if host is None else f"{host}/{path}"
    tag = draw(st.one_of(st.none(), TAG))
    digest = draw(st.one_of(st.none(), DIGEST))
    if tag is not None:
        text += f":{tag}"
    if digest is not None:
        text += f"@{digest}"
    return text


@given(references())
def test_valid_references_round_trip(text: str) -> None:
    assume(not re.fullmatch(r"[a-f0-9]{64}", text))
    ref = parse_image(text)
    again = parse_image(ref.normalized())
    assert (again.registry, again.repository, again.tag, again.digest) == (
        ref.registry,
        ref.repository,
        ref.tag,
        ref.digest,
    )
    assert again.explicit_registry is True
    assert again.normalized() == ref.normalized()
    assert ref.original == text
