"""The files a run read, so that ``--output-file`` can refuse to overwrite any of them.

A report written over its own input loses the user's file for good (``pauselint check
config.toml -o config.toml`` after a tab-completion slip), so each command lists
what it read, and output.emit compares identities before writing anything.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

# Where the kubernetes client reads a pod's service account (its incluster_config).
SERVICE_ACCOUNT_FILES = (
    "/var/run/secrets/kubernetes.io/serviceaccount/token",
    "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt",
)
# What the file behind standard input is called (when `-` was read and stdin is a
# redirected file, that file is an input like any other).
STDIN_PATH = "/dev/stdin"


def check_inputs(files: Sequence, report, config) -> list[str]:
    """What `check` read: the files named on the command line, the files read as
    configs and what they reached (report.sources: recognised files found in named
    folders, imports, drop-ins, env files), every file a finding or error points at,
    and the config file and compat overlay in force.

    A file a folder walk skipped as unrecognised is not an input: ``check . -o
    report.json`` must work again on the next run, when report.json is in the walk.
    """
    from pauselint.inputs import STDIN_NAME

    # Named on the command line (--ignore-unknown clears `explicit`, never `named`), and
    # every file read: a walk only reads what it recognises, so a skipped report.json
    # is not among them.
    read = [f.path for f in files if f.named or f.explicit or f.text is not None]
    paths = [STDIN_PATH if path == STDIN_NAME else path for path in read]
    paths += [STDIN_PATH if path == STDIN_NAME else path for path in report.sources]
    paths += [f.location.path for f in report.findings if f.location.path]
    paths += [e.path for e in report.errors if e.path]
    return paths + _config_files(config)


def cluster_inputs(kubeconfig: str | None, in_cluster: bool, config) -> list[str]:
    """What `cluster` read: each kubeconfig file (every entry of a colon-separated
    $KUBECONFIG, as the client merges them), or the pod's service-account files, and
    the config file and compat overlay in force."""
    if in_cluster:
        paths = list(SERVICE_ACCOUNT_FILES)
    else:
        # The client splits --kubeconfig on the separator just as it splits $KUBECONFIG.
        listed = kubeconfig or os.environ.get("KUBECONFIG") or "~/.kube/config"
        paths = [entry for entry in listed.split(os.pathsep) if entry]
    return [os.path.expanduser(path) for path in paths] + _config_files(config)


def _config_files(config) -> list[str]:
    if config is None:
        return []
    return [str(path) for path in (config.path, config.compat_overlay) if path]
