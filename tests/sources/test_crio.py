"""CRI-O reader: what it finds, exactly where, and which value CRI-O really uses."""

from __future__ import annotations

from pathlib import Path

import pytest

from pauselint.model import Component, ConfigFile, InputError, Location, Role, Setting
from pauselint.sources.crio import crio_effective, dropin_dir_for, read_crio

PLACEMENT = "CRI-O reads pause_image only under [crio.image]; here it is ignored"
MISSPELLED = "misspelled: CRI-O reads `pause_image`"


def sandbox(
    value: str,
    path: str,
    line: int,
    column: int,
    *,
    key: str = "crio.image.pause_image",
    effective: bool = True,
    reason: str | None = None,
) -> Setting:
    return Setting(
        component=Component.CRIO,
        role=Role.SANDBOX_IMAGE,
        key=key,
        value=value,
        location=Location(path, line, column),
        effective=effective,
        ignored=reason is not None,
        ignored_reason=reason,
    )


MAIN = """\
[crio]
root = "/var/lib/containers/storage"

[crio.image]
# The image used to instantiate infra containers.
pause_image = "registry.k8s.io/pause:3.9"
pause_image_auth_file = ""
pause_command = "/pause"
"""


def test_main_file_setting_with_exact_position() -> None:
    result = read_crio("/etc/crio/crio.conf", MAIN)

    assert result == ConfigFile(
        path="/etc/crio/crio.conf",
        component=Component.CRIO,
        settings=(sandbox("registry.k8s.io/pause:3.9", "/etc/crio/crio.conf", 6, 15),),
    )


@pytest.mark.parametrize(
    ("text", "value", "line", "column"),
    [
        ('[crio.image]\npause_image = "quay.io/a/pause:3.10"\n', "quay.io/a/pause:3.10", 2, 15),
        ("[crio.image]\npause_image = 'quay.io/a/pause:3.10'\n", "quay.io/a/pause:3.10", 2, 15),
        # Indented tables and keys, as in cri-o's own lib/testdata/config.toml.
        ('[crio]\n  [crio.image]\n    pause_image = "k/pause"\n', "k/pause", 3, 19),
        ('[crio.image]\npause_image="x/pause:1"\n', "x/pause:1", 2, 13),
        ('[crio.image]\npause_image = ""\n', "", 2, 15),
    ],
    ids=["basic-quotes", "literal-quotes", "indented", "no-spaces", "empty"],
)
def test_both_quote_styles_and_layouts(text: str, value: str, line: int, column: int) -> None:
    result = read_crio("c.conf", text)

    assert result.errors == ()
    assert result.settings == (sandbox(value, "c.conf", line, column),)


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ('crio.image.pause_image = "r.io/pause:3.9"\n', 1, 26),
        ('[crio]\nimage.pause_image = "r.io/pause:3.9"\n', 2, 21),
        ('[crio]\nimage . pause_image = "r.io/pause:3.9"\n', 2, 23),
        ('[crio]\nimage = { pause_image = "r.io/pause:3.9" }\n', 2, 25),
    ],
    ids=["top-level-dotted", "dotted-under-crio", "dotted-with-spaces", "inline-table"],
)
def test_dotted_keys_reach_crio_image(text: str, line: int, column: int) -> None:
    result = read_crio("d.conf", text)

    assert result.settings == (sandbox("r.io/pause:3.9", "d.conf", line, column),)


@pytest.mark.parametrize(
    ("text", "key", "line", "column"),
    [
        ('[crio]\npause_image = "r.io/pause:3.9"\n', "crio.pause_image", 2, 15),
        ('[crio.runtime]\npause_image = "r.io/pause:3.9"\n', "crio.runtime.pause_image", 2, 15),
        ('pause_image = "r.io/pause:3.9"\n[crio.image]\n', "pause_image", 1, 15),
        ('[image]\npause_image = "r.io/pause:3.9"\n', "image.pause_image", 2, 15),
    ],
    ids=["under-crio", "under-runtime", "top-level", "image-without-crio"],
)
def test_pause_image_outside_crio_image_is_ignored(
    text: str, key: str, line: int, column: int
) -> None:
    result = read_crio("i.conf", text)

    assert result.settings == (
        sandbox("r.io/pause:3.9", "i.conf", line, column, key=key, reason=PLACEMENT),
    )


