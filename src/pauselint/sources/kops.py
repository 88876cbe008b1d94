"""kOps nodeup tasks: the files nodeup writes on a node, as its golden tasks list them.

Each YAML document ``{contents, path, type: file}`` is a file nodeup writes at
``path`` (``/etc/containerd/config.toml``, ``/etc/sysconfig/kubelet``); each is read
by its own format there, positioned in this file. Shape: kubernetes/kops
nodeup/pkg/model/tests/*/tasks.yaml (``nodetasks.File``: ``contents``, ``path``,
``type``).
"""

from __future__ import annotations

from pauselint.model import ConfigFile, InputError
from pauselint.sources.embedded import Unwrapped, file_entry, invalid_yaml
from pauselint.sources.kinds import InputType
from pauselint.sources.source_text import SourceText
from pauselint.sources.yaml_locator import compose_documents, get, scalar


def unwrap(source: SourceText) -> list[Unwrapped]:
    """Every file task of the document stream, as the file it writes."""
    documents, problem = compose_documents(source.text)
    if problem is not None:
        return invalid_yaml(source, problem, None, InputType.KOPS)
    errors: list[InputError] = []
    parts = [part for document in documents if scalar(get(document, "type")) == "file"
             if (part := file_entry(source, document, errors, content_key="contents"))
             is not None]
    own = [Unwrapped(config=ConfigFile(source.path, None, errors=tuple(errors)),
                     kind=InputType.KOPS)] if errors else []
    return [*own, *parts]


def read_source(source: SourceText) -> ConfigFile:
    """For callers that read one file as one config: only the tasks' own errors."""
    parts = unwrap(source)
    own = next((p.config for p in parts if p.config is not None), None)
    return own or ConfigFile(source.path, None)
