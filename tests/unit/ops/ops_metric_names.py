"""Metric names in PromQL, and whether the services define their family (for dashboards and alerts)."""

import re
from functools import cache

from support import REPO


def metric_names(expr: str) -> set[str]:
    """The Jangkau metric names a PromQL expression reads."""
    return set(re.findall(r"\b(jangkau_[a-z0-9_]+)\b", expr))


@cache
def _sources() -> str:
    paths = [*REPO.glob("services/*/src/**/*.py"), *REPO.glob("shared/src/**/*.py")]
    return "\n".join(path.read_text() for path in paths)


def exposed(name: str) -> bool:
    """True when a service (or shared/) defines the family of ``name`` (a counter's without _total)."""
    return f'"{name.removesuffix("_total")}"' in _sources()