@pytest.mark.parametrize("name", ["pause-image", "pauseImage", "pause_images", "sandbox_image"])
def test_misspelled_key_in_crio_image_is_ignored(name: str) -> None:
    text = f'[crio.image]\n{name} = "r.io/pause:3.9"\npause_command = "/pause"\n'

    result = read_crio("m.conf", text)

    assert result.settings == (
        sandbox(
            "r.io/pause:3.9",
            "m.conf",
            2,
            len(name) + 4,
            key=f"crio.image.{name}",
            reason=MISSPELLED,
        ),
    )


def test_misspelled_and_misplaced_says_both() -> None:
    result = read_crio("m.conf", '[crio.runtime]\nsandbox_image = "r.io/pause:3.9"\n')

    assert result.settings == (
        sandbox(
            "r.io/pause:3.9",
            "m.conf",
            2,
            17,
            key="crio.runtime.sandbox_image",
            reason=f"{MISSPELLED}, and only under [crio.image]",
        ),
    )


def test_related_keys_are_not_mistaken_for_the_pause_image() -> None:
    text = '[crio.image]\npause_image_auth_file = "/a.json"\npause_command = "/pause"\n'

    assert read_crio("r.conf", text) == ConfigFile(path="r.conf", component=Component.CRIO)


def test_valid_and_ignored_keys_in_one_file_come_in_file_order() -> None:
    text = (
        "[crio]\n"
        'pause_image = "wrong.place/pause:1"\n'
        "[crio.image]\n"
        'pause_image = "right.place/pause:2"\n'
        'pauseImage = "typo/pause:3"\n'
    )

    result = read_crio("f.conf", text)

    assert result.settings == (
        sandbox("wrong.place/pause:1", "f.conf", 2, 15, key="crio.pause_image", reason=PLACEMENT),
        sandbox("right.place/pause:2", "f.conf", 4, 15),
        sandbox("typo/pause:3", "f.conf", 5, 14, key="crio.image.pauseImage", reason=MISSPELLED),
    )


def test_crlf_line_endings() -> None:
    text = '[crio]\r\n\r\n[crio.image]\r\npause_image = "r.io/pause:3.9"\r\n'

    result = read_crio("w.conf", text)

    assert result.settings == (sandbox("r.io/pause:3.9", "w.conf", 4, 15),)


def test_byte_order_mark_is_skipped_like_crio_does() -> None:
    result = read_crio("b.conf", '\ufeff[crio.image]\npause_image = "r.io/pause:3.9"\n')

    assert result.errors == ()
    assert result.settings == (sandbox("r.io/pause:3.9", "b.conf", 2, 15),)


def test_invalid_toml_gives_error_with_line_and_no_settings() -> None:
    text = '[crio.image]\npause_command = "/pause"\npause_image = "unterminated\n'

    result = read_crio("bad.conf", text)

    assert result.settings == ()
    assert len(result.errors) == 1
    error = result.errors[0]
    assert (error.path, error.line) == ("bad.conf", 3)
    assert error.message.startswith("not valid TOML: ")
    assert "template" not in error.message


def test_template_is_named_as_such() -> None:
    text = (
        '[crio.image]\npause_image = "{{ image }}"\n{% if x %}\npause_command = "/p"\n{% endif %}\n'
    )

    result = read_crio("crio.conf.j2", text)

    assert result.settings == ()
    assert [(e.path, e.line) for e in result.errors] == [("crio.conf.j2", 3)]
    assert result.errors[0].message.endswith(
        "; this looks like a template -- check the rendered file instead"
    )


