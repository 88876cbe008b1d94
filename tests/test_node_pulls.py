"""A node's pull path from its own files, and `show`'s ``pull path:`` line (issue 15).

The registry host files are node files: read (their errors reported), listed by
`show`, never a node of their own and never a change to the sandbox image. The pull
path of a node is ``pauselint.pullpath``'s answer for the files the node really has:
the registry table of the config containerd loads, the hosts.toml folders its
``config_path`` names (looked up under the node root when not among the inputs), a
wrapper's files at the paths they are written to, CRI-O's registries.conf and drop-ins.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from pauselint import engine
from pauselint.cli import main
from pauselint.compat import load_table
from pauselint.imageref import parse_image
from pauselint.inputs import collect
from pauselint.model import Component, Location, NodeFacts
from pauselint.node_pulls import pull_path_for
from pauselint.pullpath import PullPath, containerd_pull_path, render
from pauselint.reading import group_root, read_inputs
from pauselint.report.show import render_show

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "sources" / "data" / "hosts"
NODE = DATA / "containerd"
CERTS = "etc/containerd/certs.d"
TABLE = load_table()
SCHEMA = json.loads((REPO / "tests" / "schemas" / "show.schema.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def node_of(paths: list[Path | str], release: str | None = None,
            runtime: Component = Component.CONTAINERD):
    """The one runtime node of ``paths`` (read as check reads them), its group's files
    and root -- what the engine's online phase hands pull_path_for."""
    runtimes = engine.runtime_infos(((runtime, release),) if release else ())
    read = read_inputs(collect([str(p) for p in paths]), None, None)
    groups, errors = engine.build_groups(read, None, runtimes, TABLE)
    [(group, nodes)] = groups.items()
    [node] = [n for n in nodes if n.runtime is not None]
    configs = [c.config for c in read.configs if c.group == group]
    return node, configs, group_root(group, None), errors


def pulled(paths: list[Path | str], image: str, release: str | None = "1.7.24",
           runtime: Component = Component.CONTAINERD) -> PullPath | None:
    node, configs, root, _ = node_of(paths, release, runtime)
    return pull_path_for(node, parse_image(image), configs, root, release=release)


def hosts(path: PullPath) -> list[str]:
    return [e.host for e in path.endpoints]


def show(paths: list[Path | str], *args: str, fmt: str = "text") -> str:
    result = CliRunner().invoke(main, ["show", "--no-config", "-o", fmt, *args,
                                       *(str(p) for p in paths)])
    assert result.exit_code == 0, result.output
    if fmt == "json":
        VALIDATOR.validate(json.loads(result.output))
    return result.output


