"""``--online`` and its bounds, shared by ``check``, ``node`` and ``cluster``.

Nothing here imports the network code: :func:`online_settings` does, and only when
the run is online, so an offline run never loads :mod:`pauselint.online`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import click

ONLINE_HELP = ("Also ask the registry each node pulls its sandbox image from (through "
               "its hosts.toml/registries.conf mirrors) whether the tag exists, for the "
               "node's platform, with upstream's digest (PL112-PL114). Read-only: GET "
               "and HEAD only. Off unless given (or `online: true` in the config file).")


class Seconds(click.FloatRange):
    """A time limit: a ``FloatRange`` that also refuses ``nan`` and ``inf``. Every
    request is bounded, and ``nan`` compares false with any limit, so it passed the
    range check and left a request waiting forever (``--request-timeout nan``)."""

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Any:
        seconds = super().convert(value, param, ctx)
        if not math.isfinite(seconds):
            self.fail(f"{value!r} is not a finite number of seconds", param, ctx)
        return seconds


def online_options(command: Callable) -> Callable:
    """Add the online flags to a command."""
    for option in reversed((
        click.option("--online", is_flag=True, default=None, help=ONLINE_HELP),
        click.option("--registry-timeout", type=Seconds(min=0.1), default=10.0,
                     show_default=True, metavar="SECONDS",
                     help="Give up on one registry request after this long."),
        click.option("--registry-deadline", type=Seconds(min=0.1), default=60.0,
                     show_default=True, metavar="SECONDS",
                     help="Give up on every registry still unasked after this long."),
        click.option("--registry-auth-file", type=click.Path(dir_okay=False), metavar="FILE",
                     help="Registry credentials (Docker config.json format); default "
                          "$REGISTRY_AUTH_FILE, else $DOCKER_CONFIG/config.json or "
                          "~/.docker/config.json. Never printed."),
    )):
        command = option(command)
    return command


def online_settings(online: bool | None, timeout: float, deadline: float,
                    auth_file: str | None, config: Any = None) -> Any:
    """The online phase's settings, or None for an offline run (the flag wins over
    the config file's ``online``)."""
    wanted = online if online is not None else bool(config is not None and config.online)
    if not wanted:
        return None
    from pathlib import Path

    from pauselint.online.lookups import OnlineSettings

    return OnlineSettings(timeout=timeout, deadline=deadline,
                          auth_file=Path(auth_file) if auth_file else None)
