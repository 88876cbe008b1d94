"""Every example command in README.md is run for real (issue 11, "Tests").

A reader copies the README's commands first, so each one must run as printed: no
traceback, no "internal error", the exit code the README's exit-code table implies,
output that parses when it claims to be JSON or SARIF. The commands are parsed out of
the README rather than listed here, so an example added tomorrow is run tomorrow.

What a test machine cannot have -- `/etc/containerd/config.toml`, a `config.toml` in
the working folder, a `nodes/` tree, a `prod` kube context -- comes from the reviewed
tables below (`INPUT_FIXTURES`, `CONTEXT_FIXTURES`): each README path maps to small,
real-looking files written in a temporary working folder, and each context to a
stand-in API server (tests/cluster/apiserver.py, the one the cluster tests use with the
real `kubernetes` client). An example naming anything else fails, asking for a
mapping, so no unrunnable example goes in unnoticed.

Demo blocks (`$ pauselint ...` followed by output) are run from the repository, as
they were generated, and every line they show must appear in the real output, in
order (`...` stands for lines left out).
"""

from __future__ import annotations

import difflib
import json
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from pauselint.cli import main

REPO = Path(__file__).resolve().parents[2]
README_PATH = REPO / "README.md"
README = README_PATH.read_text(encoding="utf-8")

# tests/cluster is a package whose parent pytest puts on sys.path as `cluster`; do the
# same when this file runs alone, so both spellings import one module, not two.
if str(REPO / "tests") not in sys.path:
    sys.path.insert(0, str(REPO / "tests"))
from cluster.apiserver import KubeAPI, server_threads  # noqa: E402
from cluster.nodes import kubeadm_config_map, make_node  # noqa: E402

# --- reviewed inputs ----------------------------------------------------------------

# containerd 1.7 as a kubeadm guide leaves it: `containerd config default` trimmed to
# what matters, SystemdCgroup switched on, the sandbox image one minor behind.
CONTAINERD_1_7 = """\
version = 2
root = "/var/lib/containerd"
state = "/run/containerd"

[grpc]
  address = "/run/containerd/containerd.sock"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "registry.k8s.io/pause:3.9"

  [plugins."io.containerd.grpc.v1.cri".containerd]
    default_runtime_name = "runc"

    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"

      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = true
"""

# containerd 2.x: a version 3 file with the pinned sandbox image where 2.x reads it.
CONTAINERD_2 = """\
version = 3
root = "/var/lib/containerd"
state = "/run/containerd"

[plugins."io.containerd.cri.v1.images".pinned_images]
  sandbox = "registry.k8s.io/pause:3.10"

[plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc.options]
  SystemdCgroup = true
"""

# CRI-O as its packages ship it: crio.conf plus the 10-crio.conf drop-in.
CRIO_CONF = """\
[crio]
log_dir = "/var/log/crio/pods"

[crio.image]
pause_image = "registry.k8s.io/pause:3.9"

[crio.runtime]
cgroup_manager = "systemd"
"""
CRIO_DROP_IN = """\
[crio.image]
signature_policy = "/etc/crio/policy.json"

[crio.runtime]
default_runtime = "crun"

[crio.runtime.runtimes.crun]
runtime_path = "/usr/libexec/crio/crun"
runtime_root = "/run/crun"
monitor_path = "/usr/libexec/crio/conmon"
allowed_annotations = ["io.containerd.cri.v1.images"]
"""

KUBEADM_FLAGS = (
    'KUBELET_KUBEADM_ARGS="--container-runtime-endpoint=unix:///run/containerd/containerd.sock'
    ' --pod-infra-container-image=registry.k8s.io/pause:3.9"\n'
)
KUBEADM_CONFIG = """\
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
kubernetesVersion: v1.31.4
imageRepository: registry.k8s.io
networking:
  podSubnet: 10.244.0.0/16
"""

NODE1 = {
    "nodes/node1/etc/containerd/config.toml": CONTAINERD_1_7,
    "nodes/node1/var/lib/kubelet/kubeadm-flags.env": KUBEADM_FLAGS,
    "nodes/node1/etc/kubernetes/kubeadm-config.yaml": KUBEADM_CONFIG,
}
NODES = {
    **NODE1,
    "nodes/node2/etc/containerd/config.toml": CONTAINERD_2,
    "nodes/node2/etc/kubernetes/kubeadm-config.yaml": KUBEADM_CONFIG,
    "nodes/node3/etc/crio/crio.conf": CRIO_CONF,
    "nodes/node3/etc/crio/crio.conf.d/10-crio.conf": CRIO_DROP_IN,
}

