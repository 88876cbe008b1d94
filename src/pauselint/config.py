"""The project config file: ``.pauselint.yaml`` or ``[tool.pauselint]`` in ``pyproject.toml``.

A config file is policy written once so that every run in a repository (a developer's
laptop, pre-commit, CI) judges the same way. It is validated strictly, because a typo
that is silently ignored (``kubernetes_version``, ``PL3O2``) turns into a check that
quietly stopped checking; every error names the file, the key and, for YAML, the line.

Values are only checked here, not applied: the CLI merges them under its flags and
hands them to the engine (flags win over the file).
"""


import re
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from packaging.version import Version

from pauselint import platforms
from pauselint.display import shown
from pauselint.lazy_re import LazyPattern
from pauselint.model import FAIL_ON, RUNTIME_NAMES, STDIN_NAME, Severity
from pauselint.records import NamedTuple

if TYPE_CHECKING:
    from pathlib import Path

    import yaml

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

# Findings the engine makes itself rather than a rule module; they can be disabled
# and re-graded like any rule.
# The runtime names `--runtime-version` understands, with the canonical name for each.
RUNTIMES = {name: component.value for name, component in RUNTIME_NAMES.items()}
KEYS = ("kubernetes-version", "arch", "os", "platform", "runtime", "runtime-version",
        "disable", "enable", "severity", "allowed-registries", "mirrors", "fail-on",
        "exclude", "compat-overlay", "online")


class ConfigError(ValueError):
    """A config file pauselint cannot use: the CLI reports it and exits 2."""

    def __init__(self, path: str, message: str, key: str | None = None,
                 line: int | None = None) -> None:
        self.path, self.key, self.line, self.problem = path, key, line, message
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {key}: {message}" if key else f"{where}: {message}")


class Config(NamedTuple):
    """A validated config file. Empty fields mean "not set": the CLI default applies."""

    path: str | None
    kubernetes_version: str | None = None
    platform: str | None = None
    runtime_versions: tuple[str, ...] = ()
    disable: tuple[str, ...] = ()
    enable: tuple[str, ...] = ()
    severity: tuple[tuple[str, str], ...] = ()
    allowed_registries: tuple[str, ...] = ()
    mirrors: tuple[tuple[str, str], ...] = ()
    fail_on: str | None = None
    exclude: tuple[str, ...] = ()
    compat_overlay: str | None = None
    # `online: true`: ask registries as --online does; None when not set.
    online: bool | None = None


# --- telling a pyproject.toml of ours (finding the file: config_files) ------------

_TOOL_HEADER = LazyPattern(r"^\s*\[\s*tool\s*\.\s*pauselint\s*[\].]", re.MULTILINE)


def has_tool_section(pyproject: str) -> bool:
    """Whether ``pyproject`` holds a ``[tool.pauselint]`` table (config_files asks,
    finding the config: only a folder with a pyproject.toml imports this module)."""
    try:
        with open(pyproject, encoding="utf-8") as file:
            text = file.read()
    except (OSError, UnicodeDecodeError):
        return False
    try:
        data = _parse_toml(pyproject, text)
    except ConfigError:
        # Claim a broken pyproject that visibly has our section, so load_config reports
        # the syntax error instead of the settings silently not applying.
        return bool(_TOOL_HEADER.search(text))
    tool = data.get("tool")
    return isinstance(tool, dict) and "pauselint" in tool


# --- reading the raw values -------------------------------------------------------


class _Entry(NamedTuple):
    """One top-level key as written, with where to point when its value is wrong."""

    key: str
    value: Any
    line: int | None
    # The scalar's text as written: YAML reads `1.30` as the float 1.3, and a version
    # must be taken from the text, not the float.
    raw: str | None = None
    # Per list index or mapping key: (line, scalar text as written).
    items: dict[Any, tuple[int | None, str | None]] | None = None


def _scalar_text(node: "yaml.Node") -> str | None:
    import yaml

    return node.value if isinstance(node, yaml.ScalarNode) else None


