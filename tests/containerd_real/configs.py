"""containerd configurations for the differential tests: file sets and how to make them.

A ``FileSet`` is a main ``etc/containerd/config.toml`` and the files beside it, each
a relative path and its text, with ``{D}`` standing for the folder the set is written
into (so an absolute import names the written file). ``file_sets()`` is the
hypothesis strategy; ``corpus_files()`` the real files of the project and the corpus.

Every generated text is real TOML (written by ``_render`` from a small model, checked
with tomllib) before a BOM or line ends that 1.x and 2.x read differently are put in:
the differences found are containerd's reading, never a parser's error recovery. Files that are not TOML come only from the corpus.
"""

from __future__ import annotations

import os
import posixpath
from dataclasses import dataclass
from pathlib import Path

from hypothesis import strategies as st

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

from pauselint.inputs import read_path
from pauselint.reading import detect
from pauselint.sources.kinds import InputType

MAIN = "etc/containerd/config.toml"
HERE = "etc/containerd"
BOM = "\ufeff"
CHECKOUT = Path(__file__).resolve().parents[2]
# Where containerd files are looked for; the shared corpus may be absent.
PROJECT_ROOTS = (CHECKOUT / "tests", CHECKOUT / "examples")
CORPUS = CHECKOUT.parent / "shared" / "corpus"


@dataclass(frozen=True)
class FileSet:
    """A main config and its companions: (relative path, text) pairs, main first."""

    files: tuple[tuple[str, str], ...]

    def write(self, folder: Path) -> Path:
        """Write every file under ``folder`` (``{D}`` replaced by it); the main file's path."""
        for relative, text in self.files:
            path = folder / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(text.replace("{D}", str(folder)).encode("utf-8"))
        return folder / MAIN

    def shown(self, folder: Path) -> str:
        """Every file's path and full text, as written (for a failure message)."""
        parts = []
        for relative, text in self.files:
            written = text.replace("{D}", str(folder))
            bom = " (begins with a UTF-8 BOM)" if written.startswith(BOM) else ""
            crs = " (CRs shown as \\r)" if "\r" in written else ""
            shown = written.removeprefix(BOM).replace("\r", "\\r")
            parts.append(f"--- {folder / relative}{bom}{crs}\n{shown}")
        return "\n".join(parts)


# ---------------------------------------------------------------- the real files


def is_containerd_file(path: Path) -> bool:
    """Detected as containerd by pauselint, or a ``*.toml`` under a ``containerd`` folder."""
    if path.suffix == ".toml" and "containerd" in path.parent.parts:
        return True
    return detect(read_path(str(path), explicit=True)) == InputType.CONTAINERD


def corpus_files(roots: tuple[Path, ...]) -> list[Path]:
    """Every containerd config file under ``roots`` (missing roots give none)."""
    found: list[Path] = []
    for root in roots:
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if (path.is_file() and "__pycache__" not in path.parts
                    and path.suffix not in (".py", ".pyc") and is_containerd_file(path)):
                found.append(path)
    return found


def write_copy(path: Path, folder: Path) -> Path:
    """``path`` copied byte for byte to ``folder/etc/containerd/config.toml``."""
    target = folder / MAIN
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(path.read_bytes())
    return target


# ---------------------------------------------------------------- the model

