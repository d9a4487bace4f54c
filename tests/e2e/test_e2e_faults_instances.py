"""Fault 11: three metrics instances under API load; in every cycle one leaves (SIGTERM), one is
killed (kill -9) and restarted, and the one that left joins again. Meanwhile no scrape shows more
registered than the API had accepted; afterwards every instance answers every grouping exactly,
and the count tables equal what the participants and contributions add up to.

The three instances are extra processes on ports of the profile's own; the stack's metrics
service is stopped meanwhile (deploy/services.sh start runs migrations first: too slow to cycle)
and started again after the faults, as a fourth, replacing instance that must answer exactly too,
and the one the stack's Prometheus scrapes.
"""

import asyncio
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest
from e2e_stack import RunningStack
from fault_kit import (
    JAMBI_VILLAGE,
    ApiLoad,
    ServiceProcess,
    campaign_counts,
    extra_metrics_port,
    jambi_workers,
    page,
    sample,
    settled,
    stable_gauge,
    start,
    stop,
)
from fault_summary import FaultRow
from sqlalchemy.ext.asyncio import create_async_engine

from jangkau_metrics.adapters.plan_file import read_plan
from jangkau_metrics.adapters.sql import SqlCoverageStore

pytestmark = [pytest.mark.e2e, pytest.mark.faults]

CYCLES = 10
REGISTERED = 'jangkau_participants_registered{branch="jambi"}'
GROUPINGS = ("branch", "region", "segment", "campaign")
STATES = ("registered", "never_paid", "active", "arrears_1", "arrears_2", "arrears_3", "lapsed")

Rows = dict[str, dict[str, int]]


