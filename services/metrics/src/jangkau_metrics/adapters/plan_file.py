"""Read regions, workforce and targets from a TOML file (the packaged demo one by default)."""

import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from jangkau_metrics.domain.targets import InvalidTarget, Plan, Region, Target


def read_plan(path: Path | None = None) -> Plan:
    """Parse a coverage plan; a wrong entry fails naming it."""
    if path is None:
        text = resources.files("jangkau_metrics").joinpath("coverage.toml").read_text(encoding="utf-8")
    else:
        text = path.read_text(encoding="utf-8")
    raw = tomllib.loads(text)
    try:
        regions = tuple(_region(code, body) for code, body in raw.get("region", {}).items())
        targets = [Target(**entry) for entry in raw.get("target", [])]
    except TypeError as err:
        raise InvalidTarget(f"coverage plan {path or 'coverage.toml'}: {err}") from err
    return Plan(regions, {(t.branch, t.year): t for t in targets})


def _region(code: str, body: dict[str, Any]) -> Region:
    return Region(
        code=code,
        name=body["name"],
        branches=tuple(body.get("branches", ())),
        workforce=body.get("workforce"),
        informal_share=body.get("informal_share"),
    )
