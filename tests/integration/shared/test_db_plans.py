"""Connections of the shared engine plan each execution for its parameters, not once for all.

A generic plan cached while a table was small keeps ``id = ANY($1)`` as a sequential scan that
compares every row with every element of the array (a second per batch of 500 at 200,000 rows);
planned for the actual array, PostgreSQL hashes it or uses the index.
"""

import uuid

import pytest
from sqlalchemy import text

from jangkau_shared import db
from jangkau_shared.settings import DatabaseSettings

pytestmark = pytest.mark.integration

LOOKUP = "SELECT id FROM grows WHERE id = ANY($1) ORDER BY id FOR UPDATE"


def _array(n: int) -> str:
    return "'{" + ",".join(str(uuid.uuid4()) for _ in range(n)) + "}'::uuid[]"


async def test_a_statement_prepared_on_a_small_table_is_planned_for_each_array(new_database) -> None:  # type: ignore[no-untyped-def]
    engine = db.create_engine(DatabaseSettings(database_url=await new_database()))
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE grows (id uuid PRIMARY KEY)"))
            await conn.execute(text(f"PREPARE lookup(uuid[]) AS {LOOKUP}"))
            for _ in range(8):  # batches on a small table; a generic plan may be cached after five
                ids = _array(500)
                await conn.execute(text(f"INSERT INTO grows SELECT unnest({ids})"))
                await conn.execute(text(f"EXECUTE lookup({ids})"))
            await conn.execute(
                text("INSERT INTO grows SELECT gen_random_uuid() FROM generate_series(1, 50000)")
            )
            plan = (await conn.execute(text(f"EXPLAIN EXECUTE lookup({_array(500)})"))).scalars().all()
            setting = (await conn.execute(text("SHOW plan_cache_mode"))).scalar_one()
    finally:
        await engine.dispose()
    assert setting == "force_custom_plan"
    generic = [line for line in plan if "ANY ($1)" in line]
    assert not generic, "\n".join(plan)
