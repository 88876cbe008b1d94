from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pauselint.model import Component, ConfigFile, InputError, Location, Role, Setting
from pauselint.sources.containerd import (
    containerd_effective,
    import_paths,
    read_containerd,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "containerd"

V1_KEY = "plugins.cri.sandbox_image"
V2_KEY = 'plugins."io.containerd.grpc.v1.cri".sandbox_image'
V3_KEY = 'plugins."io.containerd.cri.v1.images".pinned_images.sandbox'


def sandbox(config: ConfigFile) -> list[tuple[str, str, int | None, int | None, bool, bool]]:
    """(key, value, line, column, effective, ignored) of each sandbox setting."""
    return [
        (s.key, s.value, s.location.line, s.location.column, s.effective, s.ignored)
        for s in config.settings
        if s.role is Role.SANDBOX_IMAGE
    ]


# -- the key each version reads ----------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected", "version"),
    [
        pytest.param(
            '[plugins.cri]\n  sandbox_image = "registry.k8s.io/pause:3.1"\n',
            [(V1_KEY, "registry.k8s.io/pause:3.1", 2, 19, True, False)],
            None,
            id="no-version-is-v1",
        ),
        pytest.param(
            'version = 1\n[plugins.cri]\nsandbox_image = "p:1"\n',
            [(V1_KEY, "p:1", 3, 17, True, False)],
            1,
            id="v1",
        ),
        pytest.param(
            'version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n  sandbox_image = "p:2"\n',
            [(V2_KEY, "p:2", 3, 19, True, False)],
            2,
            id="v2-double-quotes",
        ),
        pytest.param(
            "version = 2\n[plugins.'io.containerd.grpc.v1.cri']\n  sandbox_image = 'p:2'\n",
            [(V2_KEY, "p:2", 3, 19, True, False)],
            2,
            id="v2-single-quotes",
        ),
        pytest.param(
            'version = 2\nplugins."io.containerd.grpc.v1.cri".sandbox_image = "p:2"\n',
            [(V2_KEY, "p:2", 2, 53, True, False)],
            2,
            id="v2-dotted-key",
        ),
        pytest.param(
            "version = 3\n[plugins.'io.containerd.cri.v1.images'.pinned_images]\n"
            "  sandbox = 'p:3'\n",
            [(V3_KEY, "p:3", 3, 13, True, False)],
            3,
            id="v3",
        ),
        pytest.param(
            'version = 4\n[plugins."io.containerd.cri.v1.images"]\n'
            'pinned_images = { sandbox = "p:4" }\n',
            [(V3_KEY, "p:4", 3, 29, True, False)],
            4,
            id="v4-inline-table",
        ),
        pytest.param(
            # kind's layout: the table holding sandbox_image comes after its sub-tables
            'version = 2\n[plugins."io.containerd.grpc.v1.cri".containerd]\n'
            '  snapshotter = "overlayfs"\n[plugins."io.containerd.grpc.v1.cri"]\n'
            '  sandbox_image = "registry.k8s.io/pause:3.10"\n',
            [(V2_KEY, "registry.k8s.io/pause:3.10", 5, 19, True, False)],
            2,
            id="header-after-sub-tables",
        ),
        pytest.param(
            'version = 2\r\n[plugins."io.containerd.grpc.v1.cri"]\r\n'
            '  sandbox_image = "p:crlf"\r\n',
            [(V2_KEY, "p:crlf", 3, 19, True, False)],
            2,
            id="crlf",
        ),
        pytest.param(
            'version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n\tsandbox_image\t= "p:tab"\n',
            [(V2_KEY, "p:tab", 3, 18, True, False)],
            2,
            id="tabs",
        ),
        pytest.param(
            '\ufeffversion = 2\n[plugins."io.containerd.grpc.v1.cri"]\nsandbox_image = "p:bom"\n',
            [(V2_KEY, "p:bom", 3, 17, True, False)],
            2,
            id="bom",
        ),
        pytest.param(
            "version = 2\n[plugins]\n",
            [],
            2,
            id="no-sandbox-key",
        ),
    ],
)
def test_reads_sandbox_key_per_version(text: str, expected: list, version: int | None) -> None:
    config = read_containerd("config.toml", text)
    assert config.errors == ()
    assert config.component is Component.CONTAINERD
    assert config.config_version == version
    assert sandbox(config) == expected


