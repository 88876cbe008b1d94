"""Format-aware hypothesis strategies: real config lines, recombined and mutated.

Random bytes almost never get past a TOML or YAML parser, so most examples here are
built from the lines of real files (the seeds) and from fragments that are known to
stress parsers and locators: unclosed quotes, deep nesting, aliases, continuation
backslashes, templates, odd line breaks, byte-order marks. Every strategy yields
``bytes``, because the fuzz targets decode as the CLI does.
"""

from __future__ import annotations

import functools

from hypothesis import strategies as st

from .seeds import seeds
from .targets import PART_SEPARATOR
from .wrapping import CONTAINERD, ENCODINGS, embed

# Fragments that broke, or nearly broke, a reader somewhere: inserted anywhere.
HOSTILE = (
    "[", "]", "[[", "{", "}", '"', "'", '"""', "'''", "\\", "\\\n", "=", ":", "- ", "? ",
    "#", ";", "---", "...", "%YAML 1.1", "&a [x]", "*a", "!!python/object:os.system",
    "{{ .Image }}", "{% if x %}", "${KUBELET_ARGS}", "$KUBELET_EXTRA_ARGS", "$$", "%i",
    "\t", "\r", "\r\n", "\u2028", "\u2029", "\x85", "\x0c", "\x0b", "\ufeff", "\x7f",
    "\U0001f600", "é", "\udcff"[:0], "--pod-infra-container-image=", "pause-image: ",
    "sandbox_image = ", "pause_image = ", "version = 2", "version = 3", "imports = [",
    "[plugins.\"io.containerd.grpc.v1.cri\"]", "[crio.image]", "ExecStart=", "ExecStart=-",
    "EnvironmentFile=-/etc/default/kubelet", "Environment=\"KUBELET_ARGS=--x\"",
    "apiVersion: kubeadm.k8s.io/v1beta4", "kind: ClusterConfiguration",
    "kind: ConfigMap", "ClusterConfiguration: |", "kubeletExtraArgs:", "imageRepository: ",
    "system-default-registry: ", "kubelet-arg:", "# pauselint: disable=PL101",
    "registry.k8s.io/pause:3.10", "a.b.c.d.e.f", "1979-05-27T07:32:00Z", "0x1F", "inf",
    "nan", "~", "null", "[" * 40, "{a=" * 30, "- " * 30, "&b " + "[*a,*a] " * 4,
)
_LINE_ENDS = ("\n", "\n", "\n", "\r\n", "\r")


@functools.cache
def _lines(target: str) -> tuple[str, ...]:
    found: dict[str, None] = {}
    for data in seeds().get(target, ()):
        for line in data.decode("utf-8", "replace").splitlines():
            if line.strip():
                found.setdefault(line, None)
    return tuple(found) or ("",)


def _texts(target: str) -> tuple[str, ...]:
    return tuple(d.decode("utf-8", "replace") for d in seeds().get(target, ())) or ("",)


def _apply(text: str, edits: list[tuple[int, int, str]]) -> str:
    """Apply (position, length to delete, insertion) edits; positions wrap the text."""
    for position, delete, insert in edits:
        at = position % (len(text) + 1)
        text = text[:at] + insert + text[at + delete:]
    return text


def _fragment(target: str) -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(HOSTILE),
        st.sampled_from(_lines(target)),
        st.text(max_size=12),
    )


def _edits(target: str) -> st.SearchStrategy[list[tuple[int, int, str]]]:
    edit = st.tuples(st.integers(0, 1 << 20), st.integers(0, 8), _fragment(target))
    return st.lists(edit, max_size=6)


def _line_mix(target: str) -> st.SearchStrategy[str]:
    """New files made of lines from real files of this kind, and hostile fragments."""
    line = st.one_of(
        st.sampled_from(_lines(target)),
        st.sampled_from(_lines(target)).map(lambda s: "  " + s),
        st.sampled_from(HOSTILE),
    )
    return st.builds(lambda ls, end: end.join(ls), st.lists(line, max_size=30),
                     st.sampled_from(_LINE_ENDS))