def _yaml_entries(path: str, text: str) -> list[_Entry]:
    import yaml  # here, not at the top: most runs have no YAML config to read

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        value = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise ConfigError(path, f"not valid YAML: {exc.problem or exc}", line=line) from None
    except yaml.YAMLError as exc:
        raise ConfigError(path, f"not valid YAML: {exc}") from None
    except RecursionError:  # the pure-Python composer recurses once per nesting level
        raise ConfigError(path, "not valid YAML: nested too deeply to read") from None
    if root is None:
        return []  # an empty file is an empty config
    if not isinstance(root, yaml.MappingNode) or not isinstance(value, dict):
        raise ConfigError(path, "the top level must be a mapping of settings",
                          line=root.start_mark.line + 1)
    entries: list[_Entry] = []
    seen: dict[str, int] = {}
    for key_node, value_node in root.value:
        key = str(_scalar_text(key_node))
        line = key_node.start_mark.line + 1
        if key in seen:
            raise ConfigError(path, f"set twice (first on line {seen[key]})", key, line)
        seen[key] = line
        items: dict[Any, tuple[int | None, str | None]] = {}
        if isinstance(value_node, yaml.SequenceNode):
            for index, item in enumerate(value_node.value):
                items[index] = (item.start_mark.line + 1, _scalar_text(item))
        elif isinstance(value_node, yaml.MappingNode):
            for sub_key, sub_value in value_node.value:
                items[str(_scalar_text(sub_key))] = (sub_key.start_mark.line + 1,
                                                     _scalar_text(sub_value))
        entries.append(_Entry(key, value.get(key), line, _scalar_text(value_node), items))
    return entries


_TOML_LINE = LazyPattern(r"\(at line (\d+)")


def _toml_line(lines: list[str], key: str) -> int | None:
    """Where ``key`` is set in the [tool.pauselint] section (tomllib keeps no positions)."""
    in_section = False
    header = re.compile(r"^\s*\[\s*tool\s*\.\s*pauselint\s*(\.\s*\"?([\w-]+)\"?\s*)?\]")
    assignment = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
    for number, text in enumerate(lines, start=1):
        if text.lstrip().startswith("["):
            match = header.match(text)
            if match and match.group(2) == key:
                return number
            in_section = bool(match) and match.group(2) is None
        elif in_section and assignment.match(text):
            return number
    return None


# tomllib keeps every prefix of a dotted key, so memory grows with the square of its
# parts (a 60 KB key takes gigabytes). No real config comes near this many parts.
_MAX_KEY_PARTS = 128
_KEY_PART = LazyPattern(r"^\s*\[*([^=\]]*)")


def _parse_toml(path: str, text: str) -> dict[str, Any]:
    """tomllib's result, or a ConfigError: its errors, and inputs it cannot bound."""
    for number, line in enumerate(text.split("\n"), start=1):
        dots = _KEY_PART.match(line).group(1).count(".")  # type: ignore[union-attr]
        if dots >= _MAX_KEY_PARTS:
            raise ConfigError(path, f"not valid TOML: a key with more than {_MAX_KEY_PARTS} "
                                    "dotted parts", line=number)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = _TOML_LINE.search(str(exc))
        # tomllib says "at end of document" for an unclosed array: point at the last line.
        line = int(found.group(1)) if found else max(len(text.splitlines()), 1)
        raise ConfigError(path, f"not valid TOML: {exc}", line=line) from None
    except RecursionError:  # tomllib recurses once per nested array or inline table
        raise ConfigError(path, "not valid TOML: nested too deeply to read") from None


def _toml_entries(path: str, text: str) -> list[_Entry]:
    data = _parse_toml(path, text)
    tool = data.get("tool")
    section = tool.get("pauselint") if isinstance(tool, dict) else None
    if section is None:
        raise ConfigError(path, "has no [tool.pauselint] section")
    if not isinstance(section, dict):
        raise ConfigError(path, "[tool.pauselint] must be a table", "tool.pauselint")
    lines = text.splitlines()
    return [_Entry(key, value, _toml_line(lines, key)) for key, value in section.items()]


# --- validating -------------------------------------------------------------------


