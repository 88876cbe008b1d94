"""`pauselint recommend`: the pause image and config snippet a node should use.

`check` says what is wrong; this says what to write instead, from the same table,
so the advice and the verdicts cannot drift apart: the image is kubeadm's own
expectation (kubeadm compares the exact string), and the snippet uses the key the
runtime really reads, in the config version that runtime loads. Tests hold every
snippet to `pauselint check` passing it cleanly.
"""

from __future__ import annotations

import re

from packaging.version import Version

from pauselint.compat import CompatTable, ConfigVersionInfo, Expectation, minor_of
from pauselint.imageref import ImageRefError, normalize_prefix, parse_image
from pauselint.model import RUNTIME_NAMES
from pauselint.records import NamedTuple

RUNTIMES = ("containerd", "cri-o", "k3s")
_ALIASES = {name: c.value for name, c in RUNTIME_NAMES.items() if c.value in RUNTIMES}

CONTAINERD_CONFIG = "/etc/containerd/config.toml"
# A drop-in, so the packaged crio.conf stays untouched; "10-" sorts after the
# "00-default.conf" distributions ship, and the file sorted last wins (§6).
CRIO_CONFIG = "/etc/crio/crio.conf.d/10-pause.conf"
K3S_CONFIG = "/etc/rancher/k3s/config.yaml"

# One part of a TOML dotted key: a quoted part (may hold dots) or a bare one.
_KEY_PART = re.compile(r'"[^"]*"|[^.]+')


class Recommendation(NamedTuple):
    """What to configure, where, and why."""

    image: str            # the pause image to use
    runtime: str          # containerd | cri-o | k3s
    config_path: str      # where the snippet goes
    snippet: str          # a complete small file that `pauselint check` accepts
    notes: tuple[str, ...]  # why this image, which config version, caveats


def recommend(table: CompatTable, kubernetes: Version, *, registry: str | None = None,
              runtime: str = "containerd", runtime_version: Version | None = None,
              ) -> Recommendation:
    """The recommendation for one node; ValueError (message for the user) on bad input."""
    name = _ALIASES.get(runtime.strip().lower())
    if name is None:
        raise ValueError(f"runtime {runtime!r}: choose one of {', '.join(RUNTIMES)}")
    image, notes = _image(table, kubernetes, registry)
    if name == "containerd":
        path, snippet, more = _containerd(table, kubernetes, image, runtime_version)
    elif name == "cri-o":
        path, snippet, more = _crio(table, kubernetes, image, runtime_version)
    else:
        path, snippet, more = _k3s(kubernetes, image, runtime_version)
    return Recommendation(image, name, path, snippet, (*notes, *more))


def render(rec: Recommendation) -> str:
    """Human text: the image, the snippet to paste with its path, then the notes."""
    lines = [f"pause image: {rec.image}", "", f"{rec.config_path} ({rec.runtime}):", ""]
    lines += [f"    {line}" if line else "" for line in rec.snippet.splitlines()]
    lines.append("")
    lines += [f"- {note}" for note in rec.notes]
    return "\n".join(lines) + "\n"


# --- the image -------------------------------------------------------------------