VERSIONS = (None, "0", "1", "2", "3", "4", "5", "-1", '"2"')
CRI_KEYS = ("sandbox_image", "SANDBOX_IMAGE", "Sandbox_Image", "sandbox-image")
PINNED_KEYS = ("sandbox", "SANDBOX")
# The common spellings drawn more often than the exotic ones.
_VERSION_CHOICES = (None, "2", "2", "3", *VERSIONS[1:])
_KEY_CHOICES = ("sandbox_image", "sandbox_image", "sandbox_image", *CRI_KEYS[1:])
IMAGES = ('""', '"registry.k8s.io/pause:3.9"', '"example.com/pause:1"', '"example.com/other:2"')
NON_STRINGS = ("5", "true")
# How a plugin's table is named; the first field is its identity (one table per file:
# two spellings of one key would be a duplicate table, which is no TOML).
PLUGINS = {
    "cri": ("cri", "cri"),
    "grpc": ("grpc", '"io.containerd.grpc.v1.cri"'),
    "grpc-literal": ("grpc", "'io.containerd.grpc.v1.cri'"),
    "grpc-escaped": ("grpc", '"io.containerd.grpc.v1\\u002ecri"'),
    "images": ("images", '"io.containerd.cri.v1.images"'),
    "other": ("other", '"io.containerd.internal.v1.opt"'),
}
DISABLED = ('"cri"', '"io.containerd.grpc.v1.cri"', '"io.containerd.cri.v1.images"')
# Files beside the main one (relative to etc/containerd).
COMPANIONS = ("conf.d/10-a.toml", "conf.d/20-b.toml", "conf.d/.30-hidden.toml", "extra.toml")


@dataclass(frozen=True)
class Section:
    """One plugin's settings in one file."""

    plugin: str  # a PLUGINS key
    # Where its own keys are written: "table" under [plugins.P], "dotted" as root-level
    # plugins.P.key, "plugins" as P.key under a [plugins] header.
    form: str
    sandbox: tuple[str, str] | None  # (key, TOML value)
    snapshotter: bool  # containerd.snapshotter = "overlayfs" (a dotted key)
    selinux: bool  # enable_selinux = false
    runc_options: bool  # [plugins.P.containerd.runtimes.runc.options] SystemdCgroup = true


@dataclass(frozen=True)
class Import:
    """One ``imports`` entry: what it points at and how it is written."""

    kind: str  # "file", "glob", "glob-none", "missing", "glob-folder"
    target: str  # for "file": a relative path of the set (MAIN or a companion)
    absolute: bool


@dataclass(frozen=True)
class File:
    path: str
    bom: bool
    # "lf", "crlf", "cr" (CR alone: old Mac) or "stray" (an LF file whose first line
    # ends in CR alone): 1.x takes a bare CR for a line end, 2.x refuses it.
    line_ends: str
    version: str | None
    imports: tuple[Import, ...] | None
    disabled: tuple[str, ...] | None
    sections: tuple[Section, ...]


def _sections() -> st.SearchStrategy[tuple[Section, ...]]:
    section = st.builds(
        Section,
        plugin=st.sampled_from(tuple(PLUGINS)),
        form=st.sampled_from(("table", "dotted", "plugins")),
        sandbox=st.none() | st.tuples(st.sampled_from(_KEY_CHOICES),
                                      st.sampled_from(IMAGES + NON_STRINGS)),
        snapshotter=st.booleans(),
        selinux=st.booleans(),
        runc_options=st.booleans(),
    )
    return st.lists(section, max_size=3,
                    unique_by=lambda s: PLUGINS[s.plugin][0]).map(tuple)


def _imports(path: str, names: tuple[str, ...]) -> st.SearchStrategy[tuple[Import, ...] | None]:
    targets = (MAIN, *names)
    entry = st.one_of(
        st.builds(Import, kind=st.just("file"), target=st.sampled_from(targets),
                  absolute=st.booleans()),
        st.builds(Import, kind=st.sampled_from(("glob", "glob-none", "missing")),
                  target=st.just(""), absolute=st.booleans()),
        st.builds(Import, kind=st.just("glob-folder"), target=st.just(""),
                  absolute=st.just(True)),
    )
    return st.none() | st.lists(entry, max_size=3).map(tuple)


@st.composite
def _file(draw: st.DrawFn, path: str, names: tuple[str, ...]) -> File:
    return File(
        path=path,
        bom=draw(st.integers(0, 9)) == 0,
        line_ends=draw(st.sampled_from(("lf",) * 7 + ("crlf", "cr", "stray"))),
        version=draw(st.sampled_from(_VERSION_CHOICES)),
        imports=draw(_imports(path, names)),
        disabled=draw(st.none() | st.lists(st.sampled_from(DISABLED), min_size=1,
                                           max_size=2, unique=True).map(tuple)),
        sections=draw(_sections()),
    )