class _Checker:
    """Turns raw entries into Config fields; every complaint names file, key and line."""

    def __init__(self, path: str, entries: list[_Entry]) -> None:
        self.path = path
        self.entries = {entry.key: entry for entry in entries}

    def fail(self, entry: _Entry, message: str, item: Any = None) -> ConfigError:
        line = entry.line
        if item is not None and entry.items and item in entry.items:
            line = entry.items[item][0] or line
        return ConfigError(self.path, message, entry.key, line)

    def get(self, key: str) -> _Entry | None:
        return self.entries.get(key)

    def string(self, key: str) -> str | None:
        entry = self.get(key)
        if entry is None:
            return None
        if not isinstance(entry.value, str) or not entry.value.strip():
            raise self.fail(entry, f"expected a non-empty string, got {_shown(entry.value)}")
        return entry.value.strip()

    def version_text(self, entry: _Entry, value: Any, raw: str | None, item: Any = None) -> str:
        """A version as written; a YAML number like 1.30 keeps its text, TOML's cannot."""
        if isinstance(value, (int, float)) and not isinstance(value, bool) and raw:
            return raw.strip()
        if not isinstance(value, str) or not value.strip():
            hint = " (quote it: \"1.30\")" if isinstance(value, float) else ""
            raise self.fail(entry, f"expected a version string, got {_shown(value)}{hint}", item)
        return value.strip()

    def strings(self, key: str) -> list[tuple[Any, str]]:
        """A string or a list of strings, as (item, text) pairs for pointing at lines."""
        entry = self.get(key)
        if entry is None:
            return []
        values = [(None, entry.value)] if isinstance(entry.value, str) else None
        if isinstance(entry.value, list):
            values = list(enumerate(entry.value))
        if values is None:
            raise self.fail(entry, f"expected a string or a list of strings, "
                                   f"got {_shown(entry.value)}")
        for item, value in values:
            if not isinstance(value, str) or not value.strip():
                raise self.fail(entry, f"expected a non-empty string, got {_shown(value)}", item)
        return [(item, value.strip()) for item, value in values]

    def mapping(self, key: str) -> list[tuple[str, Any]]:
        entry = self.get(key)
        if entry is None:
            return []
        if not isinstance(entry.value, dict):
            raise self.fail(entry, f"expected a mapping, got {_shown(entry.value)}")
        return [(str(k), v) for k, v in entry.value.items()]


def _shown(value: Any) -> str:
    """How a wrong value reads in a message: its kind, and the value when it is short."""
    if value is None:
        return "nothing"
    if isinstance(value, (list, dict)):
        return "a list" if isinstance(value, list) else "a mapping"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, (int, float)):
        return f"a number ({value!r})"
    return repr(value)


def _known_rules() -> frozenset[str]:
    # Imported here: rules pull in the compat table, which a config error must not need.
    from pauselint.rules import RULES

    return frozenset(RULES)


def _rule_ids(check: _Checker, key: str, known: frozenset[str]) -> tuple[str, ...]:
    ids: list[str] = []
    entry = check.get(key)
    for item, text in check.strings(key):
        for rule in (part.strip().upper() for part in text.split(",")):
            if rule not in known:
                import difflib  # only for a typo's suggestion

                close = difflib.get_close_matches(rule, sorted(known), n=1, cutoff=0.8)
                hint = f" (did you mean {close[0]}?)" if close else ""
                raise check.fail(entry, f"unknown rule id {rule!r}{hint}", item)
            ids.append(rule)
    return tuple(dict.fromkeys(ids))


def _kubernetes_version(check: _Checker) -> str | None:
    entry = check.get("kubernetes-version")
    if entry is None:
        return None
    text = check.version_text(entry, entry.value, entry.raw)
    try:
        version = Version(text.lstrip("v"))
    except ValueError:  # InvalidVersion, or a number past Python's int-string limit
        raise check.fail(entry, f"{shown(text)} is not a version (use e.g. \"1.31\")") from None
    if len(version.release) < 2 or version.release[0] != 1:
        raise check.fail(entry, f"{text!r}: expected 1.MINOR[.PATCH]")
    return text


def _platform(check: _Checker) -> str | None:
    """The platform as ``os/arch[:osversion]`` in canonical names, read as ``--platform`` is."""
    platform, os_name = check.string("platform"), check.string("os")
    arch_entry = check.get("arch")
    if arch_entry is not None and type(arch_entry.value) is int:
        arch = str(arch_entry.value)  # arch: 386 is a YAML number
    else:
        arch = check.string("arch")
    if platform and (arch or os_name):
        raise check.fail(check.get("platform"), "give either platform or arch/os, not both")
    if platform is None:
        if os_name and not arch:
            raise check.fail(check.get("os"), "needs arch as well (e.g. arch: amd64)")
        if not arch:
            return None
        os_part, _, os_version = (os_name or "linux").partition(":")
        # arm/v7 is an architecture with its variant; linux/arm64 names an OS.
        if ":" in arch or arch.partition("/")[0].lower() in platforms.OPERATING_SYSTEMS:
            raise check.fail(check.get("arch"), f"{arch!r}: give only the architecture "
                                                "(amd64, arm64, ...); the OS goes in os")
        platform = f"{os_part}/{arch}:{os_version}" if os_version else f"{os_part}/{arch}"
    entry = check.get("platform") or check.get("os") or check.get("arch")
    from pauselint.compat import load_table

    try:
        return str(platforms.parse_platform(platform, load_table()))
    except platforms.PlatformError as exc:
        raise check.fail(entry, str(exc)) from None