# README input -> files written in the working folder. An absolute README path is run
# as the same path relative to the working folder (the host's own file is never read),
# so its files live under that relative path.
INPUT_FIXTURES: dict[str, dict[str, str]] = {
    "/etc/containerd/config.toml": {"etc/containerd/config.toml": CONTAINERD_1_7},
    "/etc/crio/": {"etc/crio/crio.conf": CRIO_CONF,
                   "etc/crio/crio.conf.d/10-crio.conf": CRIO_DROP_IN},
    "config.toml": {"config.toml": CONTAINERD_2},
    "nodes/": NODES,
    "nodes/node1/": NODE1,
    # `pauselint node --root /host`: a pod's view of a containerd node, no CRI socket
    # mounted (the command must say so and still check the files).
    "/host": {"host/etc/containerd/config.toml": CONTAINERD_1_7},
}


@dataclass(frozen=True)
class ClusterFixture:
    """What the stand-in API server behind one README context serves."""

    server_version: str
    nodes: tuple[dict[str, Any], ...]
    image_repository: str = "registry.k8s.io"


# README context -> its cluster. The kubeconfig's current context is the first one.
CONTEXT_FIXTURES: dict[str, ClusterFixture] = {
    "prod": ClusterFixture("v1.31.4", (
        make_node("prod-a1"),
        make_node("prod-a2", arch="arm64"),
        make_node("prod-a3", pause_images=("registry.k8s.io/pause:3.9",)),  # drift
    )),
    "staging": ClusterFixture("v1.32.2", (
        make_node("staging-1", kubelet="v1.32.2", runtime="containerd://2.0.4"),
        make_node("staging-2", kubelet="v1.32.2", runtime="cri-o://1.32.1"),
    )),
}

# Programs a README pipeline may feed pauselint from; their arguments are inputs too.
PIPE_SOURCES = {"cat"}

# What each verb may exit with, from the README's exit-code table: checks exit 1 on
# findings; everything else prints what it was asked for and exits 0.
EXIT_CODES = {"check": {0, 1}, "cluster": {0, 1}, "node": {0, 1}}
DEFAULT_EXIT_CODES = {0}
# Commands that ask public registries (--online, `registry`) run as written; where the
# machine cannot reach them (CI, this sandbox) they must end with exit 2 and a reason
# naming the registry -- never a traceback, never a hang (tests/online runs them
# against real local registries).
REGISTRY_FAILURES = ("does not resolve", "did not resolve", "connection refused",
                     "no answer within", "TLS", "could not be reached", "unreachable")
SEVERITIES = ("info", "warning", "error")

# --- reading the README ---------------------------------------------------------------


@dataclass(frozen=True)
class Command:
    """One example command: the pipeline segments and where the README has it."""

    segments: tuple[tuple[str, ...], ...]
    line: int
    demo: bool  # written as `$ pauselint ...`, so run where the demo was made

    @property
    def text(self) -> str:
        return " | ".join(shlex.join(segment) for segment in self.segments)

    @property
    def pauselint(self) -> tuple[str, ...]:
        return next(s for s in self.segments if s[0] == "pauselint")


@dataclass(frozen=True)
class Demo:
    """A `$ pauselint ...` line and the output lines the README shows after it."""

    command: Command
    shown: tuple[str, ...]


def fenced_blocks(text: str) -> Iterator[tuple[int, list[str]]]:
    """Yield (line number of the first content line, lines) for each fenced block."""
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        opening = re.match(r"\s*(`{3,}|~{3,})", lines[index])
        if not opening:
            index += 1
            continue
        fence = opening.group(1)
        body_start = index + 1
        index = body_start
        while index < len(lines) and not lines[index].strip().startswith(fence):
            index += 1
        yield body_start + 1, lines[body_start:index]
        index += 1


def _strip_comment(line: str) -> str:
    """The line without its `# comment`, as bash reads it: a `#` starts one only at the
    start of a word and outside quotes (shlex would cut `a#b` too)."""
    quote = None
    for index, char in enumerate(line):
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or line[index - 1].isspace()):
            return line[:index]
    return line


