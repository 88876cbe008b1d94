"""``--online`` for files: each node's sandbox image, asked where that node pulls it.

The engine calls :func:`look_up_views` between building the nodes and running the
rules, only when ``--online`` is given (this module and :mod:`pauselint.online` are
never imported otherwise). The endpoints come from the node's own registry
configuration (:func:`pauselint.node_pulls.pull_path_for`: hosts.toml, containerd's
registry table, registries.conf); a runtime whose pull path is not modelled asks the
image's own registry.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pauselint.model import InputError
from pauselint.online.lookups import Job, Lookup, Target, ask, default_targets
from pauselint.reading import group_root
from pauselint.rules.framework import ImageUse, is_effective_sandbox, online_key

if TYPE_CHECKING:
    from pauselint.engine import Options
    from pauselint.inputs import InputFile
    from pauselint.model import NodeView
    from pauselint.pullpath import Endpoint, PullPath


def look_up_views(views: Sequence[NodeView], uses_by_view: Sequence[Sequence[ImageUse]],
                  options: Options, files: Sequence[InputFile],
                  ) -> tuple[dict[tuple[object, ...], Lookup], list[InputError]]:
    """The lookups of every effective sandbox image of every node, and the errors of
    the endpoints that could not be asked."""
    assert options.online is not None
    jobs: list[Job] = []
    for view, uses in zip(views, uses_by_view, strict=True):
        root = group_root(view.name, options.root) if _is_folder(view.name) else options.root
        group = [config for config, _ in view.configs]
        for use in uses:
            if not is_effective_sandbox(use):
                continue
            jobs.append(Job(online_key(use, options.platform), use.ref, _targets(use, group, root),
                            options.platform, use.location))
    return ask(jobs, options.online)


def _targets(use: ImageUse, group: Sequence[Any], root: str | Path | None) -> tuple[Target, ...]:
    """The endpoints the node of ``use`` tries, as the online client asks them."""
    path = _pull_path(use, group, root)
    if path is None:
        return default_targets(use.ref)
    sealed = any(config.node_path for config in group)  # a wrapper's node: nothing on disk
    return tuple(_target(endpoint, root, sealed) for endpoint in path.endpoints
                 if not endpoint.blocked)


def _pull_path(use: ImageUse, group: Sequence[Any], root: str | Path | None) -> PullPath | None:
    if use.node is None:
        return None
    from pauselint.node_pulls import pull_path_for

    return pull_path_for(use.node, use.ref, group, root)


def _target(endpoint: Endpoint, root: str | Path | None, sealed: bool) -> Target:
    where = endpoint.location
    shown = f"{endpoint.scheme}://{endpoint.host}"
    if where is not None and where.path:
        shown += f" ({where.path}:{where.line})" if where.line else f" ({where.path})"
    ca = Path(endpoint.ca[0]) if endpoint.ca else None
    unaskable = None
    if ca is not None and sealed:
        # A wrapper's node has its CA on the machine it makes, not on this one: this
        # machine's file of that name is not the node's.
        unaskable = (f"its CA {ca} is a file on the node, not among these inputs: TLS "
                     "cannot be verified as the node verifies it")
        ca = None
    elif ca is not None and root is not None and ca.is_absolute():
        ca = Path(root, *ca.parts[1:])  # the node's CA file, inside the node folder
    return Target(endpoint.host, endpoint.repository, endpoint.reference, shown,
                  plain_http=endpoint.scheme == "http", http_fallback=endpoint.http_fallback,
                  ca_file=ca, skip_verify=endpoint.skip_verify, headers=endpoint.headers,
                  api_root=endpoint.api_root.rstrip("/"), unaskable=unaskable,
                  namespace=endpoint.namespace)


def _is_folder(name: str) -> bool:
    return bool(name) and Path(name).is_dir()
