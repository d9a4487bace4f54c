"""JSON Schemas of the event payloads, generated from the models the code uses."""

import argparse
import sys
from pathlib import Path

import orjson

from jangkau_shared.envelope import CONTENT_TYPE, REQUIRED_HEADERS, SPECVERSION
from jangkau_shared.events import EVENT_SPECS
from jangkau_shared.topics import dead_letter_topic

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "schemas"


def generate() -> dict[str, bytes]:
    """Return ``{file name: JSON}``: a schema per event type and the AsyncAPI document."""
    files: dict[str, bytes] = {}
    for spec in EVENT_SPECS:
        schema = spec.model.model_json_schema(mode="serialization")
        schema = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"urn:jangkau:schema:{spec.type}",
            "x-cloudevents-type": spec.type,
            "x-kafka-topic": spec.topic,
            "x-kafka-key": spec.key_field,
            **schema,
        }
        files[f"{spec.type}.json"] = orjson.dumps(schema, option=orjson.OPT_INDENT_2) + b"\n"
    files["asyncapi.json"] = orjson.dumps(asyncapi(), option=orjson.OPT_INDENT_2) + b"\n"
    return files


def asyncapi() -> dict[str, object]:
    """Return the AsyncAPI 3.0 document of every topic of the contract, built from the same models."""
    channels: dict[str, object] = {}
    operations: dict[str, object] = {}
    messages: dict[str, object] = {}
    for spec in EVENT_SPECS:
        name = spec.model.__name__
        messages[name] = {
            "name": spec.type,
            "title": name,
            "summary": spec.description,
            "contentType": CONTENT_TYPE,
            "bindings": {
                "kafka": {"key": {"type": "string", "description": f"the event's {spec.key_field}"}}
            },
            "headers": {
                "type": "object",
                "required": list(REQUIRED_HEADERS),
                "properties": {
                    "ce_id": {"type": "string"},
                    "ce_source": {"type": "string"},
                    "ce_type": {"const": spec.type},
                    "ce_specversion": {"const": SPECVERSION},
                    "ce_time": {"type": "string", "format": "date-time"},
                    "content-type": {"const": CONTENT_TYPE},
                },
            },
            "payload": {"$ref": f"./{spec.type}.json"},
        }
        channels[spec.topic] = {
            "address": spec.topic,
            "description": f"{spec.description} Dead letters: {dead_letter_topic(spec.topic)}.",
            "messages": {name: {"$ref": f"#/components/messages/{name}"}},
        }
        operations[f"receive{name}"] = {
            "action": "receive",
            "channel": {"$ref": f"#/channels/{spec.topic}"},
            "summary": f"Subscribe to {spec.type} (CloudEvents 1.0, Kafka binary mode).",
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Jangkau events",
            "version": "1.0.0",
            "description": "Field work as events: workers registered, contributions paid, campaigns.",
        },
        "defaultContentType": CONTENT_TYPE,
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages},
    }


def drift(directory: Path) -> list[str]:
    """Return the schema files in ``directory`` that differ from the code (missing ones too)."""
    wanted = generate()
    stale = [
        n
        for n, body in wanted.items()
        if not (directory / n).is_file() or (directory / n).read_bytes() != body
    ]
    extra = [p.name for p in directory.glob("*.json") if p.name not in wanted]
    return sorted(stale + extra)


def main(argv: list[str] | None = None) -> int:
    """Write the schemas, or with --check report drift and exit 1."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="where the schemas live")
    parser.add_argument("--check", action="store_true", help="fail when files differ from the code")
    args = parser.parse_args(argv)
    if args.check:
        stale = drift(args.dir)
        for name in stale:
            print(f"schema out of date: {args.dir / name}", file=sys.stderr)  # noqa: T201
        return 1 if stale else 0
    args.dir.mkdir(parents=True, exist_ok=True)
    for name, body in generate().items():
        (args.dir / name).write_bytes(body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