def pull_lines(text: str) -> list[str]:
    """The ``pull path:`` line and the lines under it (passed over, notes)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("    pull path: "))
    end = start + 1
    while end < len(lines) and lines[end].startswith("      "):
        end += 1
    return lines[start:end]


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    return root


V2_SANDBOX = ('version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n'
              '  sandbox_image = "registry.k8s.io/pause:3.9"\n')
CONFIG_PATH = ('[plugins."io.containerd.grpc.v1.cri".registry]\n'
               '  config_path = "/etc/containerd/certs.d"\n')
MIRROR = 'server = "https://registry.k8s.io"\n[host."https://mirror.local"]\n' \
         '  capabilities = ["pull", "resolve"]\n'


# --- containerd -------------------------------------------------------------------------


def test_the_fixture_node_pulls_through_its_hosts_toml() -> None:
    path = pulled([NODE], "registry.k8s.io/pause:3.9")
    hosts_toml = str(NODE / CERTS / "registry.k8s.io/hosts.toml")
    assert [(e.host, e.origin, e.location) for e in path.endpoints] == [
        ("mirror.local", "hosts.toml", Location(hosts_toml, 3, 7)),
        ("registry.k8s.io", "server", Location(hosts_toml, 1, 10))]
    assert path.passed_over[0].location == Location(hosts_toml, 7, 7)


def test_the_release_decides_a_server_only_hosts_toml() -> None:
    """containerd 1.7.24 refuses a hosts.toml without [host]; 2.1.9 reads its server."""
    assert hosts(pulled([NODE], "docker.io/library/pause:3.9", "1.7.24")) == [
        "registry-1.docker.io"]
    assert hosts(pulled([NODE], "docker.io/library/pause:3.9", "2.1.9")) == [
        "docker-mirror.local"]


def test_without_a_release_the_one_the_node_was_read_as() -> None:
    node, configs, root, _ = node_of([NODE])
    release = node.read_as.split()[0]
    image = parse_image("docker.io/library/pause:3.9")
    assert pull_path_for(node, image, configs, root) == pull_path_for(
        node, image, configs, root, release=release)


def test_naming_only_the_config_finds_its_hosts_folders_on_the_node() -> None:
    """config_path names folders on the node: under a node root they are looked up
    whether or not they were among the inputs."""
    alone = pulled([NODE / "etc/containerd/config.toml"], "registry.k8s.io/pause:3.9")
    assert alone == pulled([NODE], "registry.k8s.io/pause:3.9")


def test_a_folder_with_certificates_only_is_found_on_the_node(tmp_path: Path) -> None:
    root = write(tmp_path / "n", {"etc/containerd/config.toml": V2_SANDBOX + CONFIG_PATH,
                                  f"{CERTS}/registry.k8s.io/ca.crt": "x\n"})
    path = pulled([root], "registry.k8s.io/pause:3.9")
    assert hosts(path) == ["registry.k8s.io"]
    assert path.notes == ("/etc/containerd/certs.d/registry.k8s.io has no hosts.toml: the "
                          "registry itself, with the folder's certificate files",)


def test_the_registry_table_of_an_import_counts(tmp_path: Path) -> None:
    root = write(tmp_path / "n", {
        "etc/containerd/config.toml":
            'version = 2\nimports = ["/etc/containerd/conf.d/*.toml"]\n'
            '[plugins."io.containerd.grpc.v1.cri"]\n  sandbox_image = "registry.k8s.io/pause:3.9"\n',
        "etc/containerd/conf.d/registry.toml": "version = 2\n" + CONFIG_PATH,
        f"{CERTS}/registry.k8s.io/hosts.toml": MIRROR})
    path = pulled([root], "registry.k8s.io/pause:3.9")
    assert hosts(path) == ["mirror.local", "registry.k8s.io"]
    assert path.notes == ()


def test_registry_tables_in_two_files_are_said(tmp_path: Path) -> None:
    root = write(tmp_path / "n", {
        "etc/containerd/config.toml":
            'version = 2\nimports = ["/etc/containerd/conf.d/*.toml"]\n' + CONFIG_PATH,
        "etc/containerd/conf.d/registry.toml":
            'version = 2\n[plugins."io.containerd.grpc.v1.cri".registry]\n'
            '  config_path = "/etc/docker/certs.d"\n',
        f"{CERTS}/registry.k8s.io/hosts.toml": MIRROR})
    path = pulled([root], "registry.k8s.io/pause:3.9")
    assert hosts(path) == ["registry.k8s.io"]  # the import's folder has no hosts.toml
    assert path.notes[0].startswith("registry settings in 2 files (")
    assert path.notes[0].endswith("): the last one loaded is used, how containerd merges "
                                  "them is not modelled")


def test_a_unicode_escaped_key_is_still_read(tmp_path: Path) -> None:
    """The quick test that spares a second parse must not miss a registry table whose
    keys are spelled with TOML escapes."""
    root = write(tmp_path / "n", {
        "etc/containerd/config.toml":
            V2_SANDBOX + '[plugins."io.containerd.grpc.v1.cri".registry]\n'
                         '  "\\u0063onfig_path" = "/etc/containerd/certs.d"\n',
        f"{CERTS}/registry.k8s.io/hosts.toml": MIRROR})
    assert hosts(pulled([root], "registry.k8s.io/pause:3.9")) == ["mirror.local",
                                                                  "registry.k8s.io"]


def test_no_registry_configuration_is_the_image_s_own_registry(tmp_path: Path) -> None:
    config = write(tmp_path, {"config.toml": V2_SANDBOX}) / "config.toml"
    path = pulled([config], "registry.k8s.io/pause:3.9")
    assert path == containerd_pull_path(parse_image("registry.k8s.io/pause:3.9"), "1.7.24",
                                        None, {})
    assert [e.manifest_url for e in path.endpoints] == [
        "https://registry.k8s.io/v2/pause/manifests/3.9"]


@pytest.mark.parametrize("spelling", ["bom", "cr-only", "stray-cr"])
def test_a_hosts_toml_only_go_toml_v1_reads_is_ignored_by_2x(tmp_path: Path,
                                                              spelling: str) -> None:
    """Seen with Debian's daemons pulling the sandbox image through such a file:
    1.6.20 and 1.7.24 ask its host, 2.1.9 the registry itself (its parser refuses a
    BOM and a CR that ends no CRLF, and loadHostDir then ignores the file)."""
    text = {"bom": "\ufeff" + MIRROR, "cr-only": MIRROR.replace("\n", "\r"),
            "stray-cr": MIRROR.replace("\n", "\r", 1)}[spelling]
    node = write(tmp_path, {"etc/containerd/config.toml": V2_SANDBOX + CONFIG_PATH,
                            f"{CERTS}/registry.k8s.io/hosts.toml": text})
    hosts_toml = str(node / CERTS / "registry.k8s.io/hosts.toml")
    old = pulled([node], "registry.k8s.io/pause:3.9", "1.7.24")
    # The header where an editor shows it: after the stray CR, on line 1.
    header = {"bom": (2, 7), "cr-only": (2, 7),
              "stray-cr": (1, len('server = "https://registry.k8s.io"\r') + 7)}[spelling]
    assert [(e.host, e.location) for e in old.endpoints] == [
        ("mirror.local", Location(hosts_toml, *header)),
        ("registry.k8s.io", Location(hosts_toml, 1, 10))]
    new = pulled([node], "registry.k8s.io/pause:3.9", "2.1.9")
    assert hosts(new) == ["registry.k8s.io"]
    (note,) = [n for n in new.notes if "is ignored by containerd 2.1.9" in n]
    assert ("UTF-8 BOM" if spelling == "bom" else "a line ends in CR alone") in note
    _, _, _, errors = node_of([node], "2.1.9")
    assert errors == []  # no error of the file: 1.x reads it


def test_a_refused_configuration_pulls_nothing(tmp_path: Path) -> None:
    """containerd 1.7 does not load a version 3 config: no endpoint at all."""
    config = write(tmp_path, {"config.toml": 'version = 3\n[plugins."io.containerd.cri.v1.images"]\n'
                                             '  pinned_images.sandbox = "r.io/pause:3.9"\n'}
                   ) / "config.toml"
    path = pulled([config], "r.io/pause:3.9")
    assert path.endpoints == ()
    assert path.refusal is not None and path.refusal.startswith(
        "the runtime refuses its configuration (")
    assert path.refusal_location.path == str(config)


def test_a_wrapper_s_hosts_toml_counts_at_its_node_path(tmp_path: Path) -> None:
    """Files held in a cloud-init are the node's at the paths they are written to, and
    nothing else is looked up: the machine running pauselint has no say."""
    text = "\n".join([
        "#cloud-config", "write_files:",
        "  - path: /etc/containerd/config.toml", "    content: |",
        *(f"      {line}" for line in (V2_SANDBOX + CONFIG_PATH).splitlines()),
        "  - path: /etc/containerd/certs.d/registry.k8s.io/hosts.toml", "    content: |",
        *(f"      {line}" for line in MIRROR.splitlines()), ""])
    wrapper = write(tmp_path, {"user-data.yaml": text}) / "user-data.yaml"
    path = pulled([wrapper], "registry.k8s.io/pause:3.9")
    header = next(i for i, line in enumerate(text.splitlines(), 1) if "[host." in line)
    assert [(e.host, e.location) for e in path.endpoints] == [
        ("mirror.local", Location(str(wrapper), header, 13)),
        ("registry.k8s.io", Location(str(wrapper), header - 1, 16))]


# --- CRI-O ------------------------------------------------------------------------------

CRIO_NODE = {
    "etc/crio/crio.conf": '[crio.image]\npause_image = "registry.k8s.io/pause:3.9"\n',
    "etc/containers/registries.conf":
        '[[registry]]\nlocation = "registry.k8s.io"\n'
        '[[registry.mirror]]\nlocation = "mirror.local/k8s"\n',
    "etc/containers/registries.conf.d/10-pause.conf":
        '[[registry]]\nprefix = "registry.k8s.io/pause"\nlocation = "pause-cache.local/pause"\n',
}


def test_crio_pulls_through_registries_conf_and_its_dropins(tmp_path: Path) -> None:
    root = write(tmp_path / "n", CRIO_NODE)
    path = pulled([root], "registry.k8s.io/pause:3.9", None, Component.CRIO)
    assert [(e.host, e.repository, e.location) for e in path.endpoints] == [
        ("pause-cache.local", "pause",
         Location(str(root / "etc/containers/registries.conf.d/10-pause.conf"), 3, 12))]
    coredns = pulled([root], "registry.k8s.io/coredns:1", None, Component.CRIO)
    assert [(e.host, e.repository) for e in coredns.endpoints] == [
        ("mirror.local", "k8s/coredns"), ("registry.k8s.io", "coredns")]


def test_crio_naming_only_crio_conf_reads_the_node_s_registries(tmp_path: Path) -> None:
    root = write(tmp_path / "n", CRIO_NODE)
    assert pulled([root / "etc/crio/crio.conf"], "registry.k8s.io/coredns:1", None,
                  Component.CRIO) == pulled([root], "registry.k8s.io/coredns:1", None,
                                            Component.CRIO)


def test_crio_without_registries_conf_asks_the_image_s_registry(tmp_path: Path) -> None:
    root = write(tmp_path / "n", {"etc/crio/crio.conf": CRIO_NODE["etc/crio/crio.conf"]})
    path = pulled([root], "registry.k8s.io/pause:3.9", None, Component.CRIO)
    assert [e.manifest_url for e in path.endpoints] == [
        "https://registry.k8s.io/v2/pause/manifests/3.9"]


def test_runtimes_whose_pull_path_is_not_modelled() -> None:
    image = parse_image("registry.k8s.io/pause:3.9")
    for runtime in (Component.K3S, Component.RKE2, Component.CRI_DOCKERD, None):
        assert pull_path_for(NodeFacts(None, runtime), image, (), None) is None


# --- node files, never a node of their own ------------------------------------------------


def test_hosts_files_make_no_node_and_change_no_sandbox_image(tmp_path: Path) -> None:
    bare = tmp_path / "bare"
    shutil.copytree(NODE, bare)
    shutil.rmtree(bare / CERTS)
    with_hosts, configs, _, _ = node_of([NODE], "1.7.24")
    without, _, _, _ = node_of([bare], "1.7.24")
    assert [f.path for f in with_hosts.files] == [str(NODE / "etc/containerd/config.toml")]
    assert with_hosts.effective_sandbox == without.effective_sandbox
    assert with_hosts.sandbox_settings == without.sandbox_settings
    assert sum(1 for c in configs if c.path.endswith("hosts.toml")) == 5


def test_check_reads_them_and_says_nothing_new(tmp_path: Path) -> None:
    bare = tmp_path / "containerd"
    shutil.copytree(NODE, bare)
    shutil.rmtree(bare / CERTS)

    def check(folder: Path) -> dict:
        result = CliRunner().invoke(main, ["check", "--no-config", "-o", "json", str(folder)])
        assert result.exit_code == 0, result.output
        return json.loads(result.output)

    full, plain = check(NODE), check(bare)
    assert full["summary"]["inputs"] == plain["summary"]["inputs"] + 5
    assert [(f["rule"], f["message"]) for f in full["findings"]] == [
        (f["rule"], f["message"].replace(str(bare), str(NODE))) for f in plain["findings"]]
    assert full["errors"] == plain["errors"] == []


def test_a_broken_hosts_toml_is_an_input_error_at_its_line(tmp_path: Path) -> None:
    root = write(tmp_path / "n", {"etc/containerd/config.toml": V2_SANDBOX + CONFIG_PATH,
                                  f"{CERTS}/r.io/hosts.toml":
                                      '[host."https://m"]\n  capabilities = ["fetch"]\n'})
    result = CliRunner().invoke(main, ["check", "--no-config", str(root)])
    assert result.exit_code == 2
    assert (f"{root}/{CERTS}/r.io/hosts.toml:2:18: error: unknown capability 'fetch' (pull, "
            "resolve or push): containerd ignores this hosts.toml and pulls from the registry "
            "itself") in result.output


# --- show ---------------------------------------------------------------------------------


def test_show_prints_the_fixture_s_pull_path() -> None:
    text = show([NODE], "--runtime-version", "containerd=1.7.24")
    entries = engine.describe_files(collect([str(NODE)]), engine.Options(
        runtimes=((Component.CONTAINERD, "1.7.24"),)), TABLE)
    image = entries[0]["runtimes"][0]["sandbox_image"]["value"]
    tag = parse_image(image).tag
    assert pull_lines(text) == [
        f"    pull path: {image} → https://mirror.local/v2/pause/manifests/{tag} (hosts.toml:3)"
        f" → https://registry.k8s.io/v2/pause/manifests/{tag} (hosts.toml:1)",
        f"      passed over: https://10.0.0.5:5000 ({NODE}/{CERTS}/registry.k8s.io/hosts.toml:7)"
        ": capabilities lack resolve (a tag pull needs pull and resolve)"]
    for kind, role in (("containerd-hosts", "registry-hosts"),):
        assert sum(f"({kind}, {role})" in line for line in text.splitlines()) == 5


def test_show_json_has_the_pull_path() -> None:
    [node] = json.loads(show([NODE], "--runtime-version", "containerd=2.1.9",
                             fmt="json"))["nodes"]
    [runtime] = node["runtimes"]
    pull = runtime["pull_path"]
    hosts_toml = f"{NODE}/{CERTS}/registry.k8s.io/hosts.toml"
    tag = parse_image(pull["image"]).tag
    assert pull["endpoints"] == [
        {"scheme": "https", "host": "mirror.local", "path": f"/v2/pause/manifests/{tag}",
         "namespace": "registry.k8s.io", "origin": "hosts.toml", "file": hosts_toml, "line": 3,
         "skip_verify": False, "http_fallback": False, "blocked": False},
        {"scheme": "https", "host": "registry.k8s.io", "path": f"/v2/pause/manifests/{tag}",
         "namespace": None, "origin": "server", "file": hosts_toml, "line": 1,
         "skip_verify": False, "http_fallback": False, "blocked": False}]
    assert pull["passed_over"] == [{"what": "https://10.0.0.5:5000", "file": hosts_toml,
                                    "line": 7, "why": "capabilities lack resolve (a tag pull "
                                    "needs pull and resolve)"}]
    assert (pull["notes"], pull["refusal"], pull["refusal_at"]) == ([], None, None)
    assert pull["text"] == pull_lines(show([NODE], "--runtime-version",
                                           "containerd=2.1.9"))[0].removeprefix(
        "    pull path: ")


def test_show_without_registry_configuration_prints_the_default(tmp_path: Path) -> None:
    config = write(tmp_path, {"config.toml": V2_SANDBOX}) / "config.toml"
    assert pull_lines(show([config], "--runtime-version", "containerd=1.7.24")) == [
        "    pull path: registry.k8s.io/pause:3.9 → "
        "https://registry.k8s.io/v2/pause/manifests/3.9 (default)"]
    root = write(tmp_path / "n", {"etc/crio/crio.conf": CRIO_NODE["etc/crio/crio.conf"]})
    assert pull_lines(show([root])) == [
        "    pull path: registry.k8s.io/pause:3.9 → "
        "https://registry.k8s.io/v2/pause/manifests/3.9 (default)"]


def test_show_crio_lists_its_registries_files(tmp_path: Path) -> None:
    root = write(tmp_path / "n", {**CRIO_NODE,
                                  "etc/containers/registries.conf.d/20-x.conf.rpmsave":
                                      '[[registry]]\nlocation = "x.io"\n'})
    text = show([root])
    assert f"    {root}/etc/containers/registries.conf  (registries-conf, registries)" in text
    assert (f"    {root}/etc/containers/registries.conf.d/10-pause.conf  "
            "(registries-conf, registries-drop-in)") in text
    assert (f"    {root}/etc/containers/registries.conf.d/20-x.conf.rpmsave  "
            "(registries-conf, not-read)") in text
    assert pull_lines(text) == [
        "    pull path: registry.k8s.io/pause:3.9 → "
        "https://pause-cache.local/v2/pause/manifests/3.9 (10-pause.conf:3)"]


def test_show_says_when_the_image_is_not_known_or_not_modelled(tmp_path: Path) -> None:
    """No version, no default: no pull path (the image is not known); k3s's
    registries.yaml is not read, so its pull path is the image's own registry."""
    config = write(tmp_path, {"config.toml": "version = 2\n"}) / "config.toml"
    assert "pull path:" not in show([config])
    k3s = write(tmp_path / "k", {"etc/rancher/k3s/config.yaml":
                                 'pause-image: "registry.k8s.io/pause:3.9"\n'})
    assert pull_lines(show([k3s])) == [
        "    pull path: registry.k8s.io/pause:3.9 → its own registry (k3s's mirror "
        "configuration is not read)"]
    [node] = json.loads(show([k3s], fmt="json"))["nodes"]
    assert node["runtimes"][0]["pull_path"] is None


