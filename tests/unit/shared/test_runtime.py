"""Collector tuning of served processes: young collections rarer, start-up state frozen."""

import gc
from collections.abc import Iterator

import pytest

from jangkau_shared.runtime import GEN0_THRESHOLD, tune_gc


@pytest.fixture
def restored_gc() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


@pytest.mark.usefixtures("restored_gc")
def test_tuning_raises_only_the_young_threshold_and_freezes_what_is_alive() -> None:
    _, gen1, gen2 = gc.get_threshold()
    alive = [object() for _ in range(10)]
    tune_gc()
    assert gc.get_threshold() == (GEN0_THRESHOLD, gen1, gen2)
    assert gc.get_freeze_count() >= len(alive)
    assert GEN0_THRESHOLD > 700  # Python's default, which the tuning exists to raise


@pytest.mark.usefixtures("restored_gc")
def test_a_threshold_can_be_given() -> None:
    tune_gc(10_000)
    assert gc.get_threshold()[0] == 10_000
