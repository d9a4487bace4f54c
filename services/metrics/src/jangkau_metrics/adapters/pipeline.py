"""Consumer health kept in memory: events applied, dead letters, retries, lag per partition."""

import time
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector


@dataclass
class PipelineStats:
    """What the consumers have done, per topic; lag per (topic, partition) from the lag monitor."""

    applied: Counter[str] = field(default_factory=Counter)
    without_effect: Counter[str] = field(default_factory=Counter)
    dead_lettered: Counter[str] = field(default_factory=Counter)
    retries: Counter[str] = field(default_factory=Counter)
    batches: Counter[str] = field(default_factory=Counter)
    batch_seconds: dict[str, float] = field(default_factory=dict)
    last_applied_at: float | None = None
    lag: dict[tuple[str, int], int] = field(default_factory=dict)
    lag_measured_at: float | None = None
    view_refreshed_at: float | None = None
    view_failures: int = 0

    def count_applied(self, topic: str, n: int) -> None:
        """Record ``n`` events of ``topic`` committed (duplicates included: they were processed)."""
        self.applied[topic] += n
        self.last_applied_at = time.time()

    def count_dead_lettered(self, topic: str) -> None:
        """Record one event of ``topic`` sent to its dead-letter topic."""
        self.dead_lettered[topic] += 1

    def count_batch(self, consumer: str, seconds: float) -> None:
        """Record one committed batch and how long it took."""
        self.batches[consumer] += 1
        self.batch_seconds[consumer] = self.batch_seconds.get(consumer, 0.0) + seconds


class PipelineCollector(Collector):
    """Exposes consumer health; reads memory only."""

    def __init__(self, stats: PipelineStats) -> None:
        self._stats = stats

    def collect(self) -> Iterable[Metric]:
        """Yield pipeline counters and gauges."""
        s = self._stats
        yield _counter("jangkau_events_applied", "Events processed and committed, per topic.", s.applied)
        yield _counter(
            "jangkau_events_without_effect",
            "Events committed that changed nothing (duplicates, redeliveries), per topic.",
            s.without_effect,
        )
        yield _counter(
            "jangkau_events_dead_lettered",
            "Events sent to a dead-letter topic, per source topic.",
            s.dead_lettered,
        )
        yield _counter(
            "jangkau_consumer_retries",
            "Batches put back for redelivery after a transient failure, per consumer.",
            s.retries,
            label="consumer",
        )
        yield _counter(
            "jangkau_consumer_batches", "Batches committed, per consumer.", s.batches, label="consumer"
        )
        yield _counter(
            "jangkau_consumer_batch_seconds",
            "Time spent applying committed batches, per consumer.",
            s.batch_seconds,
            label="consumer",
        )
        yield from self._lag()
        yield from self._view()
        if s.last_applied_at is not None:
            yield GaugeMetricFamily(
                "jangkau_last_event_applied_timestamp_seconds",
                "Unix time the last event was applied (time() minus this is the time since).",
                value=s.last_applied_at,
            )

    def _lag(self) -> Iterable[Metric]:
        lag = GaugeMetricFamily(
            "jangkau_consumer_lag_events",
            "Events on a partition not yet committed by the metrics consumer group reading it"
            " (end offset minus committed offset).",
            labels=["topic", "partition"],
        )
        for (topic, partition), n in sorted(self._stats.lag.items()):
            lag.add_metric([topic, str(partition)], n)
        yield lag
        if self._stats.lag_measured_at is not None:
            yield GaugeMetricFamily(
                "jangkau_consumer_lag_measured_timestamp_seconds",
                "Unix time consumer lag was last measured.",
                value=self._stats.lag_measured_at,
            )

    def _view(self) -> Iterable[Metric]:
        s = self._stats
        yield CounterMetricFamily(
            "jangkau_view_refresh_failures",
            "Reads of the count tables that failed (the counts served stay as last read).",
            value=s.view_failures,
        )
        if s.view_refreshed_at is not None:
            yield GaugeMetricFamily(
                "jangkau_view_refreshed_timestamp_seconds",
                "Unix time the served counts last caught up with the database (time() minus this: age).",
                value=s.view_refreshed_at,
            )


def _counter(
    name: str, doc: str, values: Mapping[str, float], *, label: str = "topic"
) -> CounterMetricFamily:
    family = CounterMetricFamily(name, doc, labels=[label])
    for key, n in sorted(values.items()):
        family.add_metric([key], n)
    return family