def _image(table: CompatTable, kubernetes: Version, registry: str | None,
           ) -> tuple[str, list[str]]:
    """kubeadm's expected image for the minor, under ``registry`` when one is given."""
    prefix = None
    if registry is not None and registry.strip().rstrip("/"):
        try:
            prefix = normalize_prefix(registry)
        except ImageRefError as exc:
            raise ValueError(f"registry {registry!r} is not a registry prefix: {exc}") from None
    expectation = table.kubeadm_expectation(kubernetes, prefix)
    if expectation is None:
        raise ValueError(_unknown_kubernetes(table, kubernetes))
    notes = [f"kubeadm {expectation.kubernetes} expects pause {expectation.pause} "
             f"({expectation.source})."]
    if prefix is None:
        moved = _successor(table, expectation)
        if moved is not None:
            notes.append(f"kubeadm {expectation.kubernetes} defaults to "
                         f"{expectation.image_repository}, frozen since {moved[1]}; this uses "
                         f"{moved[0].image_repository}, which carries the same tag. Set "
                         f"imageRepository: {moved[0].image_repository} in kubeadm's "
                         "ClusterConfiguration too: kubeadm compares the exact string.")
            expectation = moved[0]
        else:
            notes.append("kubeadm's preflight check compares this exact string with the "
                         f"runtime's sandbox image (kubeadm {table.kubeadm_warning_from} and "
                         "later warn on any difference, registry and digest included).")
    else:
        written = registry.strip().rstrip("/") if registry else prefix
        spelled = "" if written == prefix else f" ({written} fully qualified, as runtimes store it)"
        notes.append(f"Set imageRepository: {prefix}{spelled} in kubeadm's ClusterConfiguration "
                     "too: kubeadm compares the exact string, and pulls the control-plane "
                     f"images from there. Make sure the registry carries pause:"
                     f"{expectation.pause}.")
    parse_image(expectation.image)  # the prefix was validated; this guards the table's tag
    return expectation.image, notes


def _successor(table: CompatTable, expectation: Expectation) -> tuple[Expectation, str] | None:
    """kubeadm's default repository moved on: the successor's expectation, and the freeze."""
    repo = table.repository(f"{expectation.image_repository}/{table.kubeadm_pause_name}")
    if repo is None or repo.frozen is None or repo.successor is None:
        return None
    successor = table.repository(repo.successor)
    if successor is None or successor.tags is None or expectation.pause not in successor.tags:
        return None
    registry, _, name = repo.successor.rpartition("/")
    if name != table.kubeadm_pause_name:
        return None
    found = table.kubeadm_expectation(Version(expectation.kubernetes), registry)
    return (found, repo.frozen) if found is not None else None


def _unknown_kubernetes(table: CompatTable, kubernetes: Version) -> str:
    if not table.known_kubernetes(kubernetes):
        return (f"Kubernetes {kubernetes} is newer than pauselint's compat table ({table.date}, "
                f"through {table.kubernetes_through}): it does not know which pause image "
                "kubeadm expects there")
    oldest = table.oldest_kubernetes()
    return (f"Kubernetes {kubernetes} is older than anything pauselint knows (it knows "
            f"{oldest.major}.{oldest.minor} and later)")


# --- containerd ------------------------------------------------------------------


def _containerd(table: CompatTable, kubernetes: Version, image: str,
                runtime_version: Version | None) -> tuple[str, str, list[str]]:
    notes: list[str] = []
    version = runtime_version
    if version is None:
        version, row = _assumed_containerd(table, kubernetes)
        if row == _minor(kubernetes):
            why = f"the newest line containerd supports with Kubernetes {row}"
        else:
            why = (f"the newest line of the nearest support row (Kubernetes {row}); the "
                   f"table has none for {_minor(kubernetes)}")
        notes.append(f"No containerd version given: assumed containerd {version}, {why}. "
                     "Give the real version if the node runs an older one.")
    info = _config_version(table, version)
    table_path, key = _split_key(info.sandbox_key)
    snippet = f'version = {info.version}\n\n[{table_path}]\n  {key} = "{image}"\n'
    newest = _newest_read(table, version)
    if newest.version != info.version:
        notes.append(f"Config version {info.version}: containerd {version} also reads "
                     f"version {newest.version}, whose sandbox key is the same; "
                     f"{info.version} keeps the file loadable by every containerd from "
                     f"{info.min_containerd} on.")
    else:
        notes.append(f"Config version {info.version} (containerd {info.min_containerd} and "
                     f"later), key {info.sandbox_key}.")
    pinning = table.containerd_pinning(version)
    if pinning is not None and not pinning.normalizes_name:
        notes.append(f"Written fully qualified: containerd {version} pins the sandbox image "
                     "against garbage collection only under its exact normalized name.")
    default = table.containerd_default(version)
    if default is not None and default.image == image:
        notes.append(f"This is also containerd {version}'s built-in default; setting it "
                     "keeps it fixed across containerd upgrades.")
    if table.containerd_is_v1(version):
        notes.append(f"If {CONTAINERD_CONFIG} exists, set `{key}` in its [{table_path}] "
                     "table (a second header of that table is invalid TOML). Not in an "
                     "imported drop-in beside other files' keys of that table: containerd "
                     "1.x replaces the whole table with the drop-in's (PL407).")
    else:
        notes.append(f"If {CONTAINERD_CONFIG} exists, add only the [{table_path}] table to "
                     "it (it may hold settings such as SystemdCgroup); an imported drop-in "
                     "may not have a higher version than the main file.")
    if runtime_version is not None:
        notes.extend(_containerd_support(table, kubernetes, runtime_version))
    return CONTAINERD_CONFIG, snippet, notes