def _written(entry: Import, importer: str) -> str:
    """The import as written in ``importer``: absolute, or relative to its folder."""
    target = {
        "file": entry.target,
        "glob": f"{HERE}/conf.d/*.toml",
        "glob-none": f"{HERE}/none.d/*.toml",
        "missing": f"{HERE}/missing.toml",
        "glob-folder": f"{HERE}/*",
    }[entry.kind]
    if entry.absolute:
        return "{D}/" + target
    relative = posixpath.relpath(target, posixpath.dirname(importer))
    return relative.removeprefix("./")


def _value_lines(section: Section) -> list[tuple[str, str]]:
    """The section's own keys (dotted within the plugin's table) and their values."""
    if section.plugin == "images":
        if section.sandbox is None:
            return []
        key = PINNED_KEYS[section.sandbox[0] == "SANDBOX_IMAGE"]
        return [(f"pinned_images.{key}", section.sandbox[1])]
    if section.plugin == "other":
        return [("path", '"/opt/containerd"')] if section.snapshotter else []
    lines = []
    if section.sandbox is not None:
        lines.append(section.sandbox)
    if section.snapshotter:
        lines.append(("containerd.snapshotter", '"overlayfs"'))
    if section.selinux:
        lines.append(("enable_selinux", "false"))
    return lines


def _render(file: File) -> str:
    root: list[str] = []
    under_plugins: list[str] = []
    tables: list[str] = []
    if file.version is not None:
        root.append(f"version = {file.version}")
    if file.imports is not None:
        written = ", ".join(f'"{_written(i, file.path)}"' for i in file.imports)
        root.append(f"imports = [{written}]")
    if file.disabled is not None:
        root.append(f"disabled_plugins = [{', '.join(file.disabled)}]")
    # A [plugins] header and root-level plugins.* keys cannot both define `plugins`.
    header = any(s.form == "plugins" and _value_lines(s) for s in file.sections)
    for section in file.sections:
        name = PLUGINS[section.plugin][1]
        values = _value_lines(section)
        if section.form == "plugins" or (section.form == "dotted" and header):
            under_plugins.extend(f"  {name}.{key} = {value}" for key, value in values)
        elif section.form == "dotted":
            root.extend(f"plugins.{name}.{key} = {value}" for key, value in values)
        elif section.plugin == "images" and values:  # [plugins."...images".pinned_images]
            tables.append(f"\n[plugins.{name}.pinned_images]")
            tables.extend(f"  {key.removeprefix('pinned_images.')} = {value}"
                          for key, value in values)
        elif values or not section.runc_options:
            tables.append(f"\n[plugins.{name}]")
            tables.extend(f"  {key} = {value}" for key, value in values)
        if section.runc_options and section.plugin not in ("images", "other"):
            tables.append(f"\n[plugins.{name}.containerd.runtimes.runc.options]")
            tables.append("  SystemdCgroup = true")
    if under_plugins:
        tables = ["\n[plugins]", *under_plugins, *tables]
    text = "\n".join(root + tables).lstrip("\n") + "\n"
    tomllib.loads(text)  # a model that writes no TOML is this file's bug: fail loudly
    text = {"lf": text, "crlf": text.replace("\n", "\r\n"), "cr": text.replace("\n", "\r"),
            "stray": text.replace("\n", "\r", 1)}[file.line_ends]
    return (BOM if file.bom else "") + text


@st.composite
def file_sets(draw: st.DrawFn) -> FileSet:
    """A main config plus 0-3 companions in ``conf.d/`` or beside it, importing each
    other (absolute, relative, globs, missing, a folder, themselves) in real TOML."""
    chosen = draw(st.lists(st.sampled_from(COMPANIONS), max_size=3, unique=True))
    names = tuple(f"{HERE}/{name}" for name in chosen)
    files = [draw(_file(path, names)) for path in (MAIN, *names)]
    return FileSet(tuple((f.path, _render(f)) for f in files))


