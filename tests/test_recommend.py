"""`recommend`: exact images and snippets, and every snippet passes `pauselint check`."""

from __future__ import annotations

from pathlib import Path

import pytest
from packaging.version import Version

from pauselint.compat import load_table
from pauselint.engine import Options, check_files, parse_runtime
from pauselint.inputs import read_path
from pauselint.model import Report, Severity
from pauselint.recommend import Recommendation, recommend, render

MIRROR = "registry.cn-hangzhou.aliyuncs.com/google_containers"

V2 = 'version = 2\n\n[plugins."io.containerd.grpc.v1.cri"]\n  sandbox_image = "{}"\n'
V3 = 'version = 3\n\n[plugins."io.containerd.cri.v1.images".pinned_images]\n  sandbox = "{}"\n'
CRIO = '[crio.image]\npause_image = "{}"\n'
K3S = 'pause-image: "{}"\n'

# (kubernetes, registry, runtime, runtime version, image, snippet template, path)
CASES = [
    ("1.31", None, "containerd", "1.7.20", "registry.k8s.io/pause:3.10", V2,
     "/etc/containerd/config.toml"),
    ("1.35.2", None, "containerd", "1.7.28", "registry.k8s.io/pause:3.10.1", V2,
     "/etc/containerd/config.toml"),
    ("1.32", None, "containerd", "2.0.1", "registry.k8s.io/pause:3.10", V3,
     "/etc/containerd/config.toml"),
    ("1.36", None, "containerd", "2.3.0", "registry.k8s.io/pause:3.10.2", V3,
     "/etc/containerd/config.toml"),
    ("1.36", None, "containerd", None, "registry.k8s.io/pause:3.10.2", V3,
     "/etc/containerd/config.toml"),
    ("1.29", None, "containerd", None, "registry.k8s.io/pause:3.9", V2,
     "/etc/containerd/config.toml"),
    ("1.30", None, "cri-o", "1.30.4", "registry.k8s.io/pause:3.9", CRIO,
     "/etc/crio/crio.conf.d/10-pause.conf"),
    ("1.34", None, "crio", None, "registry.k8s.io/pause:3.10.1", CRIO,
     "/etc/crio/crio.conf.d/10-pause.conf"),
    ("1.34", None, "k3s", "1.34.2+k3s1", "registry.k8s.io/pause:3.10.1", K3S,
     "/etc/rancher/k3s/config.yaml"),
]

MIRROR_CASES = [
    ("1.35", MIRROR + "/", "containerd", "2.2.0", f"{MIRROR}/pause:3.10.1", V3),
    ("1.30", MIRROR, "containerd", "1.7.13", f"{MIRROR}/pause:3.9", V2),
    ("1.33", "localhost:5000", "cri-o", "1.33.1", "localhost:5000/pause:3.10", CRIO),
    ("1.33", "localhost:5000/", "k3s", None, "localhost:5000/pause:3.10", K3S),
]


def rec(kubernetes: str, registry: str | None, runtime: str, version: str | None,
        ) -> Recommendation:
    return recommend(load_table(), Version(kubernetes), registry=registry, runtime=runtime,
                     runtime_version=Version(version) if version else None)


def run_check(tmp_path: Path, r: Recommendation, kubernetes: str, version: str | None,
              image_repository: str | None = None) -> Report:
    """Write the snippet where it belongs (under tmp_path) and check it as `check` would."""
    paths = [tmp_path / r.config_path.lstrip("/")]
    paths[0].parent.mkdir(parents=True, exist_ok=True)
    paths[0].write_text(r.snippet, newline="")
    if image_repository is not None:
        kubeadm = tmp_path / "etc/kubernetes/kubeadm-config.yaml"
        kubeadm.parent.mkdir(parents=True, exist_ok=True)
        kubeadm.write_text("apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\n"
                           f"imageRepository: {image_repository}\n")
        paths.append(kubeadm)
    runtimes = (parse_runtime(f"{r.runtime}={version}"),) if version else ()
    options = Options(kubernetes=kubernetes, runtimes=runtimes)
    files = [read_path(str(p), explicit=True) for p in paths]
    return check_files(files, options, load_table())


def rules_at_or_above(report: Report, severity: Severity) -> list[str]:
    return [f.rule for f in report.findings if f.severity >= severity]


@pytest.mark.parametrize(("kubernetes", "registry", "runtime", "version", "image", "template",
                          "path"), CASES)
