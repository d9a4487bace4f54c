"""Helpers of the registration integration tests: request builders and the API handle."""

import itertools
import random
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import uuid4

import httpx
from sqlalchemy import func, select
from sqlalchemy.sql import FromClause

from jangkau_registration.bootstrap import Registration

SESETAN = "51.71.01.1003"  # Kota Denpasar: branch denpasar
SUNGAI_BAUNG = "15.04.03.2015"  # Batanghari: branch jambi
_serials = itertools.count(random.randint(1, 5000))


def new_nik(
    *, day: int = 15, month: int = 8, year: int = 85, woman: bool = False, place: str = "517101"
) -> str:
    """Return a structurally valid NIK not used before in this run."""
    serial = next(_serials) % 9999 + 1
    return f"{place}{day + (40 if woman else 0):02d}{month:02d}{year:02d}{serial:04d}"


def worker(**overrides: Any) -> dict[str, Any]:
    """Return a valid registration of a Sesetan street vendor, with overrides."""
    body: dict[str, Any] = {
        "client_id": str(uuid4()),
        "nik": new_nik(),
        "name": "Ni Made Contoh",
        "village_code": SESETAN,
        "segment": "street_vendor",
        "programmes": ["JKK", "JKM"],
        "income_bracket": 1_000_000,
        "channel": "booth",
        "registered_on": date(2026, 1, 10).isoformat(),
    }
    return body | overrides


def payment(participant_id: str, **overrides: Any) -> dict[str, Any]:
    """Return a valid one-month self payment for January 2026 (no discount: Rp 16,800)."""
    body: dict[str, Any] = {
        "client_id": str(uuid4()),
        "participant_id": participant_id,
        "first_month": "2026-01",
        "months": 1,
        "amount": 16_800,
        "payer_type": "self",
        "channel": "booth",
        "paid_on": date(2026, 1, 10).isoformat(),
    }
    return body | overrides


@dataclass
class Api:
    """A running registration service, an HTTP client and tokens of three teams."""

    reg: Registration
    http: httpx.AsyncClient
    denpasar: dict[str, str]
    jambi: dict[str, str]
    everywhere: dict[str, str]

    async def register(self, body: dict[str, Any], headers: dict[str, str] | None = None) -> httpx.Response:
        """POST one registration as the Denpasar team (by default)."""
        return await self.http.post("/v1/registrations", json=body, headers=headers or self.denpasar)

    async def participant(self, **overrides: Any) -> str:
        """Register a worker and return the participant id."""
        response = await self.register(worker(**overrides))
        assert response.status_code == 201, response.text
        return str(response.json()["participant_id"])

    async def pay(self, body: dict[str, Any], headers: dict[str, str] | None = None) -> httpx.Response:
        """POST one contribution as the Denpasar team (by default)."""
        return await self.http.post("/v1/contributions", json=body, headers=headers or self.denpasar)

    async def count(self, table: FromClause) -> int:
        """Return how many rows ``table`` of the service's database holds."""
        async with self.reg.engine.connect() as conn:
            return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


def bearer(token: str) -> dict[str, str]:
    """Return the Authorization header of a token."""
    return {"Authorization": f"Bearer {token}"}
