"""SQL of the metrics store, written out: set-based statements over arrays, one round trip each.

They run on the asyncpg connection under SQLAlchemy's transaction: a batch moves thousands of
rows, and asyncpg's records spare a Python object per cell (the profile in docs/performance.md).
"""

from typing import Final

INSERT_CONTRIBUTIONS: Final = """
    INSERT INTO contributions
        (contribution_id, participant_id, branch, payer_type, campaign_id, paid_on, amount, paid_through)
    SELECT * FROM unnest(
        $1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::date[], $7::bigint[], $8::integer[])
    ON CONFLICT DO NOTHING
    RETURNING contribution_id
"""

LOCK_PARTICIPANTS: Final = """
    SELECT participant_id, branch, village_code, segment, campaign_id, registered, registered_on,
           paid_through, steps_paid_on, steps_paid_through
    FROM participants WHERE participant_id = ANY($1::uuid[])
    ORDER BY participant_id FOR UPDATE
"""

#: Inserts new participants and updates known ones (by the primary key's index, never a scan);
#: answers how many rows were inserted (xmax = 0 marks a row this statement created). The
#: staircases travel as array literals: unnest would flatten an array of arrays.
UPSERT_PARTICIPANTS: Final = """
    WITH written AS (
        INSERT INTO participants
            (participant_id, branch, village_code, segment, campaign_id, registered, registered_on,
             paid_through, steps_paid_on, steps_paid_through)
        SELECT id, branch, village, segment, campaign, registered, registered_on, paid_through,
               days::date[], months::integer[]
        FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::boolean[],
                    $7::date[], $8::integer[], $9::text[], $10::text[])
             AS r(id, branch, village, segment, campaign, registered, registered_on, paid_through,
                  days, months)
        ON CONFLICT (participant_id) DO UPDATE SET
            branch = excluded.branch, village_code = excluded.village_code, segment = excluded.segment,
            campaign_id = excluded.campaign_id, registered = excluded.registered,
            registered_on = excluded.registered_on, paid_through = excluded.paid_through,
            steps_paid_on = excluded.steps_paid_on, steps_paid_through = excluded.steps_paid_through
        RETURNING xmax = 0 AS inserted
    )
    SELECT count(*) FILTER (WHERE inserted) FROM written
"""

#: Every count table moved by the batch's deltas in one statement (each key once per table, sorted:
#: rows are locked in one order). Data-modifying CTEs run to completion whether read or not.
MOVE_COUNTS: Final = """
    WITH cells AS (
        INSERT INTO coverage_counts AS t
            (part, branch, segment, campaign_id, registered, paid_through, n, changed_xid)
        SELECT *, pg_current_xact_id()::text::bigint FROM unnest(
            $1::integer[], $2::text[], $3::text[], $4::text[], $5::boolean[], $6::integer[], $7::bigint[])
        ON CONFLICT (branch, segment, campaign_id, registered, paid_through, part)
        DO UPDATE SET n = t.n + excluded.n, changed_xid = excluded.changed_xid
    ), years AS (
        INSERT INTO registration_years AS t (part, branch, year, n, changed_xid)
        SELECT *, pg_current_xact_id()::text::bigint
        FROM unnest($8::integer[], $9::text[], $10::integer[], $11::bigint[])
        ON CONFLICT (branch, year, part)
        DO UPDATE SET n = t.n + excluded.n, changed_xid = excluded.changed_xid
    ), totals AS (
        INSERT INTO contribution_totals AS t
            (part, branch, payer_type, campaign_id, contributions, rupiah, changed_xid)
        SELECT *, pg_current_xact_id()::text::bigint FROM unnest(
            $12::integer[], $13::text[], $14::text[], $15::text[], $16::bigint[], $17::bigint[])
        ON CONFLICT (branch, payer_type, campaign_id, part) DO UPDATE SET
            contributions = t.contributions + excluded.contributions, rupiah = t.rupiah + excluded.rupiah,
            changed_xid = excluded.changed_xid
    ), villages AS (
        INSERT INTO village_counts AS t (part, branch, village_code, paid_through, n)
        SELECT * FROM unnest($24::integer[], $25::text[], $26::text[], $27::integer[], $28::bigint[])
        ON CONFLICT (branch, village_code, paid_through, part) DO UPDATE SET n = t.n + excluded.n
    ), moves AS (
        INSERT INTO standing_moves AS t (part, branch, day, paid_through, n)
        SELECT * FROM unnest($29::integer[], $30::text[], $31::date[], $32::integer[], $33::bigint[])
        ON CONFLICT (branch, day, paid_through, part) DO UPDATE SET n = t.n + excluded.n
    )
    INSERT INTO daily_totals AS t (day, branch, part, registrations, contributions, rupiah)
    SELECT * FROM unnest(
        $18::date[], $19::text[], $20::integer[], $21::bigint[], $22::bigint[], $23::bigint[])
    ON CONFLICT (day, branch, part) DO UPDATE SET
        registrations = t.registrations + excluded.registrations,
        contributions = t.contributions + excluded.contributions, rupiah = t.rupiah + excluded.rupiah
"""

