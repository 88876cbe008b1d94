"""A wrapper's files are one node's files at the paths they are written to (issue 14).

Drop-in order, containerd imports and a systemd unit's drop-ins are decided by where a
file sits on the node, not by the wrapper it is held in: three CRI-O files in one
cloud-init are a crio.conf and two drop-ins applied by name, a config.toml's
``imports`` glob finds the conf.d file written beside it, and a Butane unit's drop-in
clears its ExecStart. Each case is checked against the same files laid out as a node
folder, which the readers already get right, so the wrapper must say the same thing
with locations in the wrapper. Nothing a wrapper's node names but does not write is
read from the machine running pauselint.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
from click.testing import CliRunner

from pauselint.cli import main

SCHEMA = json.loads((Path(__file__).resolve().parents[1] / "schemas" / "show.schema.json")
                    .read_text())


def run(*args: str) -> dict:
    result = CliRunner().invoke(main, [*args[:1], "--no-config", "-o", "json", "-k", "1.31",
                                       *args[1:]])
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.output)


def cloud_init(files: dict[str, str]) -> str:
    """A #cloud-config writing ``files`` (path: text) in the order given, plainly."""
    lines = ["#cloud-config", "write_files:"]
    for path, text in files.items():
        lines += [f"  - path: {path}", "    content: |"]
        lines += [f"      {line}" for line in text.splitlines()]
    return "\n".join(lines) + "\n"


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def as_node_folder(root: Path, files: dict[str, str]) -> Path:
    for path, text in files.items():
        target = root / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    return root


def without_places(doc: dict) -> list[tuple[str, str, str]]:
    """Findings with every place (``path:line``) in their messages taken out."""
    return sorted((f["rule"], f["severity"], re.sub(r"\S+:\d+", "<place>", f["message"]))
                  for f in doc["findings"])


CRIO = {
    "/etc/crio/crio.conf": '[crio.image]\npause_image = "registry.k8s.io/pause:3.6"\n',
    # Written before 05-: CRI-O still applies drop-ins by name, so 10- wins.
    "/etc/crio/crio.conf.d/10-site.conf":
        '[crio.image]\npause_image = "registry.k8s.io/pause:3.10"\n',
    "/etc/crio/crio.conf.d/05-base.conf":
        '[crio.image]\npause_image = "registry.k8s.io/pause:3.7"\n',
}


def test_crio_drop_ins_in_one_wrapper_apply_by_their_node_names(tmp_path: Path) -> None:
    text = cloud_init(CRIO)
    wrapper = tmp_path / "user-data.yaml"
    wrapper.write_text(text)
    [node] = run("show", str(wrapper))["nodes"]
    [runtime] = node["runtimes"]
    assert runtime["sandbox_image"]["value"] == "registry.k8s.io/pause:3.10"
    assert runtime["sandbox_image"]["line"] == line_of(text, "pause:3.10")
    assert runtime["written_to"] == ["/etc/crio/crio.conf", "/etc/crio/crio.conf.d/05-base.conf",
                                     "/etc/crio/crio.conf.d/10-site.conf"]
    assert {v["line"] for v in runtime["overridden"]} == {line_of(text, "pause:3.6"),
                                                         line_of(text, "pause:3.7")}
    assert [(f["written_to"], f["role"]) for f in node["files"]] == [
        ("/etc/crio/crio.conf", "main"), ("/etc/crio/crio.conf.d/10-site.conf", "drop-in"),
        ("/etc/crio/crio.conf.d/05-base.conf", "drop-in")]
    jsonschema.validate({"schema": 1, "nodes": [node]}, SCHEMA)
    folder = as_node_folder(tmp_path / "node", CRIO)
    assert without_places(run("check", str(wrapper))) == without_places(run("check", str(folder)))


CONTAINERD = {
    "/etc/containerd/config.toml": (
        'version = 2\nimports = ["/etc/containerd/conf.d/*.toml"]\n'
        '[plugins."io.containerd.grpc.v1.cri"]\nsandbox_image = "registry.k8s.io/pause:3.6"\n'),
    "/etc/containerd/conf.d/pause.toml": (
        'version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n'
        'sandbox_image = "registry.k8s.io/pause:3.10"\n'),
}