def test_version_line_is_a_setting() -> None:
    config = read_containerd("c.toml", "# header\nversion   = 3\n")
    assert config.settings == (
        Setting(
            component=Component.CONTAINERD,
            role=Role.CONFIG_VERSION,
            key="version",
            value="3",
            location=Location("c.toml", 2, 13),
        ),
    )


def test_imports_as_written() -> None:
    config = read_containerd(
        "c.toml", 'version = 2\nimports = ["/etc/containerd/conf.d/*.toml", "./debug.toml"]\n'
    )
    assert config.imports == ("/etc/containerd/conf.d/*.toml", "./debug.toml")
    assert config.errors == ()


# -- keys the declared version does not read ---------------------------------


@pytest.mark.parametrize(
    ("text", "key", "line", "column", "reason"),
    [
        pytest.param(
            'version = 3\n[plugins."io.containerd.grpc.v1.cri"]\n  sandbox_image = "p"\n',
            V2_KEY,
            3,
            19,
            "`sandbox_image` under io.containerd.grpc.v1.cri is not read in a version 3 file "
            "(containerd 2.x reads "
            'plugins."io.containerd.cri.v1.images".pinned_images.sandbox); '
            "it is silently ignored",
            id="v2-key-in-v3",
        ),
        pytest.param(
            'version = 4\nplugins."io.containerd.grpc.v1.cri".sandbox_image = "p"\n',
            V2_KEY,
            2,
            53,
            "`sandbox_image` under io.containerd.grpc.v1.cri is not read in a version 4 file "
            "(containerd 2.x reads "
            'plugins."io.containerd.cri.v1.images".pinned_images.sandbox); '
            "it is silently ignored",
            id="v2-key-in-v4",
        ),
        pytest.param(
            '[plugins."io.containerd.grpc.v1.cri"]\nsandbox_image = "p"\n',
            V2_KEY,
            2,
            17,
            "a version 1 file addresses plugins by short ID (plugins.cri); the fully qualified "
            "ID is ignored by containerd 1.x (add `version = 2` or use [plugins.cri])",
            id="v2-key-without-version",
        ),
        pytest.param(
            'version = 2\n[plugins.cri]\nsandbox_image = "p"\n',
            V1_KEY,
            3,
            17,
            "`[plugins.cri]` is a version 1 key: containerd 1.5+ refuses it in a version 2 file "
            "('invalid plugin key URI \"cri\"'); a version 2 file reads "
            'plugins."io.containerd.grpc.v1.cri".sandbox_image',
            id="v1-key-in-v2",
        ),
        pytest.param(
            'version = 3\n[plugins.cri]\nsandbox_image = "p"\n',
            V1_KEY,
            3,
            17,
            "`[plugins.cri]` is a version 1 key: a version 3 file addresses plugins by fully "
            "qualified ID, so containerd never reads it (it reads "
            'plugins."io.containerd.cri.v1.images".pinned_images.sandbox)',
            id="v1-key-in-v3",
        ),
        pytest.param(
            "version = 2\n[plugins.'io.containerd.cri.v1.images'.pinned_images]\nsandbox = 'p'\n",
            V3_KEY,
            3,
            11,
            "pinned_images.sandbox is a version 3 key: a version 2 file reads "
            'plugins."io.containerd.grpc.v1.cri".sandbox_image, and containerd 1.x has no '
            "io.containerd.cri.v1.images plugin, so it is ignored (or declare `version = 3` for "
            "containerd 2.x)",
            id="v3-key-in-v2",
        ),
        pytest.param(
            "[plugins.'io.containerd.cri.v1.images'.pinned_images]\nsandbox = 'p'\n",
            V3_KEY,
            2,
            11,
            "pinned_images.sandbox is a version 3 key: a version 1 file reads "
            "plugins.cri.sandbox_image, and containerd 1.x has no "
            "io.containerd.cri.v1.images plugin, so it is ignored (or declare `version = 3` for "
            "containerd 2.x)",
            id="v3-key-without-version",
        ),
    ],
)
def test_key_ignored_by_declared_version(
    text: str, key: str, line: int, column: int, reason: str
) -> None:
    config = read_containerd("c.toml", text)
    [setting] = [s for s in config.settings if s.role is Role.SANDBOX_IMAGE]
    assert config.errors == ()
    assert (setting.key, setting.value) == (key, "p")
    assert (setting.location.line, setting.location.column) == (line, column)
    assert setting.ignored is True
    assert setting.effective is False
    assert setting.ignored_reason == reason