def _mutated_seed(target: str) -> st.SearchStrategy[str]:
    """A real file with a few edits, and maybe its line ends changed."""
    return st.builds(
        lambda text, edits, end: _apply(text, edits).replace("\n", end),
        st.sampled_from(_texts(target)), _edits(target), st.sampled_from(_LINE_ENDS),
    )


def _encode(text: str, bom: bool) -> bytes:
    data = text.encode("utf-8", "surrogatepass")
    return b"\xef\xbb\xbf" + data if bom else data


def documents(target: str) -> st.SearchStrategy[bytes]:
    """Bytes for one file read by ``target``: mostly structured, sometimes raw."""
    text = st.one_of(_mutated_seed(target), _mutated_seed(target), _line_mix(target))
    structured = st.builds(_encode, text, st.booleans())
    return st.one_of(structured, structured, structured, st.binary(max_size=200))


def services() -> st.SearchStrategy[bytes]:
    """A unit, its drop-ins and an env file joined as ``fuzz_systemd`` splits them."""
    part = st.one_of(documents("systemd"), documents("kubelet_env"))
    return st.lists(part, min_size=1, max_size=4).map(PART_SEPARATOR.join)


_PATHS = (
    "etc/containerd/config.toml", "etc/containerd/conf.d/10-x.toml", "etc/crio/crio.conf",
    "etc/crio/crio.conf.d/10-x.conf", "etc/crio/crio.conf.d/x.yaml",
    "var/lib/kubelet/kubeadm-flags.env", "etc/default/kubelet", "etc/sysconfig/kubelet",
    "etc/systemd/system/kubelet.service", "etc/systemd/system/kubelet.service.d/10.conf",
    "etc/rancher/k3s/config.yaml", "etc/rancher/rke2/config.yaml.d/x.yml",
    "etc/rancher/k3s/registries.yaml", "etc/containerd/certs.d/x/hosts.toml",
    "kubeadm.yaml", "config.toml", "C:\\etc\\containerd\\config.toml", "",
)


def named_files() -> st.SearchStrategy[bytes]:
    """A path line then content of any kind, as ``fuzz_detect`` splits them."""
    kinds = ("containerd", "crio", "kubelet_env", "systemd", "kubeadm", "kubelet_config",
             "k3s")
    content = st.sampled_from(kinds).flatmap(documents)
    path = st.one_of(st.sampled_from(_PATHS), st.text(max_size=30).map(
        lambda s: s.replace("\n", "")))
    return st.builds(lambda p, c: p.encode("utf-8", "surrogatepass") + b"\n" + c, path, content)


_HOSTS = ("", "registry.k8s.io/", "k8s.gcr.io/", "docker.io/", "index.docker.io/",
          "localhost:5000/", "[::1]:5000/", "MyRegistry/", "a-b.c/", "10.0.0.1:5000/",
          "registry.aliyuncs.com/google_containers/", "https://reg.example.com:5000/")
_REPOS = ("pause", "pause-amd64", "library/pause", "a/b/c", "mirrored-pause", "x__y", "a--b",
          "Pause", "", "a/", "/a")
_TAGS = ("", ":3.9", ":3.10", ":latest", ":3.9-linuxarm64", ":3.5-windows-1809-amd64", ":",
         ":-x", ":" + "a" * 129)
_DIGESTS = ("", "@sha256:" + "a" * 64, "@sha256:" + "A" * 64, "@sha512:" + "0" * 128,
            "@md5:00", "@", "@sha256:")


def image_refs() -> st.SearchStrategy[bytes]:
    """Image references built from real parts, with edits, or raw text."""
    built = st.builds(lambda *parts: "".join(parts), st.sampled_from(_HOSTS),
                      st.sampled_from(_REPOS), st.sampled_from(_TAGS), st.sampled_from(_DIGESTS))
    edited = st.builds(_apply, built, st.lists(
        st.tuples(st.integers(0, 300), st.integers(0, 3), st.text(max_size=3)), max_size=3))
    return st.one_of(built, edited, st.text(max_size=60)).map(
        lambda s: s.encode("utf-8", "surrogatepass"))