def test_image_snippet_and_path(kubernetes, registry, runtime, version, image, template,
                                path) -> None:
    r = rec(kubernetes, registry, runtime, version)
    assert r.image == image
    assert r.snippet == template.format(image)
    assert r.config_path == path
    assert r.runtime == ("cri-o" if runtime == "crio" else runtime)


@pytest.mark.parametrize(("kubernetes", "registry", "runtime", "version", "image", "template",
                          "path"), CASES)
def test_default_registry_snippet_checks_clean(tmp_path, kubernetes, registry, runtime, version,
                                               image, template, path) -> None:
    r = rec(kubernetes, registry, runtime, version)
    report = run_check(tmp_path, r, kubernetes, version)
    assert report.inputs == 1
    assert report.errors == []
    assert report.findings == []


@pytest.mark.parametrize(("kubernetes", "registry", "runtime", "version", "image", "template"),
                         MIRROR_CASES)
def test_mirror_image_and_snippet(kubernetes, registry, runtime, version, image,
                                  template) -> None:
    r = rec(kubernetes, registry, runtime, version)
    assert r.image == image
    assert r.snippet == template.format(image)
    prefix = image.rsplit("/", 1)[0]
    assert any(f"Set imageRepository: {prefix} in kubeadm" in n for n in r.notes)


@pytest.mark.parametrize(("kubernetes", "registry", "runtime", "version", "image", "template"),
                         MIRROR_CASES)
def test_mirror_snippet_checks_clean_with_matching_image_repository(
        tmp_path, kubernetes, registry, runtime, version, image, template) -> None:
    r = rec(kubernetes, registry, runtime, version)
    # Alone, only PL202 (info) says kubeadm's default registry differs -- which is
    # what the note about imageRepository is for.
    alone = run_check(tmp_path / "alone", r, kubernetes, version)
    assert alone.errors == []
    assert [(f.rule, f.severity) for f in alone.findings] == [("PL202", Severity.INFO)]
    # With the kubeadm setting the notes ask for, the node checks clean.
    node = run_check(tmp_path / "node", r, kubernetes, version,
                     image_repository=image.rsplit("/", 1)[0])
    assert node.errors == []
    assert node.findings == []


def test_short_registry_is_fully_qualified_for_pinning(tmp_path) -> None:
    r = rec("1.35", "acme", "containerd", "2.2.0")
    assert r.image == "docker.io/acme/pause:3.10.1"
    assert r.snippet == V3.format("docker.io/acme/pause:3.10.1")
    assert any("docker.io/acme (acme fully qualified" in n for n in r.notes)
    assert any("exact normalized name" in n for n in r.notes)
    node = run_check(tmp_path, r, "1.35", "2.2.0", image_repository="docker.io/acme")
    assert (node.errors, node.findings) == ([], [])


def test_frozen_kubeadm_default_moves_to_successor(tmp_path) -> None:
    # kubeadm 1.24.0-1.24.8 default to k8s.gcr.io, which PL103 reports as frozen.
    r = rec("1.24.8", None, "containerd", "1.7.0")
    assert r.image == "registry.k8s.io/pause:3.7"
    assert r.snippet == V2.format("registry.k8s.io/pause:3.7")
    assert any("defaults to k8s.gcr.io, frozen since 2023-04-03" in n for n in r.notes)
    node = run_check(tmp_path, r, "1.24.8", "1.7.0", image_repository="registry.k8s.io")
    assert (node.errors, node.findings) == ([], [])


def test_config_version_notes() -> None:
    r = rec("1.36", None, "containerd", "2.3.0")
    assert ("Config version 3: containerd 2.3.0 also reads version 4, whose sandbox key is the "
            "same; 3 keeps the file loadable by every containerd from 2.0.0 on.") in r.notes
    r = rec("1.31", None, "containerd", "1.7.20")
    assert ('Config version 2 (containerd 1.3.0 and later), key '
            'plugins."io.containerd.grpc.v1.cri".sandbox_image.') in r.notes


def test_assumed_containerd_is_noted() -> None:
    r = rec("1.36", None, "containerd", None)
    assert ("No containerd version given: assumed containerd 2.3.0, the newest line containerd "
            "supports with Kubernetes 1.36. Give the real version if the node runs an older "
            "one.") in r.notes
    old = rec("1.20", None, "containerd", None)
    assert old.snippet == V2.format("registry.k8s.io/pause:3.2")
    assert any("nearest support row (Kubernetes 1.24)" in n for n in old.notes)


