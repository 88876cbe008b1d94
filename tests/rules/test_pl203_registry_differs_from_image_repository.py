"""PL203: the runtime's effective sandbox image is not under kubeadm's imageRepository."""

from __future__ import annotations

import pytest

from pauselint.model import Location, Severity, Skip
from pauselint.rules import pl203_registry_differs_from_image_repository as rule

KUBEADM = Location("kubeadm-config.yaml", 6, 18)
ALIYUN = "registry.cn-hangzhou.aliyuncs.com/google_containers"


def _message(image, repository, expected, *, default=False):
    what = "built-in default sandbox image" if default else "sandbox image"
    return (
        f"the runtime's {what} {image} is not under kubeadm imageRepository {repository} "
        f"(set at kubeadm-config.yaml:6): in a restricted network the sandbox pull fails while "
        f"every other control-plane image pulls from {repository}; use {expected}"
    )


@pytest.mark.parametrize(
    ("repository", "kubernetes", "image", "expected"),
    [
        # kubeadm#2801: imageRepository localhost:5000, containerd still on registry.k8s.io.
        ("localhost:5000", "1.28", "registry.k8s.io/pause:3.6", "localhost:5000/pause:3.9"),
        # k8s#122577: offline install through the Aliyun mirror, runtime on registry.k8s.io.
        (ALIYUN, "1.28", "registry.k8s.io/pause:3.6", f"{ALIYUN}/pause:3.9"),
        # Without a Kubernetes version the image's own tag is kept.
        (ALIYUN, None, "registry.k8s.io/pause:3.6", f"{ALIYUN}/pause:3.6"),
        # A trailing slash is not part of the repository.
        ("localhost:5000/", None, "registry.k8s.io/pause:3.9", "localhost:5000/pause:3.9"),
        # Prefixes match whole path components only.
        ("registry.example.com/k8s", "1.31", "registry.example.com/k8s-mirror/pause:3.10",
         "registry.example.com/k8s/pause:3.10"),
        # A short name is Docker Hub, not the private registry.
        ("registry.example.com/k8s", "1.31", "pause:3.10", "registry.example.com/k8s/pause:3.10"),
    ],
)
def test_fires_at_the_sandbox_setting(context, use_of, repository, kubernetes, image, expected):
    found = list(rule.check(context(
        images=[use_of(image, line=67, column=20)], kubernetes=kubernetes,
        image_repository=repository, image_repository_location=KUBEADM,
    )))
    assert len(found) == 1
    f = found[0]
    assert (f.rule, f.name, f.severity) == (
        "PL203", "registry-differs-from-image-repository", Severity.WARNING)
    assert f.location == Location("etc/containerd/config.toml", 67, 20)
    assert f.image == image
    assert (f.expected, f.fix, f.fixable) == (expected, f"use {expected}", True)
    assert f.message == _message(image, repository.rstrip("/"), expected)


def test_runtime_default_is_checked_at_the_config_file(context, use_of):
    # kubeadm#2801 as reported: containerd 1.6's default config, nothing set.
    default = use_of("registry.k8s.io/pause:3.6", origin="default", line=None, column=None)
    [f] = rule.check(context(images=[default], kubernetes="1.28",
                             image_repository="localhost:5000",
                             image_repository_location=KUBEADM))
    assert f.location == Location("etc/containerd/config.toml", None, None)
    assert f.message == _message("registry.k8s.io/pause:3.6", "localhost:5000",
                                 "localhost:5000/pause:3.9", default=True)


def test_unknown_place_of_the_setting(context, use_of):
    [f] = rule.check(context(images=[use_of("registry.k8s.io/pause:3.9")],
                             image_repository="localhost:5000"))
    assert "(set at the kubeadm configuration)" in f.message


def test_no_tag_no_expected(context, use_of):
    [f] = rule.check(context(images=[use_of("registry.k8s.io/pause")],
                             image_repository="localhost:5000",
                             image_repository_location=KUBEADM))
    assert (f.expected, f.fix, f.fixable) == (None, None, False)
    assert f.message.endswith("every other control-plane image pulls from localhost:5000")


@pytest.mark.parametrize(
    ("repository", "image"),
    [
        ("localhost:5000", "localhost:5000/pause:3.9"),
        (ALIYUN, f"{ALIYUN}/pause:3.9"),
        # Host names compare case-insensitively, as the runtime normalizes them.
        ("Registry.Example.com/k8s", "registry.example.com/k8s/pause:3.10"),
    ],
)
def test_silent(context, use_of, repository, image):
    assert list(rule.check(context(images=[use_of(image)], image_repository=repository,
                                   image_repository_location=KUBEADM))) == []


def test_only_the_effective_sandbox_image_counts(context, use_of):
    shadowed = use_of("registry.k8s.io/pause:3.6", effective=False)
    assert list(rule.check(context(images=[shadowed], image_repository="localhost:5000"))) == []


def test_nothing_without_image_repository(context, use_of):
    assert list(rule.check(context(images=[use_of("registry.k8s.io/pause:3.9")]))) == []


def test_invalid_image_repository_is_skipped(context, use_of):
    found = list(rule.check(context(images=[use_of("registry.k8s.io/pause:3.9")],
                                    image_repository="Not A Registry")))
    assert len(found) == 1
    assert isinstance(found[0], Skip)
    assert found[0].reason.startswith("kubeadm imageRepository 'Not A Registry' is not a "
                                      "registry prefix: ")


def test_docstring_has_the_four_sections():
    doc = rule.__doc__
    assert doc.startswith("PL203 registry-differs-from-image-repository: ")
    for section in ("What it finds", "Why it breaks", "How to fix", "Facts and sources"):
        assert f"\n{section}\n" in doc


def test_by_role_a_sandbox_value_of_any_name_is_judged(context, use_of):
    # Issue 11: the sandbox is pulled from wherever its value names, whatever it is called.
    found = list(rule.check(context(images=[use_of("registry.k8s.io/coredns/coredns:v1.11.1")],
                                    image_repository="localhost:5000",
                                    image_repository_location=KUBEADM)))
    assert [f.rule for f in found] == ["PL203"]