def test_both_keys_in_one_v3_file() -> None:
    text = (
        "version = 3\n"
        "[plugins.'io.containerd.cri.v1.images'.pinned_images]\n"
        "  sandbox = 'registry.k8s.io/pause:3.10'\n"
        "[plugins.'io.containerd.grpc.v1.cri']\n"
        "  sandbox_image = 'registry.k8s.io/pause:3.6'\n"
    )
    assert sandbox(read_containerd("c.toml", text)) == [
        (V3_KEY, "registry.k8s.io/pause:3.10", 3, 13, True, False),
        (V2_KEY, "registry.k8s.io/pause:3.6", 5, 19, False, True),
    ]


@pytest.mark.parametrize(
    ("text", "key", "line", "column", "reason"),
    [
        (
            'version = 2\n[plugins."io.containerd.grpc.v1.cri"]\nsandbox-image = "p"\n',
            'plugins."io.containerd.grpc.v1.cri".sandbox-image',
            3,
            17,
            "misspelled: containerd reads `sandbox_image`",
        ),
        (
            'version = 2\n[plugins."io.containerd.grpc.v1.cri"]\nsandboxImage = "p"\n',
            'plugins."io.containerd.grpc.v1.cri".sandboxImage',
            3,
            16,
            "misspelled: containerd reads `sandbox_image`",
        ),
        (
            'version = 2\n[plugins."io.containerd.grpc.v1.cri"]\nsandbox_images = "p"\n',
            'plugins."io.containerd.grpc.v1.cri".sandbox_images',
            3,
            18,
            "misspelled: containerd reads `sandbox_image`",
        ),
        (
            '[plugins.cri]\npause_image = "p"\n',
            "plugins.cri.pause_image",
            2,
            15,
            "misspelled: containerd reads `sandbox_image`",
        ),
        (
            "version = 3\n[plugins.'io.containerd.cri.v1.images'.pinned_images]\n"
            "sandbox_image = 'p'\n",
            'plugins."io.containerd.cri.v1.images".pinned_images.sandbox_image',
            3,
            17,
            "misspelled: containerd reads `sandbox`",
        ),
        (
            "version = 3\n[plugins.'io.containerd.cri.v1.images'.pinned_images]\n"
            "sandbox-image = 'p'\n",
            'plugins."io.containerd.cri.v1.images".pinned_images.sandbox-image',
            3,
            17,
            "misspelled: containerd reads `sandbox`",
        ),
    ],
)
def test_misspelled_keys_are_ignored(
    text: str, key: str, line: int, column: int, reason: str
) -> None:
    config = read_containerd("c.toml", text)
    [setting] = [s for s in config.settings if s.role is Role.SANDBOX_IMAGE]
    assert (setting.key, setting.value, setting.location.line, setting.location.column) == (
        key,
        "p",
        line,
        column,
    )
    assert (setting.ignored, setting.effective, setting.ignored_reason) == (True, False, reason)


IMAGES_TABLE = "[plugins.'io.containerd.cri.v1.images']\n"
RUNTIME_TABLE = "[plugins.'io.containerd.cri.v1.runtime']\n"
PINNED_REASON = 'a version 3 file reads plugins."io.containerd.cri.v1.images".pinned_images.sandbox'


