"""Example consumer for other services: count registered BPU workers per branch from Kafka.

It reads ``bpu.worker.registered.v1`` with plain aiokafka and the official CloudEvents SDK, so
it depends on nothing of Jangkau's code: only on the published contract (topic, ce_* headers,
JSON data as in shared/schemas/id.jangkau.bpu.worker.registered.v1.json).

    pip install "aiokafka==0.14.0" "cloudevents==2.2.0"   # Python 3.11+; the versions tested here

    python examples/consumer.py --bootstrap 127.0.0.1:19092 --group my-service
    python examples/consumer.py --bootstrap 127.0.0.1:19092 --from-beginning --max-events 100

With ``--group`` (default ``example-consumer``) it is a member of that consumer group: it
commits what it read, so the next run resumes there, and a new group starts at the end of the
topic. ``--from-beginning`` joins no group and commits nothing: every run reads every partition
from offset 0 again, and no group's position moves.

A real subscriber de-duplicates on the event's (source, id) or, as here, on the participant id,
because a topic may hold the same event twice (the producer side guarantees at-least-once). It
also skips records that are not valid events (missing ce_* headers, data that is not a JSON
object of the schema) instead of stopping on them: one bad record must not block the stream.
"""

import argparse
import asyncio
import sys
from collections import Counter
from typing import Any

from aiokafka import AIOKafkaConsumer
from cloudevents.core.bindings.kafka import KafkaMessage, from_binary_event
from cloudevents.core.exceptions import BaseCloudEventException

TOPIC = "bpu.worker.registered.v1"
TYPE = "id.jangkau.bpu.worker.registered.v1"
DEFAULT_GROUP = "example-consumer"


def registration(record: Any) -> dict[str, Any] | None:
    """The data of a valid registration event, or None for any other record."""
    try:
        event = from_binary_event(KafkaMessage(dict(record.headers), record.key, record.value))
    except BaseCloudEventException:
        return None
    data = event.get_data()
    if event.get_type() != TYPE or not isinstance(data, dict):
        return None
    if not isinstance(data.get("participant_id"), str) or not isinstance(data.get("branch"), str):
        return None
    return data


def consumer_options(args: argparse.Namespace) -> dict[str, Any]:
    """Where to start and whether to remember: a group resumes; ``--from-beginning`` rereads all.

    A group's committed offsets win over ``auto_offset_reset``, so "earliest" alone would read
    from the beginning only on a group's first run. Without a group the consumer is assigned
    every partition, starts at offset 0 and has nowhere to commit.
    """
    if args.from_beginning:
        return {"group_id": None, "auto_offset_reset": "earliest", "enable_auto_commit": False}
    group = args.group or DEFAULT_GROUP
    return {"group_id": group, "auto_offset_reset": "latest", "enable_auto_commit": True}


async def count_registrations(args: argparse.Namespace) -> Counter[str]:
    """Consume until ``max_events`` distinct participants or ``idle_seconds`` without a record."""
    consumer = AIOKafkaConsumer(
        args.topic_prefix + TOPIC, bootstrap_servers=args.bootstrap, **consumer_options(args)
    )
    seen: set[str] = set()
    per_branch: Counter[str] = Counter()
    skipped = 0
    await consumer.start()
    try:
        while len(seen) < args.max_events:
            batch = await consumer.getmany(timeout_ms=int(args.idle_seconds * 1000))
            if not batch:
                break
            for record in (r for records in batch.values() for r in records):
                data = registration(record)
                if data is None:
                    skipped += 1
                elif data["participant_id"] not in seen:
                    seen.add(data["participant_id"])
                    per_branch[data["branch"]] += 1
    finally:
        await consumer.stop()
    if skipped:
        print(f"skipped {skipped} records that are not valid registrations", file=sys.stderr)  # noqa: T201
    return per_branch


def parser() -> argparse.ArgumentParser:
    """The command line: a group to resume with, or every record from the beginning."""
    parsed = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parsed.add_argument("--bootstrap", default="127.0.0.1:19092", help="Kafka bootstrap servers")
    start = parsed.add_mutually_exclusive_group()
    start.add_argument("--group", help=f"consumer group, resumed on the next run (default {DEFAULT_GROUP})")
    start.add_argument(
        "--from-beginning", action="store_true", help="read every record from offset 0, in no group"
    )
    parsed.add_argument("--topic-prefix", default="", help="prefix of the deployment's topics, if any")
    parsed.add_argument("--max-events", type=int, default=1000, help="stop after this many participants")
    parsed.add_argument("--idle-seconds", type=float, default=5.0, help="stop after this long without data")
    return parsed


def main() -> None:
    """Parse arguments, consume, print the counts."""
    counts = asyncio.run(count_registrations(parser().parse_args()))
    for branch, n in sorted(counts.items()):
        print(f"{branch}\t{n}")  # noqa: T201


if __name__ == "__main__":
    main()
