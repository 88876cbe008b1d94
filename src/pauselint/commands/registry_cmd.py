"""`pauselint registry REPOSITORY`: which pause tags a repository really carries, for
which platforms, with which digests, beside what upstream publishes (issue 15).

The offline table knows the registries it describes; a private mirror or an
air-gapped copy it cannot know. This verb asks the registry itself, read-only (the
tags list, then a HEAD and GET per tag: :mod:`pauselint.online`), bounded by a
per-request timeout and a deadline for the whole run, and prints the table a mirror's
users need before they point a node at it.

The options are those the ``--online`` check takes for the same questions
(``--registry-timeout``, ``--registry-deadline``, ``--registry-auth-file``; the
shorter ``--timeout`` and ``--deadline`` too, this verb asking nothing else), so one
learned spelling serves both; credentials come from the files the runtimes' own
clients read and are never printed.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from pauselint.commands.errors import EXIT_ERROR, Fatal
from pauselint.commands.online_options import Seconds
from pauselint.commands.output import say

if TYPE_CHECKING:
    from pauselint.online.distribution import RegistryClient
    from pauselint.online.hosts import Credentials
    from pauselint.online.results import Failure, Manifest

# Shown in --help without importing the client (tests/online/test_registry_command.py
# holds these equal to pauselint.online.distribution's defaults).
DEFAULT_TIMEOUT_SHOWN = "10"
DEFAULT_DEADLINE_SHOWN = "60"
AUTH_FILE_VARIABLE = "REGISTRY_AUTH_FILE"

_seconds = Seconds(min=0, min_open=True)


@click.command("registry")
@click.argument("repository")
@click.option("--all-tags", is_flag=True,
              help="List every tag, not only the pause-like ones (release tags such as "
                   "3.10, their per-platform variants such as 3.9-linuxarm64, and the "
                   "tags the compat table knows).")
@click.option("--output", "-o", "--format", "output_format",
              type=click.Choice(("text", "json")), default="text", show_default=True,
              help="json for tools (whole digests, platforms as fields).")
@click.option("--timeout", "--registry-timeout", "timeout", type=_seconds, default=None,
              metavar="SECONDS",
              help=f"Seconds each request may take [default: {DEFAULT_TIMEOUT_SHOWN}].")
@click.option("--deadline", "--registry-deadline", "deadline", type=_seconds, default=None,
              metavar="SECONDS",
              help=f"Seconds the whole run may take; what is not asked by then is "
                   f"reported as not asked [default: {DEFAULT_DEADLINE_SHOWN}].")
@click.option("--plain-http", is_flag=True,
              help="Talk to REPOSITORY's host over plain HTTP (a registry without TLS, "
                   "as hosts.toml server = \"http://...\" says); other hosts keep HTTPS.")
@click.option("--ca-file", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Trust this CA (PEM) for REPOSITORY's host, besides the system's roots "
                   "(hosts.toml `ca`).")
@click.option("--insecure-skip-verify", is_flag=True,
              help="Do not verify REPOSITORY's host's TLS certificate (hosts.toml "
                   "`skip_verify`); a warning says so on stderr.")
@click.option("--registry-auth-file", "auth_file", type=click.Path(dir_okay=False),
              default=None, metavar="FILE",
              help="Registry credentials (Docker config.json format) instead of "
                   "$REGISTRY_AUTH_FILE, $DOCKER_CONFIG/config.json or "
                   "~/.docker/config.json. Never printed.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
              help="Config file whose compat-overlay says which repositories copy "
                   "upstream's digests, instead of searching for .pauselint.yaml or "
                   "[tool.pauselint] in pyproject.toml from the working folder up.")
@click.option("--no-config", is_flag=True, help="Use no config file.")
def registry_command(repository: str, all_tags: bool, output_format: str,
                     timeout: float | None, deadline: float | None, plain_http: bool,
                     ca_file: str | None, insecure_skip_verify: bool, auth_file: str | None,
                     config_path: str | None, no_config: bool) -> None:
    """List the pause tags REPOSITORY carries, with each tag's digest, type and
    platforms, beside upstream's (registry.k8s.io/pause) from the compat table.

    \b
    Examples:
      pauselint registry registry.cn-hangzhou.aliyuncs.com/google_containers/pause
      pauselint registry --plain-http localhost:5000/pause
      pauselint registry -o json registry.k8s.io/pause | jq '.tags[] | {tag, lacks}'

    \b
    Columns:
      TAG              the tag, as the registry's tags list gives it
      TYPE             index (OCI) / list (Docker): a multi-platform index;
                       manifest (OCI/Docker): one image for one platform
      DIGEST           what a runtime pins (first 12 hex digits; -o json: whole)
      PLATFORMS        the index's entries, or the single image's config
      UPSTREAM DIGEST  upstream's manifest-list digest of the tag, from the table
      DIGEST CHECK     same / DIFFERS, only where the table says the repository
                       copies upstream's digests (registry.k8s.io itself, a mirror
                       with `digests: upstream`); else "not a copy: not compared"
      UPSTREAM HAS, THIS LACKS
                       platforms upstream's tag has and this one does not (for a
                       per-platform tag such as 3.9-linuxarm64, only its own);
                       "unknown" for a tag the table does not know

    \b
    Access: HTTPS with verification, anonymous or with the credentials for the host
    in --registry-auth-file, else $REGISTRY_AUTH_FILE, else $DOCKER_CONFIG/config.json
    or ~/.docker/config.json (`auths.<host>.auth`; never printed). Only GET and HEAD
    requests are sent. On a terminal, stderr shows "N/M tags" while tags are asked.

    \b
    Exit codes: 0 listed; 2 the registry could not be asked (the reason names the
    host: DNS, TLS, 401/403, timeout, no such repository), a tag could not be asked
    (the rest are still listed), or a usage error. 1 is not used.
    """
    from pauselint.compat import CompatError, load_table
    from pauselint.imageref import ImageRefError, parse_image

    try:
        ref = parse_image(repository)
    except ImageRefError as exc:
        raise Fatal(f"REPOSITORY: {exc}") from None
    if ref.tag is not None or ref.digest is not None:
        pinned = f":{ref.tag}" if ref.tag is not None else f"@{ref.digest}"
        raise Fatal(f"REPOSITORY {repository!r} names an image, not a repository: drop "
                    f"{pinned!r} (every tag is listed)")
    if ca_file and insecure_skip_verify:
        raise Fatal("--ca-file and --insecure-skip-verify contradict each other: choose one")
    from pauselint.commands.inputs_options import load_user_config, table_with_user_data

    config = load_user_config(config_path, no_config)
    try:
        table = table_with_user_data(load_table(), config)
    except CompatError as exc:
        raise Fatal(str(exc)) from None
    credentials = credentials_for(ref.registry, os.environ, Path.home(), _warn,
                                  Path(auth_file) if auth_file else None)
    if insecure_skip_verify:
        _warn(f"TLS certificates of {ref.registry} are not verified "
              "(--insecure-skip-verify): anyone on the path can answer for it")

    from pauselint.online.deadline import Deadline
    from pauselint.online.distribution import DEFAULT_DEADLINE, DEFAULT_TIMEOUT, RegistryClient
    from pauselint.online.hosts import HostSettings
    from pauselint.report import registry_report as report

    settings = HostSettings(plain_http=plain_http, ca_file=Path(ca_file) if ca_file else None,
                            skip_verify=insecure_skip_verify, credentials=credentials)
    client = RegistryClient({ref.registry: settings}, timeout=timeout or DEFAULT_TIMEOUT,
                            deadline=Deadline(deadline or DEFAULT_DEADLINE))
    upstream = report.upstream_facts(table, ref)
    listed = client.tags(ref.registry, ref.repository)
    base = {"repository": ref.name, "host": ref.registry, "name": ref.repository,
            "plain_http": plain_http, "table_date": table.date, "upstream": upstream,
            "all_tags": all_tags}

    from pauselint.online.results import Failure

    if isinstance(listed, Failure):
        failure = _with_hint(listed, plain_http)
        if output_format == "json":
            _echo_json(report.listing_document(report.Listing(
                **base, tags_listed=0, pages=0, rows=(), failure=failure)))
        raise Fatal(failure.reason)
    wanted = sorted((tag for tag in listed.tags if all_tags or report.is_pause_like(tag, table)),
                    key=report.tag_order)
    progress = _Progress(len(wanted)) if output_format == "text" and _stderr_is_terminal() \
        else None
    answers = ask_each(client, ref.registry, ref.repository, wanted, progress)
    rows = tuple(report.tag_row(table, upstream, tag, answers[tag]) for tag in wanted)
    listing = report.Listing(**base, tags_listed=len(listed.tags), pages=listed.pages,
                             rows=rows)
    if output_format == "json":
        _echo_json(report.listing_document(listing))
    else:
        say(report.render_listing(listing))
    if any(row.failure is not None for row in rows):
        _say_unasked(rows)
        sys.exit(EXIT_ERROR)


def ask_each(client: RegistryClient, host: str, name: str, tags: list[str],
             progress: _Progress | None) -> dict[str, Manifest | Failure]:
    """Each tag's manifest, asked on the client's pool size; ``progress`` ticks as each
    answer comes (the client's ``manifests()`` gives them only all at once)."""
    answers: dict[str, Manifest | Failure] = {}
    if not tags:
        return answers
    with ThreadPoolExecutor(max_workers=max(1, min(client.workers, len(tags))),
                            thread_name_prefix="pauselint-registry") as pool:
        futures = {pool.submit(client.manifest, host, name, tag): tag for tag in tags}
        for future in as_completed(futures):
            answers[futures[future]] = future.result()
            if progress is not None:
                progress.tick()
    if progress is not None:
        progress.done()
    return answers


def credentials_for(host: str, environ: Mapping[str, str], home: Path,
                    warn: Callable[[str], None], given: Path | None = None
                    ) -> Credentials | None:
    """The credentials the auth file gives ``host``, as podman and docker find it:
    ``given`` (--registry-auth-file), else ``$REGISTRY_AUTH_FILE`` if set (either must
    be readable: the user named it), else
    ``$DOCKER_CONFIG/config.json`` or ``~/.docker/config.json`` if present (an
    unreadable one is a warning: the run goes on anonymously). Problems name the
    file and the host key, never a secret."""
    from pauselint.online.hosts import credentials_from_auth_file, normalize_host

    named = environ.get(AUTH_FILE_VARIABLE)
    if given is not None:
        path, explicit, where = given, True, f"--registry-auth-file {given}"
    elif named:
        path, explicit = Path(named), True
        where = f"auth file {path} ({AUTH_FILE_VARIABLE})"
    else:
        folder = environ.get("DOCKER_CONFIG")
        path = (Path(folder) if folder else home / ".docker") / "config.json"
        explicit = False
        if not path.is_file():
            return None
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(document, dict):
            raise ValueError("not a JSON object")
    except (OSError, ValueError) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else \
            "not a JSON object" if isinstance(exc, ValueError) else str(exc)
        if explicit:
            raise Fatal(f"{where}: {why}") from None
        warn(f"auth file {path}: {why}; asking anonymously")
        return None
    entries = credentials_from_auth_file(document)
    for problem in entries.problems:
        warn(f"auth file {path}: {problem}")
    return entries.credentials.get(normalize_host(host))


class _Progress:
    """``N/M tags`` on one stderr line, rewritten in place; erased when done."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.count = 0
        self._width = 0

    def tick(self) -> None:
        self.count += 1
        text = f"{self.count}/{self.total} tags"
        self._width = max(self._width, len(text))
        click.echo(f"\r{text}", err=True, nl=False)

    def done(self) -> None:
        if self._width:
            click.echo("\r" + " " * self._width + "\r", err=True, nl=False)


def _stderr_is_terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):  # replaced or closed stream
        return False


def _with_hint(failure: Failure, plain_http: bool) -> Failure:
    """A TLS failure on a host that may speak plain HTTP says how to ask it so."""
    from pauselint.online.results import Failure, FailureKind

    if failure.kind is FailureKind.TLS and not plain_http:
        return Failure(failure.kind, failure.host,
                       f"{failure.reason} (if {failure.host} serves plain HTTP, add "
                       "--plain-http)")
    return failure


def _say_unasked(rows: tuple[Any, ...]) -> None:
    """One stderr line per distinct reason a tag could not be asked (a passed deadline
    is one line for every tag it left unasked, not one each)."""
    by_reason: dict[str, list[str]] = {}
    for row in rows:
        if row.failure is not None:
            by_reason.setdefault(row.failure.reason, []).append(row.tag)
    for reason, tags in by_reason.items():
        click.echo(f"pauselint: error: {_tags_text(tags)}: {_safe(reason)}", err=True)


def _tags_text(tags: list[str]) -> str:
    shown = ", ".join(tags[:5]) + (f" and {len(tags) - 5} more" if len(tags) > 5 else "")
    return f"{len(tags)} tag{'s' if len(tags) != 1 else ''} ({_safe(shown)})"


def _safe(text: str) -> str:
    from pauselint.report.escaping import printable

    return printable(text)


def _echo_json(document: dict[str, Any]) -> None:
    from pauselint.report.escaping import json_controls_escaped

    say(json_controls_escaped(json.dumps(document, indent=2, ensure_ascii=False)))


def _warn(message: str) -> None:
    click.echo(f"pauselint: warning: {_safe(message)}", err=True)