def test_too_old_runtime_is_noted_and_check_agrees(tmp_path) -> None:
    r = rec("1.36", None, "containerd", "1.7.28")
    assert r.snippet == V2.format("registry.k8s.io/pause:3.10.2")
    assert any(n.startswith("containerd 1.7.28 is a 1.x release, which Kubernetes 1.36 and "
                            "later do not support") for n in r.notes)
    below = rec("1.35", None, "containerd", "2.1.0")
    assert any(n.startswith("containerd 2.1.0 is below 2.1.5, the oldest 2.1 release supported "
                            "with Kubernetes 1.35") for n in below.notes)
    assert rules_at_or_above(run_check(tmp_path, below, "1.35", "2.1.0"),
                             Severity.WARNING) == ["PL405"]
    ok = rec("1.35", None, "containerd", "2.1.5")
    assert not any("upgrade containerd" in n for n in ok.notes)


def test_crio_minor_mismatch_is_noted() -> None:
    r = rec("1.31", None, "cri-o", "1.29.3")
    assert any(n.startswith("CRI-O 1.29.3 does not match Kubernetes 1.31") for n in r.notes)
    assert not any("does not match" in n for n in rec("1.31", None, "cri-o", "1.31.0").notes)


def test_k3s_version_mismatch_is_noted() -> None:
    r = rec("1.34", None, "k3s", "1.33.5+k3s1")
    assert any(n.startswith("k3s 1.33.5+k3s1 ships Kubernetes 1.33, not 1.34") for n in r.notes)


@pytest.mark.parametrize(("kubernetes", "message"), [
    ("1.38", "Kubernetes 1.38 is newer than pauselint's compat table"),
    ("1.12", "Kubernetes 1.12 is older than anything pauselint knows (it knows 1.13 and later)"),
])
def test_unknown_kubernetes_is_an_error(kubernetes, message) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        rec(kubernetes, None, "containerd", None)


@pytest.mark.parametrize(("registry", "runtime", "message"), [
    ("https://registry.example.com", "containerd", "registry 'https://registry.example.com' is "
                                                  "not a registry prefix"),
    (None, "docker", "runtime 'docker': choose one of containerd, cri-o, k3s"),
])
def test_bad_input_is_an_error(registry, runtime, message) -> None:
    with pytest.raises(ValueError, match=message):
        rec("1.31", registry, runtime, None)


def test_render() -> None:
    r = rec("1.31", None, "containerd", "1.7.20")
    text = render(r)
    assert text.startswith(
        "pause image: registry.k8s.io/pause:3.10\n\n"
        "/etc/containerd/config.toml (containerd):\n\n"
        "    version = 2\n\n"
        '    [plugins."io.containerd.grpc.v1.cri"]\n'
        '      sandbox_image = "registry.k8s.io/pause:3.10"\n\n'
        "- kubeadm 1.31 expects pause 3.10 (")
    assert text.endswith("\n") and text.count("\n- ") == len(r.notes)


@pytest.mark.parametrize("kubernetes", ["1.29", "1.33", "1.35", "1.36"])
def test_without_a_version_a_snippet_per_containerd_line_each_checked_by_its_line(
        tmp_path, kubernetes) -> None:
    # Issue 11: a 1.x node needs version 2, a 2.x node reads version 3; neither snippet
    # may be one PL402/PL406 flag for the release it is for.
    from click.testing import CliRunner

    from pauselint.cli import main
    from pauselint.recommend import containerd_choices

    table = load_table()
    choices = containerd_choices(table, Version(kubernetes))
    majors = [release.major for _, release in choices]
    # The lines of the support row (1.29 predates 2.0; 1.36 supports 2.x only).
    support = table.containerd_support(Version(kubernetes))
    assert majors == sorted({Version(m).major for m in support.minimums})
    printed = CliRunner().invoke(main, ["recommend", "-k", kubernetes]).output
    for index, (head, release) in enumerate(choices):
        assert (f"== {head} ==" in printed) is (len(choices) > 1)
        r = recommend(table, Version(kubernetes), runtime="containerd", runtime_version=release)
        assert r.snippet.startswith(f"version = {2 if release.major == 1 else 3}\n")
        report = run_check(tmp_path / str(index), r, kubernetes, str(release))
        assert not {"PL402", "PL406", "PL407"} & {f.rule for f in report.findings}, \
            report.findings
        assert rules_at_or_above(report, Severity.WARNING) == []