_CONFIG_KEYS = ("kubernetes-version", "arch", "os", "platform", "runtime", "runtime-version",
                "disable", "enable", "severity", "allowed-registries", "mirrors", "fail-on",
                "exclude", "compat-overlay", "kubernetes_version", "unknown")
_CONFIG_VALUES = ('"1.30"', "1.30", "1", "v1.29.3", "[PL101, PL999]", "PL3O2", "{PL101: warn}",
                  "{PL101: [x]}", "amd64", "linux/arm64", "windows/amd64:ltsc2022",
                  "windows/amd64:nope", "containerd", "[containerd=1.7.20, crio=x]", "~",
                  "~nosuchuser/overlay.yaml", "''", "[]", "{}", "true", "2024-01-01",
                  "'x\\0y'", "[[[]]]", "{1: 2}", "!!binary aGk=", "&a [*a]")


def config_files() -> st.SearchStrategy[bytes]:
    """.pauselint.yaml / [tool.pauselint] text: real keys with good and bad values."""
    yaml_line = st.builds(lambda k, v: f"{k}: {v}", st.sampled_from(_CONFIG_KEYS),
                          st.sampled_from(_CONFIG_VALUES))
    toml_line = st.builds(lambda k, v: f"{k} = {v}", st.sampled_from(_CONFIG_KEYS),
                          st.sampled_from(_CONFIG_VALUES))
    yaml_doc = st.lists(yaml_line, max_size=8).map("\n".join)
    toml_doc = st.builds(lambda head, lines: head + "\n".join(lines),
                         st.sampled_from(("[tool.pauselint]\n", "[tool]\npauselint = 1\n",
                                          "tool = 1\n", "[tool.pauselint.severity]\n", "")),
                         st.lists(toml_line, max_size=8))
    text = st.one_of(yaml_doc, toml_doc).flatmap(
        lambda t: st.builds(_apply, st.just(t), _edits("config")))
    return st.one_of(text.map(lambda s: s.encode("utf-8", "surrogatepass")),
                     documents("config"))


def nodes() -> st.SearchStrategy[bytes]:
    """A node folder: real node layouts mutated, or files of any kind at node paths."""
    kinds = ("containerd", "crio", "kubelet_env", "systemd", "kubeadm", "k3s")
    placed = st.builds(lambda p, c: p.encode("utf-8", "surrogatepass") + b"\n" + c,
                       st.sampled_from(_PATHS), st.sampled_from(kinds).flatmap(documents))
    layouts = st.lists(placed, min_size=1, max_size=4).map(PART_SEPARATOR.join)
    return st.one_of(layouts, documents("check"))


# Node files a wrapper may hold, by the reader that reads them there.
_EMBEDDED_PATHS = {
    "containerd": CONTAINERD, "crio": "/etc/crio/crio.conf.d/10-x.conf",
    "kubelet_env": "/etc/default/kubelet",
    "systemd": "/etc/systemd/system/kubelet.service.d/10-x.conf",
}


def _embedded(draw: st.DrawFn) -> dict[str, str]:
    kinds = draw(st.lists(st.sampled_from(sorted(_EMBEDDED_PATHS)), min_size=1, max_size=3,
                          unique=True))
    return {_EMBEDDED_PATHS[kind]: draw(documents(kind)).decode("utf-8", "replace")
            for kind in kinds}


@st.composite
def _wrapped(draw: st.DrawFn) -> str:
    """Real node files, mutated, in a wrapper with one of its encodings."""
    wrapper = draw(st.sampled_from(sorted(ENCODINGS)))
    encoding = draw(st.sampled_from(ENCODINGS[wrapper]))
    files = _embedded(draw)
    flag = draw(st.one_of(st.none(), st.sampled_from(_lines("kubelet_env")), st.text(max_size=20)))
    return embed(wrapper, encoding, files, flag).text


def wrappers() -> st.SearchStrategy[bytes]:
    """Wrappers holding node files (then edited), and real wrappers mutated."""
    built = st.builds(_apply, _wrapped(), _edits("wrappers"))
    return st.one_of(st.builds(_encode, built, st.booleans()), documents("wrappers"))
