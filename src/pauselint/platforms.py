"""Node platforms as users, hosts and node objects spell them, read into one form.

One parser serves ``--platform``, the config file (``platform:``, ``arch:``/``os:``)
and, for the architecture, a live node's ``status.nodeInfo.architecture``: whatever
the spelling, the result is the OCI image-spec ``platform.os`` / ``platform.architecture``
pair the pause manifest lists use, so every rule compares like with like.

The canonical architectures are Go's ``GOARCH`` names, which are what the OCI image
spec's ``platform.architecture`` holds and what ``data/compat.yaml`` lists per pause
tag (:data:`pauselint.imageref.ARCHITECTURES`). The other spellings come from:

``uname -m`` (the Linux kernel's machine name; what people paste from a shell and what
some node objects and inventory tools report)
    ``x86_64`` -> amd64, ``aarch64`` / ``arm64`` -> arm64, ``armv7l`` -> arm (v7),
    ``ppc64le``, ``s390x``, ``riscv64`` (same as GOARCH), ``i386`` / ``i686`` -> 386.

Debian's dpkg architecture (``dpkg --print-architecture``, package file names)
    ``amd64``, ``arm64``, ``armhf`` -> arm (v7 hard-float), ``ppc64el`` -> ppc64le,
    ``s390x``, ``riscv64``, ``i386`` -> 386.

OCI image-spec ``architecture`` + ``variant`` (``docker --platform``, ``crane``, manifest lists)
    ``arm/v7`` -> arm, ``arm64/v8`` -> arm64 (the only variants pause's images are built
    for: the pause Makefile builds ``arm`` with ``arm-linux-gnueabihf``, Debian's armhf
    ABI, which is ARMv7).
    ``armv7`` (Docker Hub's ``arm32v7`` org name without the 32) is arm as well.

ARMv6 and older (``armv6l``, Debian ``armel``, ``arm/v6``) are not accepted: no
Kubernetes pause image runs there, and reading them as ``arm`` would claim it does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pauselint.imageref import ARCHITECTURES
from pauselint.model import Platform

if TYPE_CHECKING:
    from packaging.version import Version

    from pauselint.compat import CompatTable, PauseTag, Repository

OPERATING_SYSTEMS = ("linux", "windows")

# Every accepted spelling (lower case) -> its GOARCH / OCI architecture.
ARCH_SPELLINGS: dict[str, str] = {
    **{name: name for name in ARCHITECTURES},
    # uname -m
    "x86_64": "amd64",
    "aarch64": "arm64",
    "armv7l": "arm",
    "i386": "386",
    "i686": "386",
    # Debian dpkg architectures
    "armhf": "arm",
    "ppc64el": "ppc64le",
    # OCI architecture/variant, and the variant spelled into the name
    "arm/v7": "arm",
    "armv7": "arm",
    "arm64/v8": "arm64",
}


class PlatformError(ValueError):
    """A platform that cannot be read; the message starts with the text as given."""


def accepted_architectures() -> str:
    """The canonical names, then the other spellings: for an error message."""
    others = sorted(set(ARCH_SPELLINGS) - set(ARCHITECTURES))
    return f"{', '.join(ARCHITECTURES)}, or another spelling of one: {', '.join(others)}"


def architecture(text: str) -> str | None:
    """The GOARCH / OCI name of an architecture spelling, or None if it is not known."""
    return ARCH_SPELLINGS.get(text.strip().lower())


def parse_platform(text: str, table: CompatTable) -> Platform:
    """``linux/x86_64``, ``linux/arm/v7`` or ``windows/amd64:ltsc2022`` as a Platform.

    ``os/arch[/variant][:osversion]``; the architecture in any spelling of
    :data:`ARCH_SPELLINGS`, the Windows version in any name the table knows (made
    canonical: ``ltsc2019`` -> ``1809``). Raises :class:`PlatformError` naming what is
    accepted.
    """
    os_arch, _, os_version = text.strip().partition(":")
    os_name, sep, arch_text = os_arch.partition("/")
    if not sep or not os_name or not arch_text:
        raise PlatformError(f"{text!r}: use os/arch[:osversion], e.g. linux/arm64 "
                            "or windows/amd64:ltsc2022")
    os_name = os_name.strip().lower()
    if os_name not in OPERATING_SYSTEMS:
        raise PlatformError(f"{text!r}: unknown OS {os_name!r} (linux or windows)")
    arch = architecture(arch_text)
    if arch is None:
        raise PlatformError(f"{text!r}: unknown architecture {arch_text.strip()!r} "
                            f"(use {accepted_architectures()})")
    version = None
    if os_version:
        if os_name != "windows":
            raise PlatformError(f"{text!r}: an OS version is only meaningful for windows")
        version = table.windows_version(os_version)
        if version is None:
            raise PlatformError(f"{text!r}: unknown Windows version {os_version!r}")
    return Platform(os_name, arch, version)


def node_platform(os_name: str, arch_text: str, os_version: str | None) -> Platform:
    """A live node's platform: its ``architecture`` read like the flag's.

    An architecture no table spelling names is kept as the node says it (lower case):
    a node is a fact, not an option to refuse, and the image rules then say truthfully
    that no pause image carries it.
    """
    arch = architecture(arch_text) or arch_text.strip().lower()
    return Platform(os_name.strip().lower(), arch, os_version)


def carries(table: CompatTable, tag: PauseTag, platform: Platform) -> bool:
    """Whether the table says ``tag``'s manifest list has an image for ``platform``.

    Only a listed entry counts: a Windows node without a known OS version, or a version
    the sources leave unverified for the tag, is not carried.
    """
    if platform.os == "linux":
        return platform.arch in tag.linux
    if platform.os != "windows" or not platform.os_version:
        return False
    version = (table.windows_version(platform.os_version)
               or table.windows_version_for_build(platform.os_version))
    return version is not None and version in {table.windows_version(w) or w
                                               for w in tag.windows}


def tag_for_platform(table: CompatTable, repository: Repository, platform: Platform,
                     kubernetes: Version | None) -> str | None:
    """The tag of ``repository`` to use on ``platform``: kubeadm's for ``kubernetes`` if
    its manifest list carries the platform, else the newest carried tag that does; None
    if none does.
    """
    carried = [t.tag for t in table.pause_tags()
               if t.tag in (repository.tags or ()) and carries(table, t, platform)]
    if not carried:
        return None
    expectation = table.kubeadm_expectation(kubernetes) if kubernetes is not None else None
    if expectation is not None and expectation.pause in carried:
        return expectation.pause
    return carried[-1]