def _tokens(line: str) -> list[str]:
    """Shell words of a line, `# comments` dropped, `|`, `&&`, `;` as their own words."""
    lexer = shlex.shlex(_strip_comment(line), posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    lexer.commenters = ""
    return list(lexer)


def _commands_in(line: str, number: int) -> list[Command]:
    """The pauselint commands on one code line (none if it does not run pauselint)."""
    stripped = line.strip()
    demo = stripped.startswith("$ ")
    if demo:
        stripped = stripped[2:]
    if not (stripped.startswith("pauselint ") or "| pauselint " in stripped
            or "&& pauselint " in stripped):
        return []
    found, current, segments = [], [], []
    for token in [*_tokens(stripped), "&&"]:
        if token in ("&&", ";", "||"):
            segments.append(tuple(current))
            if any(segment and segment[0] == "pauselint" for segment in segments):
                found.append(Command(tuple(segments), number, demo))
            current, segments = [], []
        elif token == "|":
            segments.append(tuple(current))
            current = []
        else:
            current.append(token)
    return found


def readme_commands(text: str = README) -> list[Command]:
    """Every example command of the README, in order, each once (a demo's copy wins)."""
    commands: dict[str, Command] = {}
    for start, lines in fenced_blocks(text):
        for offset, line in enumerate(lines):
            for command in _commands_in(line, start + offset):
                seen = commands.get(command.text)
                if seen is None or (command.demo and not seen.demo):
                    commands[command.text] = command
    return list(commands.values())


def readme_demos(text: str = README) -> list[Demo]:
    """Each `$ pauselint ...` line followed by output lines, with those lines."""
    demos = []
    for start, lines in fenced_blocks(text):
        index = 0
        while index < len(lines):
            commands = _commands_in(lines[index], start + index)
            index += 1
            if not (commands and commands[0].demo):
                continue
            shown_start = index
            while index < len(lines) and not lines[index].startswith("$ "):
                index += 1
            shown = tuple(lines[shown_start:index])
            if any(line.strip() for line in shown):
                demos.append(Demo(commands[0], shown))
    return demos


# tests/cli/test_readme.py compares the first `$ pauselint show` block with the real
# output byte for byte; that block is left to it, and only that one.
SHOW_CHECKED_BY_TEST_README = (
    "pauselint " + shlex.join(
        ["show", *README.split("$ pauselint show ", 1)[1].split("\n", 1)[0].split()])
    if "$ pauselint show " in README else None)


def test_the_readme_is_read_for_its_commands() -> None:
    # The extraction itself: a README whose examples went unnoticed would make every
    # other test here pass vacuously.
    sample = (
        "```sh\n"
        "python3 -m venv .venv && pip install . && pauselint check -k 1.31 examples/\n"
        "pauselint rules            # every rule\n"
        "cat config.toml | pauselint check - --type containerd\n"
        "pip install pauselint\n"
        "```\n"
        "```\n$ pauselint show x\nnode x\n  ...\n...\n```\n"
    )
    assert [c.text for c in readme_commands(sample)] == [
        "pauselint check -k 1.31 examples/",
        "pauselint rules",
        "cat config.toml | pauselint check - --type containerd",
        "pauselint show x",
    ]
    assert [(d.command.text, d.shown) for d in readme_demos(sample)] == [
        ("pauselint show x", ("node x", "  ...", "..."))]
    texts = [c.text for c in readme_commands()]
    assert "pauselint check --kubernetes-version 1.31 examples/" in texts  # the first one
    assert len(texts) >= 15, texts


# --- running ----------------------------------------------------------------------------


@dataclass
class Outcome:
    """What running one command gave, or why it could not be run."""

    command: Command
    problem: str | None = None
    argv: str = ""
    cwd: Path | None = None
    returncode: int = -1
    stdout: str = ""
    stderr: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    verb: str | None = None


def _parse(args: tuple[str, ...]) -> tuple[str | None, click.Command, dict[str, Any]]:
    """pauselint's own reading of a command line: verb, its click command, its params."""
    known = main.list_commands(click.Context(main))
    verb = args[0] if args and args[0] in known else None
    command = main.get_command(click.Context(main), verb) if verb else main
    context = command.make_context(verb or "pauselint", list(args[1:] if verb else args),
                                   resilient_parsing=True)
    return verb, command, context.params


def _input_values(command: click.Command, params: dict[str, Any]) -> list[str]:
    """The paths a command line makes pauselint read: its arguments and Path options."""
    values: list[str] = []
    for param in command.params:
        if param.name not in params or params[param.name] in (None, (), []):
            continue
        if param.name == "paths" or isinstance(param.type, click.Path):
            value = params[param.name]
            values.extend(value if isinstance(value, (list, tuple)) else [value])
    return [str(value) for value in values if str(value) != "-"]


def _prepare(command: Command, work: Path) -> tuple[list[str], str | None]:
    """Write the fixtures the command names into `work`; the argv to run, or a problem.

    A demo runs in the repository itself, so it may name only what the repository
    has, and write nothing there.
    """
    verb, click_command, params = _parse(command.pauselint[1:])
    named = _input_values(click_command, params)
    if command.demo and params.get("output_path"):
        return [], (f"README line {command.line}: the demo `{command.text}` would write "
                    f"into the repository; show it without --output-file")
    for segment in command.segments:
        if segment[0] in PIPE_SOURCES:
            named.extend(word for word in segment[1:] if not word.startswith("-"))
        elif segment[0] != "pauselint":
            return [], (f"README line {command.line}: `{command.text}` pipes from "
                        f"`{segment[0]}`; add it to PIPE_SOURCES (or a fixture) in {__name__}")
    if verb == "cluster":
        unknown = [c for c in params.get("contexts") or () if c not in CONTEXT_FIXTURES]
        if unknown:
            return [], (f"README line {command.line}: `{command.text}` names kube context(s) "
                        f"{unknown}; add them to CONTEXT_FIXTURES in {__name__}")
    for name in named:
        if command.demo:
            if Path(name).is_absolute() or not (REPO / name).exists():
                return [], (f"README line {command.line}: the demo `{command.text}` names "
                            f"{name!r}, which the repository does not have; demos are run "
                            f"from the repository, so show one on examples/")
            continue
        if name in INPUT_FIXTURES:
            for relative, content in INPUT_FIXTURES[name].items():
                target = work / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(content, encoding="utf-8")
        elif Path(name).is_absolute() or not (work / name).exists():
            return [], (f"README line {command.line}: `{command.text}` needs {name!r}, which a "
                        f"test machine does not have; add a mapping for it to "
                        f"INPUT_FIXTURES in {__name__}")
    rewritten = [tuple(word.lstrip("/") if word in INPUT_FIXTURES and word.startswith("/")
                       else word for word in segment) for segment in command.segments]
    script = " | ".join(shlex.join(segment) for segment in rewritten)
    return ["bash", "-o", "pipefail", "-c", script], None


def _bin_dir(tmp: Path) -> Path:
    """A folder whose `pauselint` is this interpreter's: its entry point if installed."""
    installed = Path(sys.executable).parent / "pauselint"
    if installed.is_file() and os.access(installed, os.X_OK):
        return installed.parent
    shim = tmp / "bin" / "pauselint"
    shim.parent.mkdir(parents=True, exist_ok=True)
    shim.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -m pauselint "$@"\n')
    shim.chmod(0o755)
    return shim.parent


def _start_clusters(tmp: Path) -> tuple[list[KubeAPI], Path]:
    """One stand-in API server per README context, and a kubeconfig naming them all."""
    servers: dict[str, KubeAPI] = {}
    for name, cluster in CONTEXT_FIXTURES.items():
        api = KubeAPI(tmp / f"kube-api-{name}").start()
        servers[name] = api
        api.server_version = cluster.server_version
        api.set_nodes(list(cluster.nodes))
        api.configmaps["kubeadm-config"] = kubeadm_config_map(
            cluster.server_version, cluster.image_repository)
    first = next(iter(servers))
    kubeconfig = servers[first].write_kubeconfig(
        tmp / "kubeconfig",
        contexts={name: {"server": api.url, "certificate_authority": api.ca_path,
                         "token": api.token} for name, api in servers.items()},
        current_context=first)
    # write_kubeconfig always adds its own "test" context; `--all-contexts` is to find
    # exactly the README's.
    config = yaml.safe_load(kubeconfig.read_text(encoding="utf-8"))
    for section in ("clusters", "users", "contexts"):
        config[section] = [entry for entry in config[section] if entry["name"] != "test"]
    kubeconfig.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return list(servers.values()), kubeconfig


def _work_folder(path: Path) -> Path:
    """A fresh working folder with the repository's examples/ in it, as in a checkout."""
    path.mkdir(exist_ok=True)
    (path / "examples").symlink_to(REPO / "examples", target_is_directory=True)
    return path


def _run(command: Command, tmp: Path, env: dict[str, str], number: int) -> Outcome:
    work = REPO if command.demo else _work_folder(tmp / f"work-{number:02d}")
    outcome = Outcome(command, cwd=work)
    try:
        outcome.verb, _, outcome.params = _parse(command.pauselint[1:])
    except click.ClickException as exc:
        outcome.problem = f"README line {command.line}: `{command.text}`: {exc.format_message()}"
        return outcome
    argv, outcome.problem = _prepare(command, work)
    if outcome.problem:
        return outcome
    outcome.argv = argv[-1]
    result = subprocess.run(argv, cwd=work, env=env, capture_output=True, text=True,
                            stdin=subprocess.DEVNULL, timeout=60, check=False)
    outcome.returncode, outcome.stdout, outcome.stderr = (
        result.returncode, result.stdout, result.stderr)
    return outcome


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Outcome]]:
    """Run every README command once, concurrently, and keep what each gave."""
    tmp = tmp_path_factory.mktemp("readme-commands")
    commands = readme_commands()
    servers: list[KubeAPI] = []
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("PAUSELINT_", "KUBE"))}
    env.update(NO_COLOR="1", HOME=str(tmp / "home"),
               PATH=f"{_bin_dir(tmp)}{os.pathsep}{os.environ.get('PATH', '')}")
    (tmp / "home").mkdir()
    try:
        if any(c.pauselint[1:2] == ("cluster",) for c in commands):
            servers, kubeconfig = _start_clusters(tmp)
            env["KUBECONFIG"] = str(kubeconfig)
        with ThreadPoolExecutor(max_workers=4) as pool:
            results = list(pool.map(lambda n_c: _run(n_c[1], tmp, env, n_c[0]),
                                    enumerate(commands)))
    finally:
        for api in servers:
            api.close()
    for api in servers:
        assert api.server_errors == []
        assert {r.method for r in api.requests} <= {"GET"}
    assert server_threads() == []
    yield {outcome.command.text: outcome for outcome in results}


