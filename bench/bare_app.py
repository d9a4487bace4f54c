"""Baseline of benchmark #3: a bare registration endpoint, for the benchmarks only (never shipped).

Same framework, server settings, database, pool and row as the registration service, and nothing
else: the body is read as plain JSON (no validation, no auth, no idempotency, no outbox), the
participant row is built (the NIK's lookup hash and the AES-GCM ciphers are part of the row) and
inserted, one row per request or one multi-row INSERT per batch, in one transaction.

Run: python bench/bare_app.py --port PORT (settings from the JANGKAU_REGISTRATION_* environment).
"""

import argparse
import uuid
from datetime import UTC, date, datetime
from typing import Any

import orjson
import uvicorn
from fastapi import FastAPI, Request, Response
from sqlalchemy import insert

from jangkau_registration.adapters.pii import PersonalDataVault
from jangkau_registration.adapters.tables import participants
from jangkau_registration.config import RegistrationSettings
from jangkau_shared import db
from jangkau_shared.runtime import tune_gc
from jangkau_shared.settings import load_settings


def _json(body: dict[str, Any], status: int) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")


def create_app() -> FastAPI:
    """The bare app on the registration database of the environment."""
    settings = load_settings(RegistrationSettings)
    engine = db.create_engine(settings)
    vault = PersonalDataVault(
        encryption_key_b64=settings.nik_encryption_key.get_secret_value(),
        hmac_key=settings.nik_hmac_key.get_secret_value(),
    )
    app = FastAPI(title="bare baseline")

    def row(item: dict[str, Any]) -> dict[str, Any]:
        return {
            "participant_id": uuid.uuid4(),
            "nik_hash": vault.lookup_hash(item["nik"]),
            "nik_cipher": vault.seal(item["nik"], context=b"nik"),
            "name_cipher": vault.seal(item["name"], context=b"name"),
            "branch": item.get("branch") or "bench",
            "village_code": item["village_code"],
            "segment": item["segment"],
            "programmes": sorted(item["programmes"]),
            "income_bracket": item["income_bracket"],
            "channel": item["channel"],
            "campaign_id": item.get("campaign_id"),
            "registered_on": date.fromisoformat(item["registered_on"]),
            "registered_at": datetime.now(UTC),
        }

    @app.post("/v1/registrations", status_code=201)
    async def register(request: Request) -> Response:
        values = row(await request.json())
        async with engine.begin() as conn:
            await conn.execute(insert(participants).values(values))
        return _json({"participant_id": str(values["participant_id"])}, 201)

    @app.post("/v1/registrations:batch")
    async def register_batch(request: Request) -> Response:
        rows = [row(item) for item in (await request.json())["items"]]
        async with engine.begin() as conn:
            await conn.execute(insert(participants).values(rows))
        return _json({"stored": len(rows)}, 200)

    @app.get("/health/ready")
    async def ready() -> dict[str, str]:
        return {"status": "ready" if await db.ping(engine) else "down"}

    return app


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    port = parser.parse_args().port
    # As jangkau_shared.cli serves the services.
    tune_gc()
    uvicorn.run(create_app, factory=True, host="127.0.0.1", port=port, log_level="warning", access_log=False)