#: The oldest transaction still running when this read's snapshot was taken.
SNAPSHOT_XMIN: Final = "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint"
#: Each key changed since the horizon $1 (0: every key), with its count summed over the partitions:
#: an absolute value, read in one snapshot, so reading it again is harmless. Summing here keeps
#: what the view reads as small as the keys, whatever the number of partitions. The cells come
#: one row per cell with its months and counts as two arrays: a first read is a few thousand
#: rows for the view to take in bulk, not one row per month.
CHANGED_CELLS: Final = """
    SELECT branch, segment, campaign_id, registered, array_agg(paid_through), array_agg(n)
    FROM (
        SELECT branch, segment, campaign_id, registered, paid_through, sum(n)::bigint AS n
        FROM coverage_counts
        WHERE $1 = 0 OR (branch, segment, campaign_id, registered, paid_through) IN (
            SELECT branch, segment, campaign_id, registered, paid_through
            FROM coverage_counts WHERE changed_xid >= $1)
        GROUP BY 1, 2, 3, 4, 5
    ) AS keys
    GROUP BY 1, 2, 3, 4
"""
CHANGED_YEARS: Final = """
    SELECT branch, year, sum(n)::bigint FROM registration_years
    WHERE $1 = 0 OR (branch, year) IN (SELECT branch, year FROM registration_years WHERE changed_xid >= $1)
    GROUP BY 1, 2
"""
CHANGED_CONTRIBUTIONS: Final = """
    SELECT branch, payer_type, campaign_id, sum(contributions)::bigint, sum(rupiah)::bigint
    FROM contribution_totals
    WHERE $1 = 0 OR (branch, payer_type, campaign_id) IN (
        SELECT branch, payer_type, campaign_id FROM contribution_totals WHERE changed_xid >= $1)
    GROUP BY 1, 2, 3
"""

CHANGED_CAMPAIGNS: Final = """
    SELECT campaign_id, branch, status, name, kind, starts_on, ends_on, target_registrations,
           target_first_payments, held_from, held_to, headcount
    FROM campaigns WHERE changed_xid >= $1
"""
CHANGED_TARGETS: Final = "SELECT branch, year, participants, measure FROM targets WHERE changed_xid >= $1"

#: Registered participants per cell and paid-through month as they stood on $2 (NULL: today),
#: of branch $1 (NULL: all). A past day's month is the last step of the staircase by that day.
COVERAGE_ON: Final = """
    SELECT branch, village_code, segment, campaign_id, month, count(*)
    FROM (
        SELECT branch, village_code, segment, campaign_id,
               CASE WHEN $2::date IS NULL THEN paid_through
                    ELSE (SELECT max(m) FROM unnest(steps_paid_on, steps_paid_through) AS s(d, m)
                          WHERE d <= $2::date)
               END AS month
        FROM participants
        WHERE registered AND ($1::text IS NULL OR branch = $1::text)
          AND ($2::date IS NULL OR registered_on <= $2::date)
    ) AS p
    GROUP BY 1, 2, 3, 4, 5
"""

#: Registered participants per village and paid-through month today, of branch $1 (NULL: all).
VILLAGES_TODAY: Final = """
    SELECT branch, village_code, paid_through, sum(n)::bigint FROM village_counts
    WHERE $1::text IS NULL OR branch = $1::text
    GROUP BY 1, 2, 3 HAVING sum(n) <> 0
"""

#: Registered participants per branch and paid-through month as they stood on $2, of branch $1
#: (NULL: all): every move of the branch's participants up to that day, summed.
BRANCHES_ON: Final = """
    SELECT branch, paid_through, sum(n)::bigint FROM standing_moves
    WHERE ($1::text IS NULL OR branch = $1::text) AND day <= $2::date
    GROUP BY 1, 2 HAVING sum(n) <> 0
"""