@pytest.mark.parametrize(("line", "asks_for"), [
    ("pauselint check /srv/nodes/ -k 1.31", "INPUT_FIXTURES"),
    ("pauselint check fleet/node7/", "INPUT_FIXTURES"),
    ("pauselint check --config /etc/pauselint.yaml examples/", "INPUT_FIXTURES"),
    ("pauselint cluster --context dev --context prod", "CONTEXT_FIXTURES"),
    ("kubectl get cm kubeadm-config -n kube-system -o yaml | pauselint check -",
     "PIPE_SOURCES"),
    ("cat /etc/crio/crio.conf | pauselint check - --type cri-o", "INPUT_FIXTURES"),
    ("$ pauselint check config.toml", "demos are run from the repository"),
    ("$ pauselint check -o json --output-file r.json examples/", "without --output-file"),
])
def test_an_example_without_a_mapping_fails_asking_for_one(
        tmp_path: Path, line: str, asks_for: str) -> None:
    [command] = _commands_in(line, 7)
    argv, problem = _prepare(command, _work_folder(tmp_path))
    assert argv == [] and problem is not None
    assert asks_for in problem and "README line 7" in problem


def test_an_absolute_path_runs_on_its_fixture_never_the_host(tmp_path: Path) -> None:
    [command] = _commands_in("pauselint check -k 1.31 /etc/containerd/config.toml examples/", 1)
    argv, problem = _prepare(command, _work_folder(tmp_path))
    assert problem is None
    assert argv[-1] == "pauselint check -k 1.31 etc/containerd/config.toml examples/"
    assert (tmp_path / "etc/containerd/config.toml").read_text() == CONTAINERD_1_7