def test_non_string_pause_image_is_an_input_error() -> None:
    result = read_crio("n.conf", "[crio.image]\n\npause_image = 39\n")

    assert result.settings == ()
    assert [(e.path, e.line, e.message) for e in result.errors] == [
        ("n.conf", 3, "crio.image.pause_image must be a string, not int")
    ]


def test_empty_file_has_nothing() -> None:
    assert read_crio("e.conf", "") == ConfigFile(path="e.conf", component=Component.CRIO)


# --- precedence between crio.conf and crio.conf.d --------------------------------------

MAIN_PATH = "/etc/crio/crio.conf"
D00 = "/etc/crio/crio.conf.d/00-default.conf"
D05 = "/etc/crio/crio.conf.d/05-runtime.conf"
D10 = "/etc/crio/crio.conf.d/10-custom.conf"
D20 = "/etc/crio/crio.conf.d/20-typo.conf"


def _files() -> tuple[ConfigFile, dict[str, ConfigFile]]:
    main = read_crio(MAIN_PATH, '[crio.image]\npause_image = "main/pause:1"\n')
    dropins = {
        D00: read_crio(D00, '[crio.image]\npause_image = "d00/pause:2"\n'),
        D05: read_crio(D05, '[crio.runtime]\ndefault_runtime = "crun"\n'),
        D10: read_crio(D10, '\n[crio.image]\n  pause_image = "d10/pause:3"\n'),
        D20: read_crio(D20, '[crio]\npause_image = "d20/pause:4"\n'),
    }
    return main, dropins


def test_last_dropin_in_lexical_order_wins_whatever_order_given() -> None:
    main, d = _files()

    result = crio_effective(main, [d[D10], d[D05], d[D00]])

    assert result == (
        sandbox("main/pause:1", MAIN_PATH, 2, 15, effective=False),
        sandbox("d00/pause:2", D00, 2, 15, effective=False),
        sandbox("d10/pause:3", D10, 3, 17, effective=True),
    )


def test_ignored_key_in_a_later_dropin_does_not_win() -> None:
    main, d = _files()

    result = crio_effective(main, [d[D20], d[D10], d[D00]])

    assert [(s.location.path, s.effective, s.ignored) for s in result] == [
        (MAIN_PATH, False, False),
        (D00, False, False),
        (D10, True, False),
        (D20, False, True),
    ]


def test_dropin_that_sets_nothing_leaves_main_effective() -> None:
    main, d = _files()

    result = crio_effective(main, [d[D05]])

    assert result == (sandbox("main/pause:1", MAIN_PATH, 2, 15, effective=True),)


def test_lexical_order_is_by_file_name_not_number() -> None:
    # "9-late.conf" sorts after "10-custom.conf" because '9' > '1'.
    _, d = _files()
    late = read_crio("/etc/crio/crio.conf.d/9-late.conf", '[crio.image]\npause_image = "nine"\n')

    result = crio_effective(None, [late, d[D10]])

    assert [(s.value, s.effective) for s in result] == [("d10/pause:3", False), ("nine", True)]


def test_only_ignored_settings_means_none_effective() -> None:
    _, d = _files()

    result = crio_effective(None, [d[D20]])

    assert [(s.key, s.effective, s.ignored) for s in result] == [("crio.pause_image", False, True)]


def test_nothing_at_all() -> None:
    assert crio_effective(None, []) == ()


def test_dropin_dir_is_next_to_main_file() -> None:
    assert dropin_dir_for(Path("/etc/crio/crio.conf")) == Path("/etc/crio/crio.conf.d")
    assert dropin_dir_for(Path("host/etc/crio/crio.conf")) == Path("host/etc/crio/crio.conf.d")


def test_too_deeply_nested_file_is_an_input_error() -> None:
    # tomllib recurses per `[`: a generated file this deep would crash it.
    result = read_crio("deep.conf", "[crio.image]\nx = " + "[" * 20_000 + "\n")

    assert result.errors == (InputError("deep.conf", 2, "not read: nested more than 32 levels "
                                        "deep (`[`/`{`): refused before parsing"),)
    assert result.settings == ()