def test_render_is_the_show_line() -> None:
    path = pulled([NODE], "registry.k8s.io/pause:3.9", "2.1.9")
    assert render(path).startswith("registry.k8s.io/pause:3.9 → https://mirror.local/")


@pytest.mark.parametrize("name", ["examples", "tests/sources/data/hosts"])
def test_every_node_s_entry_is_within_the_schema(name: str) -> None:
    for release in ((), ((Component.CONTAINERD, "1.7.24"),), ((Component.CONTAINERD, "2.2.0"),)):
        entries = engine.describe_files(collect([str(REPO / name)]),
                                        engine.Options(runtimes=release), TABLE)
        VALIDATOR.validate(json.loads(render_show(entries, "json")))


def test_host_folders_through_a_symlink_out_of_the_node_are_not_read(tmp_path) -> None:
    """A node folder whose certs.d is a link to this machine's folder: the machine's
    hosts.toml is not the node's, and is never read (found by review)."""
    import json

    from click.testing import CliRunner

    from pauselint.cli import main

    machine = tmp_path / "machine-certs" / "registry.k8s.io"
    machine.mkdir(parents=True)
    (machine / "hosts.toml").write_text(
        'server = "https://machine-mirror.example"\n[host."https://machine-mirror.example"]\n'
        '  capabilities = ["pull", "resolve"]\n')
    config = tmp_path / "node" / "etc" / "containerd" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n'
                      'sandbox_image = "registry.k8s.io/pause:3.10"\n'
                      '[plugins."io.containerd.grpc.v1.cri".registry]\n'
                      'config_path = "/etc/containerd/certs.d"\n')
    (config.parent / "certs.d").symlink_to(tmp_path / "machine-certs")
    result = CliRunner().invoke(main, ["show", "--no-config", "-o", "json",
                                       "--runtime-version", "containerd=1.7.24", str(config)])
    assert "machine-mirror" not in result.output
    [runtime] = json.loads(result.output)["nodes"][0]["runtimes"]
    assert [e["host"] for e in runtime["pull_path"]["endpoints"]] == ["registry.k8s.io"]


def test_a_talos_node_s_pull_path_is_not_modelled(tmp_path) -> None:
    """Talos writes containerd's config_path and its machine.registries mirrors
    itself; pauselint reads neither, so it says so instead of printing a direct pull
    path the node may not use (found by review)."""
    import json
    from pathlib import Path

    from click.testing import CliRunner

    from pauselint.cli import main

    worker = Path(__file__).parent / "sources" / "data" / "talos" / "worker-v3-part.yaml"
    result = CliRunner().invoke(main, ["show", "--no-config", "-o", "json", str(worker)])
    [runtime] = json.loads(result.output)["nodes"][0]["runtimes"]
    assert runtime["name"] == "containerd" and runtime["pull_path"] is None