def test_demo_lines_must_appear_in_order() -> None:
    finding = "a.toml:6:19: error PL401 ignored-setting: ... is ignored"
    actual = ["node a:", finding, "    fix: move it", "", "node b:", "1 file checked"]
    assert _missing_in_order(("node a:", "...", "node b:", "1 file checked"), actual) == []
    assert len(_missing_in_order(("node b:", "node a:"), actual)) == 1
    [missing] = _missing_in_order(("node a:", finding + "; use x", "node b:"), actual)
    assert missing == f"  README: {finding}; use x\n  nearest real line: {finding}"


def _described(outcome: Outcome) -> str:
    return (f"README line {outcome.command.line}: `{outcome.command.text}` "
            f"(ran `{outcome.argv}` in {outcome.cwd}) exited {outcome.returncode}\n"
            f"--- stdout ---\n{outcome.stdout[-4000:]}\n--- stderr ---\n{outcome.stderr[-4000:]}")


def _output_format(outcome: Outcome) -> str:
    return str(outcome.params.get("output_format") or "text")


def _counts(outcome: Outcome, report: str) -> tuple[int, ...] | None:
    """(info, warning, error) counts the report states, or None if it states none."""
    if _output_format(outcome) == "json":
        summary = json.loads(report).get("summary", {})
        return tuple(int(summary.get(severity, 0)) for severity in SEVERITIES)
    if _output_format(outcome) == "text":
        match = re.search(r"(\d+) errors?, (\d+) warnings?, (\d+) info", report)
        if match:
            error, warning, info = (int(n) for n in match.groups())
            return info, warning, error
    return None


