"""Builders for rule tests: a real compat table and image uses made from real strings."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from packaging.version import Version

from pauselint.compat import CompatTable, load_table
from pauselint.imageref import parse_image
from pauselint.model import Component, Location, Platform, Role, Setting
from pauselint.rules.framework import ImageUse, RuleContext, RuntimeInfo


@pytest.fixture(scope="session")
def table() -> CompatTable:
    return load_table()


@pytest.fixture
def use_of(table: CompatTable) -> Callable[..., ImageUse]:
    """``use_of("registry.k8s.io/pause:3.9", line=3)`` -> an ImageUse as the engine builds it."""

    def build(
        text: str,
        *,
        path: str = "etc/containerd/config.toml",
        line: int | None = 3,
        column: int | None = 17,
        component: Component = Component.CONTAINERD,
        role: Role = Role.SANDBOX_IMAGE,
        origin: str = "setting",
        effective: bool = True,
    ) -> ImageUse:
        ref = parse_image(text)
        upstream, mirror = table.resolve(ref)
        location = Location(path, line, column)
        setting = None
        if origin == "setting":
            setting = Setting(component, role, "sandbox_image", text, location, effective=effective)
        return ImageUse(
            ref=ref, upstream=upstream, mirror=mirror, location=location, component=component,
            role=role, origin=origin, setting=setting, effective=effective,
        )

    return build


@pytest.fixture
def context(table: CompatTable) -> Callable[..., RuleContext]:
    """``context(images=[...], kubernetes="1.29", platform="linux/arm64", runtime="containerd=1.7.20")``."""

    def build(
        *,
        images=(),
        nodes=(),
        kubernetes: str | None = None,
        platform: str | None = None,
        runtime: str | None = None,
        **extra,
    ) -> RuleContext:
        plat = None
        if platform:
            os_arch, _, osv = platform.partition(":")
            os_name, _, arch = os_arch.partition("/")
            plat = Platform(os_name, arch, osv or None)
        runtimes = ()
        if runtime:
            name, _, ver = runtime.partition("=")
            runtimes = (RuntimeInfo(Component(name), Version(ver), ver),)
        return RuleContext(
            table=table,
            kubernetes=Version(kubernetes) if kubernetes else None,
            kubernetes_from="flag" if kubernetes else None,
            platform=plat,
            runtimes=runtimes,
            images=tuple(images),
            nodes=tuple(nodes),
            **extra,
        )

    return build
