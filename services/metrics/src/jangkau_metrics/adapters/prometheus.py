"""Prometheus collector over the view of the count tables: a scrape never touches the database.

Every instance exports the whole country's counts (the view follows the shared database), so
Prometheus sees one identical copy per instance: dashboards and rules take ``max without
(instance)``. Nothing is exported before the first read of the counts, never a zero that is not.
"""

from collections.abc import Callable, Iterable
from datetime import date

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from jangkau_metrics.domain.months import State
from jangkau_metrics.domain.reports import targets
from jangkau_metrics.domain.snapshot import Snapshot
from jangkau_metrics.domain.view import View


def year_elapsed(day: date) -> float:
    """Share of ``day``'s year that has passed at its end (31 December: 1.0)."""
    start, end = date(day.year, 1, 1), date(day.year + 1, 1, 1)
    return ((day - start).days + 1) / (end - start).days


class CoverageCollector(Collector):
    """Exposes coverage per branch (states on the clock's date), contributions, targets, campaigns."""

    def __init__(self, view: View, clock: Callable[[], date]) -> None:
        self._view, self._clock = view, clock

    @property
    def _snapshot(self) -> Snapshot:
        return self._view.snapshot

    def collect(self) -> Iterable[Metric]:
        """Yield every coverage family (none before the counts are read); states are for today."""
        if not self._view.loaded:
            return
        day = self._clock()
        yield from self._participants(day)
        yield from self._contributions()
        yield from self._targets(day)
        yield from self._campaigns(day)

    def _participants(self, day: date) -> Iterable[Metric]:
        coverage = self._snapshot.coverage
        registered = GaugeMetricFamily(
            "jangkau_participants_registered", "BPU participants registered, per branch.", labels=["branch"]
        )
        states = GaugeMetricFamily(
            "jangkau_participants",
            "Registered BPU participants by state today (never_paid, active, arrears_1..3, lapsed).",
            labels=["branch", "segment", "state"],
        )
        tallies = coverage.tally(day, lambda k: (k.branch, k.segment))
        by_branch: dict[str, int] = {}
        for (branch, segment), tally in sorted(tallies.items()):
            by_branch[branch] = by_branch.get(branch, 0) + tally.registered
            for state in State:
                states.add_metric([branch, segment, state.value], tally.states[state])
        for branch, n in sorted(by_branch.items()):
            registered.add_metric([branch], n)
        awaiting = GaugeMetricFamily(
            "jangkau_participants_awaiting_registration",
            "Participants paid for whose registration event has not arrived yet, per branch.",
            labels=["branch"],
        )
        for branch, n in sorted(coverage.awaiting_registration.items()):
            awaiting.add_metric([branch], n)
        this_year = GaugeMetricFamily(
            "jangkau_registrations_this_year",
            "Participants registered since 1 January of the current year, per branch.",
            labels=["branch"],
        )
        for branch, n in sorted(coverage.registered_in_year(day.year).items()):
            this_year.add_metric([branch], n)
        yield from (registered, states, awaiting, this_year)

    def _contributions(self) -> Iterable[Metric]:
        ledger = self._snapshot.ledger
        count = CounterMetricFamily(
            "jangkau_contributions_received",
            "Contributions received, per branch and payer type.",
            labels=["branch", "payer_type"],
        )
        amount = CounterMetricFamily(
            "jangkau_contributions_received_rupiah",
            "Rupiah received in contributions, per branch and payer type.",
            labels=["branch", "payer_type"],
        )
        counts, amounts = ledger.by_branch_payer()
        for key in sorted(counts):
            count.add_metric(list(key), counts[key])
            amount.add_metric(list(key), amounts[key])
        yield from (count, amount)

    def _targets(self, day: date) -> Iterable[Metric]:
        plan = self._snapshot.plan
        target = GaugeMetricFamily(
            "jangkau_branch_target_participants",
            "Annual target of a branch; measure says whether it counts all registered or new ones.",
            labels=["branch", "year", "measure"],
        )
        achieved = GaugeMetricFamily(
            "jangkau_branch_target_achieved_ratio",
            "Share of the annual target reached (1 = reached).",
            labels=["branch", "year", "measure"],
        )
        for row in targets(self._snapshot):
            labels = [row.branch, str(row.year), row.measure]
            target.add_metric(labels, row.target)
            if row.achieved is not None:
                achieved.add_metric(labels, row.achieved)
        elapsed = GaugeMetricFamily(
            "jangkau_year_elapsed_ratio", "Share of the current year passed, to judge target pace."
        )
        elapsed.add_metric([], year_elapsed(day))
        info = GaugeMetricFamily(
            "jangkau_branch_info",
            "Branches known, with their regional office (always 1).",
            labels=["branch", "region"],
        )
        branches = {k.branch for k in self._snapshot.coverage.cells} | {
            b for r in plan.regions for b in r.branches
        }
        for branch in sorted(branches):
            info.add_metric([branch, plan.region_of(branch)], 1)
        workforce = GaugeMetricFamily(
            "jangkau_region_informal_workforce",
            "Informal (BPU) workers in a region, where the workforce is configured.",
            labels=["region"],
        )
        for region in plan.regions:
            if region.informal_workforce is not None:
                workforce.add_metric([region.code], region.informal_workforce)
        yield from (target, achieved, elapsed, info, workforce)

    def _campaigns(self, day: date) -> Iterable[Metric]:
        snapshot = self._snapshot
        info = GaugeMetricFamily(
            "jangkau_campaign_info",
            "Campaigns known, with name, kind and status (always 1).",
            labels=["campaign_id", "branch", "name", "kind", "status"],
        )
        target = GaugeMetricFamily(
            "jangkau_campaign_target_registrations",
            "Registrations a campaign aims for.",
            labels=["campaign_id"],
        )
        for c in sorted(snapshot.campaigns.values(), key=lambda c: c.campaign_id):
            info.add_metric([c.campaign_id, c.branch, c.name or "", c.kind or "", c.status], 1)
            if c.target_registrations is not None:
                target.add_metric([c.campaign_id], c.target_registrations)
        states = GaugeMetricFamily(
            "jangkau_campaign_participants",
            "Participants a campaign registered, by state today.",
            labels=["campaign_id", "state"],
        )
        tallies = snapshot.coverage.tally(day, lambda k: k.campaign_id)
        for campaign_id, tally in sorted(tallies.items()):
            if campaign_id:
                for state in State:
                    states.add_metric([campaign_id, state.value], tally.states[state])
        paid = CounterMetricFamily(
            "jangkau_campaign_contributions_received",
            "Contributions attributed to a campaign.",
            labels=["campaign_id"],
        )
        for campaign_id, n in sorted(snapshot.ledger.by_campaign()[0].items()):
            paid.add_metric([campaign_id], n)
        yield from (info, target, states, paid)