COMMANDS = readme_commands()


@pytest.mark.parametrize("text", [c.text for c in COMMANDS])
def test_readme_command_runs(outcomes: dict[str, Outcome], text: str) -> None:
    outcome = outcomes[text]
    if outcome.problem:
        pytest.fail(outcome.problem, pytrace=False)
    described = _described(outcome)
    for stream in (outcome.stdout, outcome.stderr):
        assert "Traceback (most recent call last)" not in stream, described
        assert "internal error" not in stream, described
    allowed = EXIT_CODES.get(outcome.verb or "", DEFAULT_EXIT_CODES)
    if _asks_registries(outcome) and outcome.returncode == 2:
        said = outcome.stdout + outcome.stderr
        assert any(reason in said for reason in REGISTRY_FAILURES), described
        return  # offline here: the registry's answer, not the exit-code table, decided
    assert outcome.returncode in allowed, described

    output_file = outcome.params.get("output_path")
    quiet = outcome.params.get("quiet")
    if output_file:
        target = outcome.cwd / output_file
        assert target.is_file(), f"--output-file {output_file} was not written\n{described}"
        report = target.read_text(encoding="utf-8")
    else:
        report = outcome.stdout
    if not quiet:
        assert report.strip(), f"nothing printed\n{described}"
    if _output_format(outcome) in ("json", "sarif"):
        try:
            json.loads(report)
        except ValueError as exc:
            pytest.fail(f"{_output_format(outcome)} output does not parse: {exc}\n{described}")

    # The exit-code table: 1 exactly when a finding is at or above --fail-on.
    counts = _counts(outcome, report) if outcome.verb in EXIT_CODES else None
    if counts is not None:
        fail_on = str(outcome.params.get("fail_on") or "error")
        gating = SEVERITIES.index(fail_on) if fail_on in SEVERITIES else len(SEVERITIES)
        expected = 1 if any(counts[gating:]) else 0
        assert outcome.returncode == expected, (
            f"counts (info, warning, error) {counts} with --fail-on {fail_on} imply exit "
            f"{expected}\n{described}")


def _asks_registries(outcome: Outcome) -> bool:
    return outcome.verb == "registry" or bool(outcome.params.get("online"))


def _missing_in_order(shown: tuple[str, ...], actual: list[str]) -> list[str]:
    """The shown lines not found, in order, in `actual` (each search resumes after the
    last line found, so one stale line does not hide the rest)."""
    missing, position = [], 0
    for line in (s.rstrip() for s in shown):
        if line == "...":
            continue
        try:
            position = actual.index(line, position) + 1
        except ValueError:
            near = difflib.get_close_matches(line, actual, n=1, cutoff=0.5)
            missing.append(f"  README: {line}\n  nearest real line: {near[0] if near else '-'}")
    return missing


DEMOS = readme_demos()


@pytest.mark.parametrize("demo", [
    pytest.param(demo, id=demo.command.text, marks=[pytest.mark.skip(
        reason="compared byte for byte by tests/cli/test_readme.py::"
               "test_the_show_example_is_what_show_prints")]
        if demo.command.text == SHOW_CHECKED_BY_TEST_README else [])
    for demo in DEMOS])
def test_readme_demo_is_what_the_command_prints(outcomes: dict[str, Outcome],
                                                demo: Demo) -> None:
    outcome = outcomes[demo.command.text]
    if outcome.problem:
        pytest.fail(outcome.problem, pytrace=False)
    actual = [line.rstrip() for line in outcome.stdout.splitlines()]
    missing = _missing_in_order(demo.shown, actual)
    assert not missing, (
        f"README line {demo.command.line}: the demo of `{demo.command.text}` shows lines the "
        f"real output (run in {outcome.cwd}) does not have, in that order; regenerate it:\n"
        + "\n".join(missing))