def example_count(default: int) -> int:
    """``$PAUSELINT_DIFF_EXAMPLES`` where set (a long local run), else ``default``."""
    configured = os.environ.get("PAUSELINT_DIFF_EXAMPLES", "")
    return int(configured) if configured.strip() else default


def _set(*files: tuple[str, str]) -> FileSet:
    return FileSet(tuple((f"{HERE}/{name}", text) for name, text in files))


_CRI = '[plugins."io.containerd.grpc.v1.cri"]\n'
_PINNED = '[plugins."io.containerd.cri.v1.images".pinned_images]\n'
# Disagreements the differential tests found (issue 10), kept as explicit examples so
# every run checks them whatever the generator draws.
FOUND: tuple[FileSet, ...] = (
    # A non-string value where the release never decodes it (a disabled plugin, a table
    # the config version does not read, 1.x's missing images plugin) is no refusal.
    _set(("config.toml", f'version = 2\ndisabled_plugins = ["io.containerd.grpc.v1.cri"]\n'
                         f'{_CRI}sandbox_image = 5\n')),
    _set(("config.toml", f"version = 2\n{_PINNED}sandbox = 5\n")),
    _set(("config.toml", "[plugins.cri]\nsandbox_image = true\n")),
    _set(("config.toml", f"{_CRI}sandbox_image = 5\n")),
    _set(("config.toml", f"version = 3\n{_CRI}sandbox_image = 5\n")),
    # ...and where it does, whatever the key's case: go-toml v1's title case; 2.x's
    # pinned_images is a map[string]string, every value decoded.
    _set(("config.toml", f"version = 2\n{_CRI}SANDBOX_IMAGE = true\n")),
    _set(("config.toml", f"version = 3\n{_PINNED}SANDBOX = true\n")),
    _set(("config.toml", f"version = 2\n{_PINNED}foo = 5\n")),
    # go-toml v1 resolves the escape in a dotted key, not in a table header.
    _set(("config.toml", 'version = 2\nplugins."io.containerd.grpc.v1\\u002ecri".sandbox_image'
                         ' = "example.com/pause:1"\n')),
    # 1.x filters a version 1 config's disabled_plugins by plugin ID, not URI.
    _set(("config.toml", 'disabled_plugins = ["io.containerd.grpc.v1.cri"]\n')),
    # A glob that matches a folder.
    _set(("config.toml", 'imports = ["{D}/etc/containerd/*"]\n'), ("conf.d/a.toml", "")),
    # 2.x migrates a version 0/1 import to the version merged so far: above 3 it panics.
    _set(("config.toml", 'version = 4\nimports = ["{D}/etc/containerd/a.toml", '
                         '"{D}/etc/containerd/b.toml"]\n'),
         ("a.toml", ""), ("b.toml", "version = 3\n")),
    # ...and below 0 it migrates nothing: a version -1 main leaves an import's
    # [plugins.cri] unrenamed, so its sandbox_image is read by no plugin.
    _set(("config.toml", 'version = -1\nimports = ["{D}/etc/containerd/a.toml"]\n'),
         ("a.toml", '[plugins.cri]\nsandbox_image = "example.com/pause:1"\n')),
    # A bare CR: go-toml v1 (1.x) takes it for a line end, go-toml v2 (2.x) stops at
    # it -- in a main file or an import, of CR-only line ends or one stray in LF lines.
    _set(("config.toml", f'version = 2\r{_CRI}sandbox_image = "example.com/pause:1"\r'
                         .replace("\n", "\r"))),
    _set(("config.toml", 'version = 2\nimports = ["{D}/etc/containerd/a.toml"]\n'),
         ("a.toml", f'version = 2\r{_CRI}sandbox_image = "example.com/pause:1"\r'
                    .replace("\n", "\r"))),
    _set(("config.toml", f'version = 2\n{_CRI}enable_selinux = false\r'
                         'sandbox_image = "example.com/pause:1"\n')),
    _set(("config.toml", 'version = 2\nimports = ["{D}/etc/containerd/a.toml"]\n'),
         ("a.toml", f'version = 2\n{_CRI}enable_selinux = false\r'
                    'sandbox_image = "example.com/pause:1"\n')),
)