def _runtime_versions(check: _Checker) -> tuple[str, ...]:
    runtime = check.string("runtime")
    entry = check.get("runtime-version")
    if runtime is not None and runtime.lower() not in RUNTIMES:
        raise check.fail(check.get("runtime"), f"unknown runtime {runtime!r} "
                                               f"(use {', '.join(sorted(set(RUNTIMES)))})")
    if entry is None:
        if runtime is not None:
            raise check.fail(check.get("runtime"), "needs runtime-version as well "
                                                   "(e.g. runtime-version: 1.7.20)")
        return ()
    if runtime is not None and not isinstance(entry.value, (str, int, float)):
        raise check.fail(entry, "with runtime set, give one version (e.g. 1.7.20)")
    if isinstance(entry.value, list):
        values = [(i, v, (entry.items or {}).get(i, (None, None))[1])
                  for i, v in enumerate(entry.value)]
    else:
        values = [(None, entry.value, entry.raw)]
    result: list[str] = []
    for item, value, raw in values:
        text = check.version_text(entry, value, raw, item)
        name, sep, version = text.partition("=")
        if runtime is not None:
            if sep:
                raise check.fail(entry, f"{text!r}: runtime is set, so give only the version", item)
            name, version = runtime, text
        elif not sep:
            raise check.fail(entry, f"{text!r}: use NAME=VERSION (e.g. containerd=1.7.20) "
                                    "or set runtime", item)
        canonical = RUNTIMES.get(name.strip().lower())
        if canonical is None:
            raise check.fail(entry, f"{text!r}: unknown runtime {name.strip()!r} "
                                    f"(use {', '.join(sorted(set(RUNTIMES)))})", item)
        try:
            Version(version.strip().lstrip("v"))
        except ValueError:  # InvalidVersion, or a number past Python's int-string limit
            raise check.fail(entry, f"{shown(text)}: {shown(version.strip())} is not a version",
                             item) from None
        result.append(f"{canonical}={version.strip()}")
    return tuple(result)


def _severity(check: _Checker, known: frozenset[str]) -> tuple[tuple[str, str], ...]:
    entry = check.get("severity")
    result: list[tuple[str, str]] = []
    for rule, value in check.mapping("severity"):
        if rule.upper() not in known:
            raise check.fail(entry, f"unknown rule id {rule!r}", rule)
        try:
            level = Severity.parse(value) if isinstance(value, str) else None
        except ValueError:
            level = None
        if level is None:
            raise check.fail(entry, f"{rule}: {_shown(value)} is not a severity "
                                    "(use error, warning or info)", rule)
        result.append((rule.upper(), level.label))
    return tuple(result)


def _mirrors(check: _Checker) -> tuple[tuple[str, str], ...]:
    entry = check.get("mirrors")
    result: list[tuple[str, str]] = []
    for prefix, upstream in check.mapping("mirrors"):
        if not prefix.strip() or not isinstance(upstream, str) or not upstream.strip():
            raise check.fail(entry, f"{prefix!r}: expected a mirror prefix mapped to the "
                                    f"upstream it copies, got {_shown(upstream)}", prefix)
        result.append((prefix.strip().rstrip("/"), upstream.strip().rstrip("/")))
    return tuple(result)


def _fail_on(check: _Checker) -> str | None:
    text = check.string("fail-on")
    if text is not None and text.lower() not in FAIL_ON:
        raise check.fail(check.get("fail-on"), f"{text!r} is not one of {', '.join(FAIL_ON)}")
    return text.lower() if text else None


def _compat_overlay(check: _Checker, folder: "Path") -> str | None:
    text = check.string("compat-overlay")
    if text is None:
        return None
    from pathlib import Path

    try:
        target = folder / Path(text).expanduser()
    except RuntimeError:  # `~someone/...` for a user this machine does not have
        raise check.fail(check.get("compat-overlay"),
                         f"{text!r}: cannot expand the home folder in it") from None
    if not target.is_file():
        raise check.fail(check.get("compat-overlay"), f"{text!r}: no such file ({target})")
    return str(target)