def test_containerd_imports_resolve_among_the_wrappers_files(tmp_path: Path) -> None:
    text = cloud_init(CONTAINERD)
    wrapper = tmp_path / "user-data.yaml"
    wrapper.write_text(text)
    [node] = run("show", str(wrapper))["nodes"]
    [runtime] = node["runtimes"]
    assert runtime["sandbox_image"]["value"] == "registry.k8s.io/pause:3.10"
    assert runtime["sandbox_image"]["line"] == line_of(text, "pause:3.10")
    assert runtime["written_to"] == list(CONTAINERD)
    assert [r["sandbox_image"] for r in runtime["releases"]] == (
        ["registry.k8s.io/pause:3.10"] * len(runtime["releases"]))
    folder = as_node_folder(tmp_path / "node", CONTAINERD)
    assert without_places(run("check", str(wrapper))) == without_places(run("check", str(folder)))


def test_an_import_the_wrapper_does_not_write_is_not_read_from_this_machine(
        tmp_path: Path) -> None:
    host_file = tmp_path / "host" / "pause.toml"
    host_file.parent.mkdir()
    host_file.write_text('version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n'
                         'sandbox_image = "registry.example.com/leaked:1.0"\n')
    wrapper = tmp_path / "user-data.yaml"
    wrapper.write_text(cloud_init({"/etc/containerd/config.toml": (
        f'version = 2\nimports = ["{host_file}", "{host_file.parent}/*.toml"]\n'
        '[plugins."io.containerd.grpc.v1.cri"]\nsandbox_image = "registry.k8s.io/pause:3.10"\n')}))
    out = CliRunner().invoke(main, ["show", "--no-config", "-k", "1.31", str(wrapper)]).output
    assert "leaked" not in out
    doc = run("show", str(wrapper))
    [runtime] = doc["nodes"][0]["runtimes"]
    assert runtime["sandbox_image"]["value"] == "registry.k8s.io/pause:3.10"
    assert runtime["files"] == [str(wrapper)]


KUBELET = {
    "/etc/default/kubelet":
        "KUBELET_EXTRA_ARGS=--pod-infra-container-image=registry.k8s.io/pause:3.6\n",
    "/etc/systemd/system/kubelet.service": (
        "[Service]\nEnvironmentFile=-/etc/default/kubelet\n"
        "ExecStart=/usr/bin/kubelet $KUBELET_EXTRA_ARGS "
        "--pod-infra-container-image=registry.k8s.io/pause:3.5\n"),
    "/etc/systemd/system/kubelet.service.d/10-clear.conf":
        "[Service]\nExecStart=\nExecStart=/usr/bin/kubelet $KUBELET_EXTRA_ARGS\n",
    "/etc/containerd/config.toml": ('version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n'
                                    'sandbox_image = "registry.k8s.io/pause:3.10"\n'),
}


def butane() -> str:
    """A Butane config holding KUBELET's files: the unit and its drop-in as systemd
    units, the others as storage files (the shape Flatcar users write)."""
    unit, dropin = KUBELET["/etc/systemd/system/kubelet.service"], KUBELET[
        "/etc/systemd/system/kubelet.service.d/10-clear.conf"]

    def block(text: str, indent: int) -> list[str]:
        return [" " * indent + line for line in text.splitlines()]

    lines = ["variant: flatcar", "version: 1.0.0", "systemd:", "  units:",
             "    - name: kubelet.service", "      contents: |", *block(unit, 8),
             "      dropins:", "        - name: 10-clear.conf", "          contents: |",
             *block(dropin, 12), "storage:", "  files:"]
    for path in ("/etc/default/kubelet", "/etc/containerd/config.toml"):
        lines += [f"    - path: {path}", "      contents:", "        inline: |",
                  *block(KUBELET[path], 10)]
    return "\n".join(lines) + "\n"


