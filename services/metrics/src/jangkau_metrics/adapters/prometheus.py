"""Prometheus collectors over the in-memory snapshot: a scrape never touches the database."""

import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from jangkau_metrics.domain.coverage import CoverageSnapshot


@dataclass
class PipelineStats:
    """What the consumer has done, per topic."""

    applied: dict[str, int] = field(default_factory=dict)
    dead_lettered: dict[str, int] = field(default_factory=dict)
    last_applied_at: float | None = None

    def count_applied(self, topic: str, n: int) -> None:
        """Record ``n`` events of ``topic`` applied (duplicates included: they were processed)."""
        self.applied[topic] = self.applied.get(topic, 0) + n
        self.last_applied_at = time.time()

    def count_dead_lettered(self, topic: str) -> None:
        """Record one event of ``topic`` sent to its dead-letter topic."""
        self.dead_lettered[topic] = self.dead_lettered.get(topic, 0) + 1


class CoverageCollector(Collector):
    """Exposes the coverage counts per branch."""

    def __init__(self, snapshot: CoverageSnapshot) -> None:
        self._snapshot = snapshot

    def collect(self) -> Iterable[Metric]:
        """Yield registered participants per branch."""
        registered = GaugeMetricFamily(
            "jangkau_participants_registered",
            "BPU participants registered, per branch.",
            labels=["branch"],
        )
        for branch, count in sorted(self._snapshot.registered.items()):
            registered.add_metric([branch], count)
        yield registered


class PipelineCollector(Collector):
    """Exposes consumer health: events applied and dead-lettered per topic, time since last."""

    def __init__(self, stats: PipelineStats) -> None:
        self._stats = stats

    def collect(self) -> Iterable[Metric]:
        """Yield pipeline counters."""
        applied = CounterMetricFamily(
            "jangkau_events_applied", "Events processed and committed, per topic.", labels=["topic"]
        )
        for topic, n in sorted(self._stats.applied.items()):
            applied.add_metric([topic], n)
        dead = CounterMetricFamily(
            "jangkau_events_dead_lettered",
            "Events sent to a dead-letter topic, per source topic.",
            labels=["topic"],
        )
        for topic, n in sorted(self._stats.dead_lettered.items()):
            dead.add_metric([topic], n)
        yield applied
        yield dead
        if self._stats.last_applied_at is not None:
            yield GaugeMetricFamily(
                "jangkau_last_event_applied_timestamp_seconds",
                "Unix time the last event was applied.",
                value=self._stats.last_applied_at,
            )