@pytest.mark.parametrize(
    ("text", "key", "line", "column", "reason"),
    [
        (
            "version = 3\n" + IMAGES_TABLE + "  sandbox_image = 'p'\n",
            'plugins."io.containerd.cri.v1.images".sandbox_image',
            3,
            19,
            "misplaced: containerd reads no sandbox image directly under "
            '[plugins."io.containerd.cri.v1.images"]; ' + PINNED_REASON,
        ),
        (
            "version = 3\n" + IMAGES_TABLE + "sandbox = 'p'\n",
            'plugins."io.containerd.cri.v1.images".sandbox',
            3,
            11,
            "misplaced: containerd reads no sandbox image directly under "
            '[plugins."io.containerd.cri.v1.images"]; ' + PINNED_REASON,
        ),
        (
            "version = 3\n" + RUNTIME_TABLE + "sandbox_image = 'p'\n",
            'plugins."io.containerd.cri.v1.runtime".sandbox_image',
            3,
            17,
            "misplaced: containerd reads no sandbox image directly under "
            '[plugins."io.containerd.cri.v1.runtime"]; ' + PINNED_REASON,
        ),
        (
            "version = 2\n" + IMAGES_TABLE + "sandbox_image = 'p'\n",
            'plugins."io.containerd.cri.v1.images".sandbox_image',
            3,
            17,
            "misplaced: containerd reads no sandbox image directly under "
            '[plugins."io.containerd.cri.v1.images"]; a version 2 file reads '
            'plugins."io.containerd.grpc.v1.cri".sandbox_image',
        ),
    ],
)
def test_sandbox_key_directly_under_the_images_or_runtime_plugin_is_ignored(
    text: str, key: str, line: int, column: int, reason: str
) -> None:
    [setting] = sandbox_settings(read_containerd("c.toml", text))
    assert setting == Setting(
        Component.CONTAINERD, Role.SANDBOX_IMAGE, key, "p", Location("c.toml", line, column),
        effective=False, ignored=True, ignored_reason=reason,
    )


def test_misplaced_key_in_an_import_names_the_main_files_key() -> None:
    main = read_containerd("config.toml", "version = 3\n")
    imported = read_containerd("conf.d/a.toml", IMAGES_TABLE + "sandbox_image = 'p'\n")
    [setting] = containerd_effective([main, imported])
    assert (setting.ignored, setting.effective) == (True, False)
    assert setting.ignored_reason == (
        "misplaced: containerd reads no sandbox image directly under "
        '[plugins."io.containerd.cri.v1.images"]; ' + PINNED_REASON
    )


def sandbox_settings(config: ConfigFile) -> list[Setting]:
    return [s for s in config.settings if s.role is Role.SANDBOX_IMAGE]


def test_runtime_options_sandbox_image_is_not_a_sandbox_key() -> None:
    # runhcs reads `SandboxImage` per runtime; it is not the CRI pause image key.
    text = (
        "version = 3\n"
        "[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runhcs.options]\n"
        "  SandboxImage = 'mcr.microsoft.com/oss/kubernetes/pause:3.10'\n"
        "[plugins.'io.containerd.grpc.v1.cri'.containerd]\n"
        "  sandbox-image = 'not the CRI table itself'\n"
    )
    assert sandbox(read_containerd("c.toml", text)) == []


# -- input errors -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("# c\nversion = 2.0\n", 2, "`version` must be an integer, not 2.0"),
        ('version = "2"\n', 1, "`version` must be an integer, not '2'"),
        ('imports = "/etc/containerd/conf.d/*.toml"\n', 1, "`imports` must be a list of strings"),
        (
            "version = [" + ", ".join(["1"] * 1000) + "]\n",
            1,
            "`version` must be an integer, not [" + ", ".join(["1"] * 67)[:199] + "… (3000 characters)",
        ),
    ],
)
def test_bad_values_are_input_errors(text: str, line: int, message: str) -> None:
    config = read_containerd("c.toml", text)
    assert config.errors == (InputError("c.toml", line, message),)