@dataclass
class Scraper:
    """Scrapes every instance's /metrics in a loop, as Prometheus would; takes the max across
    instances (the dashboards' ``max without (instance)``) and compares it with what the API may
    have accepted by then (registrations posted, read after the scrape)."""

    urls: list[str]
    load: ApiLoad
    before: float
    scrapes: int = 0
    blank: int = 0
    over: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def run(self) -> None:
        while not self.stop.is_set():
            values = [sample(page(url), REGISTERED) for url in self.urls]
            bound = self.before + self.load.registrations_sent
            shown = [v for v in values if v is not None]
            self.scrapes += 1
            if not shown:
                self.blank += 1
            elif max(shown) > bound:
                self.over.append(f"scrape {self.scrapes}: {values} > {bound}")
            self.stop.wait(0.2)

    def __enter__(self) -> "Scraper":
        self._thread = threading.Thread(target=self.run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        assert self._thread is not None
        self._thread.join(30)


def coverage(url: str, by: str, branch: str | None = None) -> Rows:
    """One instance's /v1/coverage rows by key ({} with an error status when it does not answer)."""
    params = {"by": by} | ({"branch": branch} if branch else {})
    try:
        answer = httpx.get(f"{url}/v1/coverage", params=params, timeout=30)
    except httpx.TransportError as err:
        return {"error": {type(err).__name__: 1}}
    if answer.status_code != 200:
        return {"error": {"status": answer.status_code}}
    return {r["key"]: {s: r[s] for s in STATES} for r in answer.json()["rows"]}


def every_grouping(url: str, branches: list[str]) -> dict[str, Rows]:
    """Every grouping of one instance, villages asked branch by branch."""
    found = {by: coverage(url, by) for by in GROUPINGS}
    found |= {f"village {b}": coverage(url, "village", b) for b in branches}
    return found


def plus(rows: Rows, key: str, delta: dict[str, int]) -> Rows:
    """``rows`` with ``delta`` added to the row ``key`` (made if absent)."""
    moved = {k: dict(v) for k, v in rows.items()}
    row = moved.setdefault(key, dict.fromkeys(STATES, 0))
    for state, n in delta.items():
        row[state] += n
    return moved


def differing(expected: dict[str, Rows], seen: dict[str, Rows]) -> list[str]:
    """Every (grouping, key) whose row differs, with both rows."""
    out = []
    for grouping, rows in expected.items():
        got = seen.get(grouping, {})
        for key in sorted(rows.keys() | got.keys()):
            if rows.get(key) != got.get(key):
                out.append(f"{grouping} {key}: expected {rows.get(key)}, seen {got.get(key)}")
    return out


async def audit(url: str) -> list[str]:
    """``SqlCoverageStore.audit()`` on the services' metrics database."""
    engine = create_async_engine(url)
    try:
        return await SqlCoverageStore(engine).audit()
    finally:
        await engine.dispose()


def prometheus_registered(stack: RunningStack) -> float | None:
    """The coverage dashboard's branch query, one copy kept across instances, for Jambi."""
    query = 'max without (instance) (jangkau_participants_registered{branch="jambi"})'
    answer = httpx.get(f"{stack.url('prometheus')}/api/v1/query", params={"query": query}, timeout=10)
    result = answer.raise_for_status().json()["data"]["result"]
    return float(result[0]["value"][1]) if result else None


@pytest.fixture
def instances(running_stack: RunningStack) -> Iterator[list[ServiceProcess]]:
    """Three extra metrics instances, running and ready; afterwards they are stopped and the
    stack's service runs (the test stops it while the faults run)."""
    extras = [ServiceProcess(f"extra-{n}", extra_metrics_port(running_stack, n)) for n in (1, 2, 3)]
    try:
        for extra in extras:
            extra.launch()
        for extra in extras:
            extra.wait_ready()
        yield extras
    finally:
        for extra in extras:
            extra.kill()
        start("metrics")


@pytest.mark.timeout(600)
def test_three_metrics_instances_joining_leaving_and_killed_under_load_all_answer_every_grouping_exactly(
    running_stack: RunningStack, fault_row: FaultRow, instances: list[ServiceProcess]
) -> None:
    fault_row.fault = (
        f"3 metrics instances, {CYCLES} cycles: one leaves (SIGTERM) and rejoins, one kill -9 + restart"
    )
    urls = [i.url for i in instances]
    before = stable_gauge(running_stack, REGISTERED)
    branches = sorted(coverage(urls[0], "branch"))
    baseline = every_grouping(urls[0], branches)
    assert "error" not in baseline["branch"], baseline["branch"]
    stop("metrics")
    campaign = str(uuid.uuid4())
    load = ApiLoad(running_stack, jambi_workers(20_000, campaign), batch=20, pause=0.2)
    exits: list[str] = []
    started = time.monotonic()
    with Scraper(urls, load, before) as scraper:
        load.start()
        try:
            load.wait_batches(2)
            for cycle in range(CYCLES):
                leaver, victim = instances[cycle % 3], instances[(cycle + 1) % 3]
                leaver.signal(signal.SIGTERM)
                victim.kill()
                code = leaver.wait(60)
                if code not in (0, -signal.SIGTERM):
                    exits.append(f"cycle {cycle}: {leaver.name} exited {code} on SIGTERM")
                for back in (victim, leaver):
                    back.launch()
                for back in (victim, leaver):
                    back.wait_ready()
        finally:
            load.stop.set()
            load.join(120)
    faults_took = time.monotonic() - started
    fault_row.load = load.items
    start("metrics")  # a replacing instance: it must answer exactly too
    urls.append(running_stack.url("metrics"))

    expected = load.expected
    counts = [
        settled(lambda u=u: campaign_counts(running_stack, campaign, u), expected, 150, f"counts at {u}")
        for u in urls
    ]
    fault_row.checked = sum(expected.values())
    fault_row.lost = max(max(0, n - c.get(k, 0)) for c in counts for k, n in expected.items())
    fault_row.duplicated = max(max(0, c.get(k, 0) - n) for c in counts for k, n in expected.items())

    # The campaign holds only this load: its row is what the load added to every other grouping.
    added = coverage(urls[0], "campaign").get(campaign, {})
    region = read_plan().region_of("jambi")
    truth = {
        "branch": plus(baseline["branch"], "jambi", added),
        "region": plus(baseline["region"], region, added),
        "segment": plus(baseline["segment"], "farmer", added),
        "campaign": plus(baseline["campaign"], campaign, added),
    }
    for grouping, rows in baseline.items():
        if grouping.startswith("village"):
            truth[grouping] = plus(rows, JAMBI_VILLAGE, added) if grouping == "village jambi" else rows
    wrong = {u: differing(truth, every_grouping(u, branches)) for u in urls}
    found = asyncio.run(audit(running_stack.env["JANGKAU_METRICS_DATABASE_URL"]))
    in_prometheus = settled(
        lambda: prometheus_registered(running_stack), truth["branch"]["jambi"]["registered"], 60, "prometheus"
    )
    fault_row.mismatched = (
        sum(len(w) for w in wrong.values())
        + len(found)
        + len(scraper.over)
        + int(in_prometheus != truth["branch"]["jambi"]["registered"])
    )
    fault_row.leaked = len(exits)
    fault_row.note = (
        f"{CYCLES} cycles in {faults_took:.0f}s; {scraper.scrapes} scrapes of 3 instances"
        f" ({scraper.blank} with none answering), max never above the registrations posted"
        f" ({len(scraper.over)} were); {len(branches)} branches checked on the 3 and the restarted stack's"
    )

    assert not load.problems, load.problems[:5]
    assert expected["registered"] > 0
    assert added.get("registered") == expected["registered"], added
    assert added["registered"] - added["never_paid"] == expected["paid"], added
    assert counts == [expected] * len(urls)
    assert wrong == {u: [] for u in urls}
    assert found == []
    assert not scraper.over, scraper.over[:5]
    assert in_prometheus == truth["branch"]["jambi"]["registered"]
    assert not exits, exits