def _validate(path: "Path", entries: list[_Entry]) -> Config:
    check = _Checker(str(path), entries)
    for entry in entries:
        if entry.key not in KEYS:
            import difflib  # only for a typo's suggestion

            close = difflib.get_close_matches(entry.key.replace("_", "-"), KEYS, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise check.fail(entry, f"unknown key{hint}")
    known = _known_rules()
    disable, enable = _rule_ids(check, "disable", known), _rule_ids(check, "enable", known)
    both = sorted(set(disable) & set(enable))
    if both:
        raise check.fail(check.get("enable"), f"{', '.join(both)} also in disable")
    return Config(
        path=str(path),
        kubernetes_version=_kubernetes_version(check),
        platform=_platform(check),
        runtime_versions=_runtime_versions(check),
        disable=disable,
        enable=enable,
        severity=_severity(check, known),
        allowed_registries=tuple(text.rstrip("/") for _, text in
                                 check.strings("allowed-registries")),
        mirrors=_mirrors(check),
        fail_on=_fail_on(check),
        exclude=tuple(text for _, text in check.strings("exclude")),
        compat_overlay=_compat_overlay(check, path.parent),
        online=_online(check),
    )


def _online(check: _Checker) -> bool | None:
    entry = check.get("online")
    if entry is None:
        return None
    if type(entry.value) is not bool:
        raise check.fail(entry, f"{_shown(entry.value)} is not true or false")
    return entry.value


def load_config(path: "Path") -> Config:
    """Read and validate one config file (YAML, or ``[tool.pauselint]`` of a pyproject)."""
    from pathlib import Path

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(str(path), f"cannot read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(str(path), "not UTF-8 text") from None
    reader: Callable[[str, str], list[_Entry]] = (
        _toml_entries if path.suffix == ".toml" else _yaml_entries)
    return _validate(path, reader(str(path), text))


# --- exclude globs ----------------------------------------------------------------


def _glob_regex(pattern: str) -> re.Pattern[str]:
    """A glob as a regex: ``*``/``?`` stay inside one folder, ``**`` crosses folders.

    A pattern without a slash matches a name at any depth (``*.bak``), as in
    .gitignore; a leading slash anchors it to the config file's folder.
    """
    pattern = pattern.strip()
    if pattern.startswith("/"):
        pattern = pattern[1:]
    elif "/" not in pattern.rstrip("/"):
        pattern = "**/" + pattern
    pattern = pattern.rstrip("/")
    out: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[" and pattern.find("]", i + 2) != -1:
            end = pattern.find("]", i + 2)  # "[]x]" is a class holding "]" and "x"
            body = pattern[i + 1:end]
            body = "^" + body[1:] if body.startswith("!") else body
            out.append("[" + body.replace("\\", "\\\\") + "]")
            i = end + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


def _prefixes(relative: str) -> Iterator[str]:
    parts = relative.split("/")
    for end in range(len(parts), 0, -1):
        yield "/".join(parts[:end])


def _own_path(path: str) -> "Path":
    """``path`` made absolute with its folder resolved but not its last name: a symlinked
    file is matched by the link's own path (``exclude: [old.toml]`` skips the link
    ``old.toml -> config.toml``, not ``config.toml``)."""
    from pathlib import Path

    given = Path(path)
    if given.name in ("", ".", ".."):
        return given.resolve()
    return given.absolute().parent.resolve() / given.name


def is_excluded(config: Config, path: str) -> bool:
    """Whether an input matches an ``exclude`` glob (relative to the config's folder,
    or to the working folder for a Config with no path: the ``--exclude`` flag).

    A pattern that matches a folder excludes everything under it. Inputs outside the
    config's folder, and standard input, are never excluded.
    """
    if not config.exclude or path in ("-", STDIN_NAME):
        return False
    from pathlib import Path

    base = Path(config.path).resolve().parent if config.path else Path.cwd().resolve()
    try:
        relative = _own_path(path).relative_to(base).as_posix()
    except ValueError:
        return False
    if relative == ".":
        return False
    patterns = [_glob_regex(pattern) for pattern in config.exclude]
    return any(regex.match(prefix) for prefix in _prefixes(relative) for regex in patterns)
