"""Hypothesis drives every fuzz target with format-aware inputs.

Short by default so the folder stays cheap in CI; longer by hand:

    PAUSELINT_FUZZ_EXAMPLES=100000 python -m pytest -q -p no:cacheprovider tests/fuzz

``PAUSELINT_FUZZ_DEADLINE_MS`` bounds one example (default 2000 ms: readers take
milliseconds on inputs this small, so a slow example is a real blow-up, not noise).
Every seed is also run once as it is, so a contract broken by a real file fails even
when hypothesis happens not to pick it.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from . import strategies
from .seeds import seeds
from .targets import TARGETS

# Seeds are whole real files; hypothesis warns that printing them is expensive.
pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")

EXAMPLES = int(os.environ.get("PAUSELINT_FUZZ_EXAMPLES", "40"))
_deadline = int(os.environ.get("PAUSELINT_FUZZ_DEADLINE_MS", "2000"))
DEADLINE = _deadline if _deadline > 0 else None

STRATEGIES: dict[str, st.SearchStrategy[bytes]] = {
    "containerd": strategies.documents("containerd"),
    "crio": strategies.documents("crio"),
    "kubelet_env": strategies.documents("kubelet_env"),
    "systemd": strategies.services(),
    "kubelet_config": strategies.documents("kubelet_config"),
    "kubeadm": strategies.documents("kubeadm"),
    "k3s": strategies.documents("k3s"),
    "detect": strategies.named_files(),
    "imageref": strategies.image_refs(),
    "config": strategies.config_files(),
    "compat_overlay": strategies.documents("compat_overlay"),
    "check": strategies.nodes(),
    "wrappers": strategies.wrappers(),
    "suppressions": st.one_of(strategies.documents("suppressions"),
                              strategies.documents("kubeadm")),
}


def test_every_target_has_a_strategy_and_seeds() -> None:
    assert sorted(STRATEGIES) == sorted(TARGETS)
    assert all(seeds().get(name) for name in TARGETS), "a target without seeds"


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_seeds_keep_the_contract(name: str) -> None:
    for data in seeds()[name]:
        TARGETS[name](data)


# Targets that still reach a known crash outside the files fixed here; the shrunk
# inputs are xfail tests in test_fuzz_found.py. Remove an entry once it is fixed.
KNOWN_OPEN: dict[str, str] = {}


@pytest.mark.parametrize("name", [
    pytest.param(name, marks=pytest.mark.xfail(strict=False, reason=KNOWN_OPEN[name]))
    if name in KNOWN_OPEN else name for name in sorted(TARGETS)])
def test_fuzz(name: str) -> None:
    target = TARGETS[name]

    @settings(max_examples=EXAMPLES, deadline=DEADLINE,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                     HealthCheck.filter_too_much])
    @given(STRATEGIES[name])
    def run(data: bytes) -> None:
        target(data)

    run()
