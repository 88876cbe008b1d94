"""cloud-init ``#cloud-config`` user-data: the node files its ``write_files`` write.

Machines that are not made by kubeadm's own bootstrap (Terraform-rendered user-data,
hand-written cloud-config) get their containerd config and kubelet flags this way.
Each ``write_files`` entry (``content`` plain, or ``b64``/``base64``/``gzip+base64``
and their spellings) is read by its own format at ``path``, positioned in this file.
The entries' ``owner``, ``permissions`` and ``append`` do not change what is read.
Shape: cloud-init's cc_write_files module (cloudinit/config/cc_write_files.py).
"""

from __future__ import annotations

from pauselint.model import ConfigFile, InputError
from pauselint.sources.embedded import Unwrapped, file_entry, invalid_yaml
from pauselint.sources.kinds import InputType
from pauselint.sources.source_text import SourceText
from pauselint.sources.yaml_locator import compose_documents, elements, get


def unwrap(source: SourceText) -> list[Unwrapped]:
    """Every ``write_files`` entry of the user-data, as the file it writes."""
    documents, problem = compose_documents(source.text)
    if problem is not None:
        return invalid_yaml(source, problem, None, InputType.CLOUD_INIT)
    errors: list[InputError] = []
    parts = [part for document in documents for entry in elements(get(document, "write_files"))
             if (part := file_entry(source, entry, errors)) is not None]
    own = [Unwrapped(config=ConfigFile(source.path, None, errors=tuple(errors)),
                     kind=InputType.CLOUD_INIT)] if errors else []
    return [*own, *parts]


def read_source(source: SourceText) -> ConfigFile:
    """For callers that read one file as one config: only the user-data's own errors."""
    parts = unwrap(source)
    own = next((p.config for p in parts if p.config is not None), None)
    return own or ConfigFile(source.path, None)
