"""No personal data leaves its owner: no submitted NIK, name or birth date on any topic, log or /metrics."""

import random
import string
import uuid
from datetime import date, timedelta

import httpx
import pytest
from aiokafka.admin import AIOKafkaAdminClient
from e2e_stack import RunningStack
from fault_kit import campaign_counts, jambi_nik, jambi_worker, payment, records_of
from fault_summary import FaultRow

from support import REPO, log_files, wait_for

pytestmark = pytest.mark.e2e

LOGS = REPO / ".jangkau" / "test"
#: The logs the scan must read: missing ones fail it. ``pg`` may be a symlink to a cluster
#: outside the checkout (a clone in a directory the postgres user cannot reach).
REQUIRED_LOGS = {"services/registration.log", "services/metrics.log", "kafka/kafka.log", "pg/postgres.log"}


def _person(rng: random.Random) -> dict[str, object]:
    """A Jambi worker (Batanghari) with a fresh NIK, a unique letters-only name and a 1950s birth date."""
    born = date(1950, 1, 1) + timedelta(days=rng.randrange(9 * 365))
    female = rng.random() < 0.5
    name = " ".join("".join(rng.choice(string.ascii_lowercase) for _ in range(9)).title() for _ in range(2))
    return jambi_worker(
        rng,
        nik=jambi_nik(rng, born, female=female),
        name=name,
        birth_date=born.isoformat(),
        sex="F" if female else "M",
    )


def _needles(person: dict[str, object]) -> list[bytes]:
    born = date.fromisoformat(str(person["birth_date"]))
    forms = [
        str(person["nik"]),
        str(person["name"]),
        *str(person["name"]).split(),
        born.isoformat(),
        f"{born:%d%m%Y}",
        f"{born:%d-%m-%Y}",
        f"{born:%d/%m/%Y}",
    ]
    return [f.encode() for f in forms] + [f.lower().encode() for f in forms if not f[0].isdigit()]


@pytest.fixture(scope="module")
def submitted(running_stack: RunningStack) -> list[dict[str, object]]:
    """Register six workers with known personal data, pay for three, and wait until metrics counted them."""
    rng = random.Random()
    people = [_person(rng) for _ in range(6)]
    campaign = str(uuid.uuid4())  # unknown campaign: a key of our own in the metrics by campaign
    headers = {"Authorization": f"Bearer {running_stack.token}"}
    with httpx.Client(base_url=running_stack.url("registration"), headers=headers, timeout=30) as api:
        first = api.post("/v1/registrations", json={**people[0], "campaign_id": campaign})
        assert first.status_code == 201, first.text
        rest = api.post(
            "/v1/registrations:batch", json={"items": [{**p, "campaign_id": campaign} for p in people[1:]]}
        )
        assert rest.status_code == 200, rest.text
        ids = [first.json()["participant_id"]]
        for result in rest.json()["results"]:
            assert result["status"] == "created", result
            ids.append(result["participant_id"])
        for pid in ids[:3]:
            paid = api.post("/v1/contributions", json=payment(pid))
            assert paid.status_code == 201, paid.text

    wait_for(
        lambda: campaign_counts(running_stack, campaign),
        until=lambda c: c == {"registered": 6, "paid": 3},
        timeout=90,
        interval=1.0,
        what="metrics counting the six workers",
    )
    return people


@pytest.fixture(scope="module")
def needles(submitted: list[dict[str, object]]) -> list[bytes]:
    """Every form of the submitted personal data a scan looks for."""
    return [n for p in submitted for n in _needles(p)]


def _hits(blob: bytes, needles: list[bytes]) -> list[bytes]:
    return [n for n in needles if n in blob]


@pytest.mark.timeout(280)
async def test_no_submitted_personal_data_is_on_any_topic(
    running_stack: RunningStack,
    submitted: list[dict[str, object]],
    needles: list[bytes],
    fault_row: FaultRow,
) -> None:
    fault_row.fault = "PII scan: every message of every topic"
    fault_row.load = len(submitted) + 3
    bootstrap = running_stack.kafka
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        names = await admin.list_topics()
    finally:
        await admin.close()
    found: list[str] = []
    read = 0
    async for r in records_of(bootstrap, names):
        read += 1
        blob = (r.key or b"") + (r.value or b"") + b"".join(v or b"" for _, v in r.headers)
        found += [f"{r.topic}[{r.partition}]@{r.offset}: {h!r}" for h in _hits(blob, needles)]
    fault_row.checked, fault_row.leaked = read, len(found)
    assert read >= 9, f"only {read} messages read: the scan did not see the submitted events"
    assert not found, found[:20]


def test_no_submitted_personal_data_is_in_any_log_file(
    submitted: list[dict[str, object]],
    needles: list[bytes],
    fault_row: FaultRow,
) -> None:
    fault_row.fault = "PII scan: every log file of the stack"
    fault_row.load = len(submitted) + 3
    files = log_files(LOGS, required=REQUIRED_LOGS)
    found = [f"{f}: {h!r}" for f in files for h in _hits(f.read_bytes(), needles)]
    fault_row.checked, fault_row.leaked = len(files), len(found)
    fault_row.note = f"{len(files)} log files scanned"
    assert not found, found


def test_no_submitted_personal_data_is_on_any_metrics_page(
    running_stack: RunningStack,
    submitted: list[dict[str, object]],
    needles: list[bytes],
    fault_row: FaultRow,
) -> None:
    fault_row.fault = "PII scan: /metrics of the three services"
    fault_row.load = len(submitted) + 3
    found = []
    bases = [running_stack.url("registration"), running_stack.url("campaigns"), *running_stack.metrics_urls]
    for base in bases:
        page = httpx.get(f"{base}/metrics", timeout=10)
        assert page.status_code == 200, page.text
        assert b"# TYPE" in page.content
        found += [f"{base}: {h!r}" for h in _hits(page.content, needles)]
        fault_row.checked += 1
    fault_row.leaked = len(found)
    assert not found, found