def test_a_version_no_release_documents_leaves_keys_unjudged_and_is_no_error() -> None:
    # Whether `version = 7` loads is each release's to say (1.6.20 reads it as 2; 1.7.24
    # and 2.x refuse it: tests/sources/test_containerd_load.py), not the file's.
    text = 'version = 7\n[plugins."io.containerd.grpc.v1.cri"]\nsandbox_image = "p"\n'
    config = read_containerd("c.toml", text)
    assert config.config_version == 7 and config.errors == ()
    assert sandbox(config) == [(V2_KEY, "p", 3, 17, True, False)]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (
            "version = 2\nsandbox_image = {{ .PauseImage }}\n",
            2,
            "invalid TOML: Invalid initial character for a key part (at line 2, column 18)",
        ),
        (
            "version = 2\n[plugins\n",
            2,
            "invalid TOML: Expected ']' at the end of a table declaration (at line 2, column 9)",
        ),
        ("a = 1\na = 2\n", 2, "invalid TOML: Cannot overwrite a value (at line 2, column 6)"),
    ],
)
def test_invalid_toml_is_one_error(text: str, line: int, message: str) -> None:
    config = read_containerd("c.toml", text)
    assert config == ConfigFile(
        path="c.toml",
        component=Component.CONTAINERD,
        errors=(InputError("c.toml", line, message),),
        parsed=False,
    )


def test_too_deeply_nested_file_is_an_input_error() -> None:
    # tomllib recurses per `[`: a generated file this deep would crash it.
    config = read_containerd("c.toml", "version = 2\nx = " + "[" * 20_000 + "\n")
    assert config.errors == (InputError("c.toml", 2, "not read: nested more than 32 levels "
                                        "deep (`[`/`{`): refused before parsing"),)
    assert config.settings == ()


# -- imports: effective value --------------------------------------------------


def test_last_non_empty_non_ignored_value_wins() -> None:
    main = read_containerd(
        "config.toml",
        'version = 2\nimports = ["conf.d/*.toml"]\n'
        '[plugins."io.containerd.grpc.v1.cri"]\nsandbox_image = "main:1"\n',
    )
    first = read_containerd(
        "conf.d/10.toml",
        'version = 2\n[plugins."io.containerd.grpc.v1.cri"]\nsandbox_image = "import:2"\n',
    )
    empty = read_containerd(
        "conf.d/20.toml",
        'version = 2\n[plugins."io.containerd.grpc.v1.cri"]\nsandbox_image = ""\n',
    )
    ignored = read_containerd(
        "conf.d/30.toml",
        'version = 2\n[plugins."io.containerd.grpc.v1.cri"]\nsandbox-image = "typo:3"\n',
    )
    result = containerd_effective([main, first, empty, ignored])
    assert [(s.location.path, s.value, s.effective, s.ignored) for s in result] == [
        ("config.toml", "main:1", False, False),
        ("conf.d/10.toml", "import:2", True, False),
        ("conf.d/20.toml", "", False, False),
        ("conf.d/30.toml", "typo:3", False, True),
    ]


def test_no_effective_value_when_all_are_ignored() -> None:
    main = read_containerd(
        "config.toml", 'version = 3\n[plugins."io.containerd.grpc.v1.cri"]\nsandbox_image = "x"\n'
    )
    assert [s.effective for s in containerd_effective([main])] == [False]
    assert containerd_effective([]) == ()


def test_versionless_import_is_read_with_the_main_version() -> None:
    main = read_containerd("config.toml", 'version = 2\nimports = ["dropin.toml"]\n')
    qualified = read_containerd(
        "dropin.toml", '[plugins."io.containerd.grpc.v1.cri"]\nsandbox_image = "drop:1"\n'
    )
    # Alone, a version-less file is version 1 and the qualified ID is ignored ...
    assert sandbox(qualified) == [(V2_KEY, "drop:1", 2, 17, False, True)]
    # ... but as an import of a version 2 file it is what containerd uses.
    [setting] = containerd_effective([main, qualified])
    assert (setting.value, setting.effective, setting.ignored) == ("drop:1", True, False)
    assert setting.ignored_reason is None