CAMPAIGN_CONTRIBUTIONS_ON: Final = """
    SELECT campaign_id, count(*), sum(amount)::bigint FROM contributions
    WHERE paid_on <= $1 AND campaign_id <> '' GROUP BY campaign_id
"""

DAILY: Final = """
    SELECT branch, day, sum(registrations)::bigint, sum(contributions)::bigint, sum(rupiah)::bigint
    FROM daily_totals
    WHERE day BETWEEN $1 AND $2 AND ($3::text IS NULL OR branch = $3::text)
    GROUP BY day, branch
    HAVING sum(registrations) <> 0 OR sum(contributions) <> 0
    ORDER BY day, branch
"""

#: What two stores must agree on, each query's last column the value (partitions summed).
FINGERPRINT: Final = {
    "participants": """
        SELECT branch, village_code, segment, campaign_id, registered, registered_on, paid_through,
               count(*) || ' ' || md5(string_agg(
                   participant_id::text || steps_paid_on::text || steps_paid_through::text, ','
                   ORDER BY participant_id))
        FROM participants GROUP BY 1, 2, 3, 4, 5, 6, 7
    """,
    "contributions": """
        SELECT branch, payer_type, campaign_id, paid_on, count(*) || ' ' || sum(amount)
        FROM contributions GROUP BY 1, 2, 3, 4
    """,
    "cells": """
        SELECT branch, segment, campaign_id, registered, paid_through, sum(n)
        FROM coverage_counts GROUP BY 1, 2, 3, 4, 5 HAVING sum(n) <> 0
    """,
    "years": "SELECT branch, year, sum(n) FROM registration_years GROUP BY 1, 2 HAVING sum(n) <> 0",
    "totals": """
        SELECT branch, payer_type, campaign_id, sum(contributions) || ' ' || sum(rupiah)
        FROM contribution_totals GROUP BY 1, 2, 3 HAVING sum(contributions) <> 0
    """,
    "days": """
        SELECT day, branch, sum(registrations) || ' ' || sum(contributions) || ' ' || sum(rupiah)
        FROM daily_totals GROUP BY 1, 2 HAVING sum(registrations) <> 0 OR sum(contributions) <> 0
    """,
    "villages": """
        SELECT branch, village_code, paid_through, sum(n)
        FROM village_counts GROUP BY 1, 2, 3 HAVING sum(n) <> 0
    """,
    "moves": """
        SELECT branch, day, paid_through, sum(n)
        FROM standing_moves GROUP BY 1, 2, 3 HAVING sum(n) <> 0
    """,
}

#: Every standing move of every registered participant, one row each; ``{part}`` stands for the
#: expression of its partition share. A participant enters the month reached by its registration
#: day on that day, and on each later step leaves the previous step's month (-1 before the first)
#: for the step's month.
PARTICIPANT_MOVES: Final = """
    SELECT {part} AS part, branch, registered_on AS day, 1 AS n, coalesce(
        (SELECT max(s.m) FROM unnest(steps_paid_on, steps_paid_through) AS s(d, m)
         WHERE s.d <= registered_on), -1) AS month
    FROM participants WHERE registered AND registered_on IS NOT NULL
    UNION ALL
    SELECT {part}, branch, s.d, e.n, CASE WHEN e.n > 0 THEN s.m
                                          ELSE coalesce(steps_paid_through[s.i - 1], -1) END
    FROM participants,
         unnest(steps_paid_on, steps_paid_through) WITH ORDINALITY AS s(d, m, i),
         (VALUES (1), (-1)) AS e(n)
    WHERE registered AND registered_on IS NOT NULL AND s.d > registered_on
"""