def containerd_choices(table: CompatTable, kubernetes: Version) -> list[tuple[str, Version]]:
    """Where the containerd version is not given: one release per major line that
    Kubernetes ``kubernetes`` supports (the newest 1.x and 2.x lines of its support
    row), each with a heading saying which nodes its snippet is for -- a 1.x node
    needs ``version = 2``, a 2.x node reads ``version = 3``."""
    support = table.containerd_support(kubernetes)
    if support is None:  # recommend() says why, or assumes the nearest row
        return []
    minimums = [Version(m) for m in support.minimums]
    choices = []
    for major in (1, 2):
        line = [m for m in minimums if m.major == major]
        if not line:
            continue
        release = max(line, key=minor_of)
        choices.append((f"for containerd {major}.x nodes (e.g. {release.major}."
                        f"{release.minor}, from {release})", release))
    return choices


def _assumed_containerd(table: CompatTable, kubernetes: Version) -> tuple[Version, str]:
    """The lowest release of the newest containerd line supported with this minor,
    and the Kubernetes minor of the support row it came from.

    A minor older than the support matrix takes the matrix's first row, the nearest
    fact there is (it only decides the config layout, and the note says so).
    """
    major, minor = minor_of(kubernetes)
    support = None
    while support is None and (major, minor) <= minor_of(table.kubernetes_through):
        support = table.containerd_support(Version(f"{major}.{minor}"))
        minor += 1
    if support is None:
        raise ValueError(f"no containerd support row for Kubernetes {_minor(kubernetes)}: "
                         "give the containerd version")
    return max((Version(m) for m in support.minimums), key=minor_of), support.kubernetes


def _config_versions(table: CompatTable) -> list[ConfigVersionInfo]:
    found = []
    number = table.containerd_implied_config_version()
    while (info := table.containerd_config_version(number)) is not None:
        found.append(info)
        number += 1
    return found


def _newest_read(table: CompatTable, version: Version) -> ConfigVersionInfo:
    """The newest config version this containerd loads (and does not refuse)."""
    ceiling = table.containerd_max_config_version(version)
    readable = [i for i in _config_versions(table)
                if Version(i.min_containerd) <= version
                and (ceiling is None or i.version <= ceiling)]
    if not readable:
        raise ValueError(f"containerd {version} is older than any config version pauselint "
                         "knows")
    return readable[-1]


def _config_version(table: CompatTable, version: Version) -> ConfigVersionInfo:
    """The oldest config version with the key the newest readable version uses.

    The key is what matters (an old key in a new-version file is ignored, §5.2);
    among versions that share it, the oldest loads on the most releases and may be
    imported from main files of any version that carries the key.
    """
    newest = _newest_read(table, version)
    return next(i for i in _config_versions(table) if i.sandbox_key == newest.sandbox_key)


def _split_key(dotted: str) -> tuple[str, str]:
    """``plugins."io.containerd.grpc.v1.cri".sandbox_image`` -> (table, key)."""
    parts = _KEY_PART.findall(dotted)
    return ".".join(parts[:-1]), parts[-1]