def test_versionless_import_with_short_id_under_v2_main() -> None:
    main = read_containerd("config.toml", 'version = 2\nimports = ["dropin.toml"]\n')
    short = read_containerd("dropin.toml", '[plugins.cri]\nsandbox_image = "drop:1"\n')
    [setting] = containerd_effective([main, short])
    assert (setting.effective, setting.ignored) == (False, True)
    assert setting.ignored_reason == (
        "`[plugins.cri]` is a version 1 key: containerd 1.5+ refuses it in a version 2 file "
        "('invalid plugin key URI \"cri\"'); a version 2 file reads "
        'plugins."io.containerd.grpc.v1.cri".sandbox_image (an import without a `version` '
        "line is read as version 2, the main file's)"
    )


def test_versionless_import_under_v3_main_is_migrated() -> None:
    # containerd 2.x migrates a version-less import from version 1: every key survives.
    main = read_containerd("config.toml", 'version = 3\nimports = ["dropin.toml"]\n')
    dropin = read_containerd(
        "dropin.toml", '[plugins."io.containerd.grpc.v1.cri"]\nsandbox_image = "drop:1"\n'
    )
    [setting] = containerd_effective([main, dropin])
    assert (setting.effective, setting.ignored, setting.ignored_reason) == (True, False, None)


def test_import_with_own_version_keeps_its_judgement() -> None:
    main = read_containerd("config.toml", 'version = 3\nimports = ["dropin.toml"]\n')
    dropin = read_containerd(
        "dropin.toml",
        'version = 3\n[plugins."io.containerd.grpc.v1.cri"]\nsandbox_image = "drop:1"\n',
    )
    [setting] = containerd_effective([main, dropin])
    assert (setting.effective, setting.ignored) == (False, True)


# -- imports: paths ------------------------------------------------------------


def test_import_paths_glob_relative_and_missing() -> None:
    main_path = FIXTURES / "imports" / "config.toml"
    main = read_containerd(str(main_path), main_path.read_text(encoding="utf-8"))
    assert main.imports == ("conf.d/*.toml", "./debug.toml", "missing.toml")
    assert import_paths(main, main_path) == [
        FIXTURES / "imports" / "conf.d" / "10-mirror.toml",
        FIXTURES / "imports" / "conf.d" / "20-pause.toml",
        FIXTURES / "imports" / "debug.toml",
    ]


def test_import_fixture_effective_value() -> None:
    main_path = FIXTURES / "imports" / "config.toml"
    files = [read_containerd(str(main_path), main_path.read_text(encoding="utf-8"))]
    for path in import_paths(files[0], main_path):
        files.append(read_containerd(str(path), path.read_text(encoding="utf-8")))
    result = containerd_effective(files)
    assert [
        (Path(s.location.path).name, s.value, s.location.line, s.effective) for s in result
    ] == [
        ("config.toml", "registry.k8s.io/pause:3.9", 5, False),
        ("20-pause.toml", "registry.k8s.io/pause:3.10", 3, True),
    ]


def test_absolute_imports_resolve_under_root(tmp_path: Path) -> None:
    root = tmp_path / "host"
    conf_d = root / "etc" / "containerd" / "conf.d"
    conf_d.mkdir(parents=True)
    for name in ("b.toml", "a.toml", "c.conf"):
        (conf_d / name).write_text("version = 2\n", encoding="utf-8")
    shutil.copy(FIXTURES / "imports" / "debug.toml", root / "etc" / "containerd" / "debug.toml")
    main_path = root / "etc" / "containerd" / "config.toml"
    main = read_containerd(
        "/etc/containerd/config.toml",
        'version = 2\nimports = ["/etc/containerd/conf.d/*.toml", "/etc/containerd/debug.toml",'
        ' "/etc/containerd/none.toml"]\n',
    )
    assert import_paths(main, main_path, root) == [
        conf_d / "a.toml",
        conf_d / "b.toml",
        root / "etc" / "containerd" / "debug.toml",
    ]
    # Without a root, absolute paths are taken as they are (and do not exist here).
    assert import_paths(main, main_path) == []