#: The count tables as they must be, derived from the participants and contributions themselves.
DERIVED: Final = {
    "cells": """
        SELECT branch, segment, campaign_id, registered, coalesce(paid_through, -1), count(*)
        FROM participants GROUP BY 1, 2, 3, 4, 5
    """,
    "years": """
        SELECT branch, extract(year FROM registered_on)::int, count(*) FROM participants
        WHERE registered AND registered_on IS NOT NULL GROUP BY 1, 2
    """,
    "totals": """
        SELECT branch, payer_type, campaign_id, count(*) || ' ' || sum(amount)
        FROM contributions GROUP BY 1, 2, 3
    """,
    "days": """
        SELECT day, branch, coalesce(r.n, 0) || ' ' || coalesce(c.n, 0) || ' ' || coalesce(c.rupiah, 0)
        FROM (SELECT registered_on AS day, branch, count(*) AS n FROM participants
              WHERE registered AND registered_on IS NOT NULL GROUP BY 1, 2) AS r
        FULL JOIN (SELECT paid_on AS day, branch, count(*) AS n, sum(amount) AS rupiah
                   FROM contributions GROUP BY 1, 2) AS c USING (day, branch)
    """,
    "villages": """
        SELECT branch, village_code, coalesce(paid_through, -1), count(*)
        FROM participants WHERE registered GROUP BY 1, 2, 3
    """,
    "moves": f"""
        SELECT branch, day, month, sum(n) FROM ({PARTICIPANT_MOVES.replace("{part}", "0")}) AS moves
        GROUP BY 1, 2, 3 HAVING sum(n) <> 0
    """,  # noqa: S608 - built from a constant of the store, no input
}


def _compaction(table: str, keys: tuple[str, ...], sums: tuple[str, ...], *, followed: bool) -> str:
    """Move the partition-share rows of ``table`` in heap pages $1 to $2 (excluded) into its
    compacted rows (part -1).

    A window of pages, not "the first N rows": rows deleted by earlier rounds are never scanned
    again, so a pass over a table is linear in its size. Rows locked by a fold are skipped (never
    waited for: a fold may wait for this statement, never the other way round). Every key's sum
    is the same before and after, so the view has nothing to read: a compacted row keeps the
    newest change id of the rows it took in.
    """
    key, pk = ", ".join(keys), ", ".join((*keys, "part"))
    summed = ", ".join(f"sum({c})::bigint" for c in sums)
    added = ", ".join(f"{c} = t.{c} + excluded.{c}" for c in sums)
    if followed:
        summed += ", max(changed_xid)"
        added += ", changed_xid = greatest(t.changed_xid, excluded.changed_xid)"
    columns = ", ".join((*keys, "part", *sums, *(("changed_xid",) if followed else ())))
    return f"""
        WITH picked AS (
            SELECT ctid FROM {table}
            WHERE ctid >= format('(%s,0)', $1::bigint)::tid AND ctid < format('(%s,0)', $2::bigint)::tid
              AND part >= 0
            FOR UPDATE SKIP LOCKED
        ), taken AS (
            DELETE FROM {table} AS t WHERE ctid = ANY(ARRAY(SELECT ctid FROM picked)) RETURNING t.*
        ), merged AS (
            INSERT INTO {table} AS t ({columns})
            SELECT {key}, -1, {summed} FROM taken GROUP BY {key}
            ON CONFLICT ({pk}) DO UPDATE SET {added}
        )
        SELECT count(*) FROM taken
    """  # noqa: S608 - table and column names are this module's constants


#: The heap pages of a table (the windows of a compaction pass cover them).
TABLE_PAGES: Final = "SELECT pg_relation_size($1::regclass) / current_setting('block_size')::bigint"

#: Only one instance compacts at a time (a transaction-level advisory lock of this number).
COMPACTION_LOCK: Final = 7_352_701
TRY_COMPACTION_LOCK: Final = f"SELECT pg_try_advisory_xact_lock({COMPACTION_LOCK})"

#: One statement per count table: its partition shares folded into one row per key.
COMPACT: Final = {
    "coverage_counts": _compaction(
        "coverage_counts",
        ("branch", "segment", "campaign_id", "registered", "paid_through"),
        ("n",),
        followed=True,
    ),
    "registration_years": _compaction("registration_years", ("branch", "year"), ("n",), followed=True),
    "contribution_totals": _compaction(
        "contribution_totals",
        ("branch", "payer_type", "campaign_id"),
        ("contributions", "rupiah"),
        followed=True,
    ),
    "daily_totals": _compaction(
        "daily_totals", ("day", "branch"), ("registrations", "contributions", "rupiah"), followed=False
    ),
    "village_counts": _compaction(
        "village_counts", ("branch", "village_code", "paid_through"), ("n",), followed=False
    ),
    "standing_moves": _compaction(
        "standing_moves", ("branch", "day", "paid_through"), ("n",), followed=False
    ),
}