def test_a_units_drop_in_in_the_same_wrapper_is_merged_with_it(tmp_path: Path) -> None:
    text = butane()
    wrapper = tmp_path / "node.bu"
    wrapper.write_text(text)
    [node] = run("show", str(wrapper))["nodes"]
    kubelet = node["kubelet"]
    # The drop-in cleared the unit's command; the env file's flag is the one in effect.
    assert kubelet["pod_infra_container_image"] == "registry.k8s.io/pause:3.6"
    assert kubelet["pod_infra_container_image_at"]["line"] == line_of(text, "KUBELET_EXTRA_ARGS=")
    assert {f["written_to"]: f["role"] for f in node["files"]} == {
        "/etc/default/kubelet": "env-file", "/etc/containerd/config.toml": "main",
        "/etc/systemd/system/kubelet.service": "unit",
        "/etc/systemd/system/kubelet.service.d/10-clear.conf": "drop-in"}
    doc = run("check", str(wrapper))
    folder = as_node_folder(tmp_path / "node", KUBELET)
    assert without_places(doc) == without_places(run("check", str(folder)))
    # Every finding points at the flag's own text in the Butane file.
    for finding in doc["findings"]:
        line = text.splitlines()[finding["line"] - 1]
        assert line[finding["column"] - 1:].startswith("registry.k8s.io/pause:3.")


def test_an_env_file_the_wrapper_does_not_write_is_not_read_from_this_machine(
        tmp_path: Path) -> None:
    host_env = tmp_path / "host-kubelet.env"
    host_env.write_text("EXTRA=--pod-infra-container-image=registry.example.com/leaked:1.0\n")
    wrapper = tmp_path / "node.bu"
    wrapper.write_text(
        "variant: fcos\nversion: 1.5.0\nsystemd:\n  units:\n    - name: kubelet.service\n"
        "      contents: |\n        [Service]\n"
        f"        EnvironmentFile={host_env}\n"
        "        ExecStart=/usr/bin/kubelet $EXTRA\n")
    out = CliRunner().invoke(main, ["show", "--no-config", "-k", "1.31", str(wrapper)]).output
    assert "leaked" not in out, out


def test_a_path_written_twice_holds_the_last_write(tmp_path: Path) -> None:
    """cloud-init writes write_files in order: the second config.toml is the node's
    (found by review; the first copy was read)."""
    first = CONTAINERD["/etc/containerd/conf.d/pause.toml"].replace("3.10", "3.6")
    text = ("#cloud-config\nwrite_files:\n"
            + "".join("  - path: /etc/containerd/config.toml\n    content: |\n"
                      + "".join(f"      {line}\n" for line in body.splitlines())
                      for body in (first, CONTAINERD["/etc/containerd/conf.d/pause.toml"])))
    wrapper = tmp_path / "user-data.yaml"
    wrapper.write_text(text)
    [node] = run("show", str(wrapper))["nodes"]
    [runtime] = node["runtimes"]
    assert runtime["sandbox_image"]["value"] == "registry.k8s.io/pause:3.10"
    assert runtime["sandbox_image"]["line"] == line_of(text, "pause:3.10")


def test_encoded_content_with_two_sandbox_keys_gives_the_one_the_release_reads(
        tmp_path: Path) -> None:
    """Every value of a base64 text sits at the text's one place, so the value the
    release reads must be told apart by its key, not its place (found by review: the
    ignored pinned_images key of a version 2 file won)."""
    import base64

    config = ('version = 2\n[plugins."io.containerd.cri.v1.images".pinned_images]\n'
              '  sandbox = "registry.k8s.io/pause:3.6"\n[plugins."io.containerd.grpc.v1.cri"]\n'
              '  sandbox_image = "registry.k8s.io/pause:3.10"\n')
    encoded = tmp_path / "encoded.yaml"
    encoded.write_text("#cloud-config\nwrite_files:\n  - path: /etc/containerd/config.toml\n"
                       "    encoding: b64\n"
                       f"    content: {base64.b64encode(config.encode()).decode()}\n")
    plain = tmp_path / "plain.yaml"
    plain.write_text(cloud_init({"/etc/containerd/config.toml": config}))

    def image(path: Path, release: str) -> str:
        result = CliRunner().invoke(main, ["show", "--no-config", "-o", "json",
                                           "--runtime-version", f"containerd={release}",
                                           str(path)])
        [runtime] = json.loads(result.output)["nodes"][0]["runtimes"]
        return runtime["sandbox_image"]["value"]

    for release in ("1.7.20", "2.1.0"):
        assert image(encoded, release) == image(plain, release), release
    assert image(encoded, "1.7.20") == "registry.k8s.io/pause:3.10"