def _containerd_support(table: CompatTable, kubernetes: Version, version: Version) -> list[str]:
    """Notes when this containerd is too old (or too new to judge) for the target."""
    target = _minor(kubernetes)
    if table.containerd_is_v1(version) and (
            minor_of(kubernetes) >= minor_of(table.containerd_v1_unsupported_from)):
        return [f"containerd {version} is a {version.major}.x release, which Kubernetes "
                f"{_minor(table.containerd_v1_unsupported_from)} and later do not support: "
                "upgrade containerd before Kubernetes "
                f"({table.containerd_v1_unsupported_source})."]
    support = table.containerd_support(kubernetes)
    if support is None:
        return [f"The table has no containerd support row for Kubernetes {target}; "
                "check containerd's RELEASES.md."]
    minimums = sorted((Version(m) for m in support.minimums), key=minor_of)
    line = minor_of(version)
    same = next((m for m in minimums if minor_of(m) == line), None)
    if same is not None:
        if version < same:
            return [f"containerd {version} is below {same}, the oldest "
                    f"{same.major}.{same.minor} release supported with Kubernetes {target} "
                    f"({support.source}): upgrade containerd."]
        return []
    if line > minor_of(minimums[-1]):
        if not table.known_containerd(version):
            return [f"containerd {version} is newer than the compat table ({table.date}): "
                    "the snippet assumes the newest config layout it knows."]
        return []
    lines = ", ".join(f"{m}+" for m in minimums)
    return [f"containerd {version} is not on a line supported with Kubernetes {target} "
            f"({lines}; {support.source}): upgrade containerd."]


# --- CRI-O and k3s ---------------------------------------------------------------


def _crio(table: CompatTable, kubernetes: Version, image: str,
          runtime_version: Version | None) -> tuple[str, str, list[str]]:
    table_path, key = _split_key(table.crio_sandbox_key())
    snippet = f'[{table_path}]\n{key} = "{image}"\n'
    notes = [f"A drop-in: files in {CRIO_CONFIG.rsplit('/', 1)[0]}/ are applied in name "
             "order after crio.conf, and the last one wins; reload CRI-O (SIGHUP) to apply."]
    if runtime_version is None:
        notes.append(f"CRI-O minors follow Kubernetes minors: run CRI-O "
                     f"{_minor(kubernetes)}.x.")
        return CRIO_CONFIG, snippet, notes
    if table.crio_minor_follows_kubernetes and minor_of(runtime_version) != minor_of(kubernetes):
        notes.append(f"CRI-O {runtime_version} does not match Kubernetes {_minor(kubernetes)}: "
                     f"CRI-O minors follow Kubernetes minors, use CRI-O {_minor(kubernetes)}.x "
                     f"({table.crio_policy_source}).")
    default = table.crio_default(runtime_version)
    if default is not None and default.image != image:
        notes.append(f"CRI-O {runtime_version}'s built-in default is {default.image}; this "
                     "setting replaces it.")
    return CRIO_CONFIG, snippet, notes


def _k3s(kubernetes: Version, image: str,
         runtime_version: Version | None) -> tuple[str, str, list[str]]:
    snippet = f'pause-image: "{image}"\n'
    notes = ["k3s writes this into its embedded containerd's config; add the key to an "
             f"existing {K3S_CONFIG} (or a file in config.yaml.d/) and restart k3s.",
             "k3s does not run kubeadm: this is the pause upstream Kubernetes "
             f"{_minor(kubernetes)} uses, not k3s's own default (which the table knows "
             "only for some releases; `pauselint table` and PL404 say which)."]
    if runtime_version is not None and minor_of(runtime_version) != minor_of(kubernetes):
        notes.append(f"k3s {runtime_version} ships Kubernetes {_minor(runtime_version)}, not "
                     f"{_minor(kubernetes)}: recommend for the Kubernetes the node runs.")
    return K3S_CONFIG, snippet, notes


def _minor(version: Version) -> str:
    major, minor = minor_of(version)
    return f"{major}.{minor}"


__all__ = ["RUNTIMES", "Recommendation", "recommend", "render"]
