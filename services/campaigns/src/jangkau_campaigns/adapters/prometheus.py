"""Prometheus view of the consumer pipeline; reads memory only, never the database."""

from collections.abc import Iterable
from dataclasses import dataclass, field

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector


@dataclass
class PipelineStats:
    """What the consumers and the parked-event sweeper have done."""

    applied: dict[str, int] = field(default_factory=dict)
    dead_lettered: dict[str, int] = field(default_factory=dict)
    parked_total: int = 0
    parked_now: int = 0
    expired_total: int = 0
    transient_failures: int = 0

    def count_applied(self, topic: str, n: int) -> None:
        """Record ``n`` events of ``topic`` processed and committed (duplicates included)."""
        self.applied[topic] = self.applied.get(topic, 0) + n

    def count_dead_lettered(self, topic: str) -> None:
        """Record one event of ``topic`` sent to its dead-letter topic."""
        self.dead_lettered[topic] = self.dead_lettered.get(topic, 0) + 1


class PipelineCollector(Collector):
    """Events applied and dead-lettered per topic, parked events, transient failures."""

    def __init__(self, stats: PipelineStats) -> None:
        self._stats = stats

    def collect(self) -> Iterable[Metric]:
        """Yield the pipeline's series."""
        s = self._stats
        applied = CounterMetricFamily(
            "jangkau_campaigns_events_applied", "Events processed and committed, per topic.", labels=["topic"]
        )
        for topic, n in sorted(s.applied.items()):
            applied.add_metric([topic], n)
        dead = CounterMetricFamily(
            "jangkau_campaigns_events_dead_lettered",
            "Events sent to a dead-letter topic, per source topic.",
            labels=["topic"],
        )
        for topic, n in sorted(s.dead_lettered.items()):
            dead.add_metric([topic], n)
        yield applied
        yield dead
        yield GaugeMetricFamily(
            "jangkau_campaigns_parked_events",
            "Events waiting for a campaign not known yet.",
            value=s.parked_now,
        )
        yield CounterMetricFamily(
            "jangkau_campaigns_events_parked", "Events parked since start.", value=s.parked_total
        )
        yield CounterMetricFamily(
            "jangkau_campaigns_parked_expired",
            "Parked events dead-lettered because their campaign never arrived.",
            value=s.expired_total,
        )
        yield CounterMetricFamily(
            "jangkau_campaigns_consumer_transient_failures",
            "Batches not acknowledged because the database failed; they are redelivered.",
            value=s.transient_failures,
        )
