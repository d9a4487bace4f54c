"""Demo branch offices (KC), sub-branches (KCP) and their coverage, read from branches.toml."""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Any, Literal

from .areas import normalize_code, regency_of

BranchKind = Literal["KC", "KCP"]
DATA_FILE = "branches.toml"


@dataclass(frozen=True)
class Branch:
    """A branch office (KC) or sub-branch (KCP) and the regencies/cities it serves."""

    code: str
    name: str
    kanwil: str
    kind: BranchKind
    seat: str
    regencies: tuple[str, ...]
    parent: str | None = None


def _branch(code: str, spec: dict[str, Any]) -> Branch:
    """Build one Branch from its TOML table, checking kinds and normalising codes."""
    kind = spec["kind"]
    if kind not in ("KC", "KCP"):
        raise ValueError(f"branch {code}: kind must be KC or KCP, not {kind!r}")
    return Branch(
        code=code,
        name=str(spec["name"]),
        kanwil=str(spec["kanwil"]),
        kind=kind,
        seat=regency_of(spec["seat"]),
        regencies=tuple(normalize_code(regency) for regency in spec.get("regencies", [])),
        parent=spec.get("parent"),
    )


def parse_branches(text: str) -> tuple[Branch, ...]:
    """Parse and check a branch configuration in the branches.toml format."""
    branches = tuple(_branch(code, spec) for code, spec in tomllib.loads(text).get("branch", {}).items())
    kinds = {branch.code: branch.kind for branch in branches}
    served: set[str] = set()
    for branch in branches:
        if branch.kind == "KCP" and (branch.regencies or kinds.get(branch.parent or "") != "KC"):
            raise ValueError(f"sub-branch {branch.code} needs a parent KC and no regencies")
        if branch.kind == "KC" and branch.parent is not None:
            raise ValueError(f"branch office {branch.code} cannot have a parent")
        overlap = served.intersection(branch.regencies)
        if overlap:
            raise ValueError(f"{sorted(overlap)} served twice (again by {branch.code})")
        served.update(branch.regencies)
    return branches


@functools.cache
def _branches() -> tuple[Branch, ...]:
    """Read the packaged configuration once."""
    package = __package__ or "jangkau_shared.places"
    return parse_branches(resources.files(package).joinpath(DATA_FILE).read_text("utf-8"))


@functools.cache
def _branch_by_regency() -> dict[str, Branch]:
    """Map each served regency/city code to its one branch office."""
    return {regency: branch for branch in _branches() for regency in branch.regencies}


def load_branches() -> list[Branch]:
    """Return all configured branch offices and sub-branches, in configuration order."""
    return list(_branches())


def branch_by_code(code: str) -> Branch | None:
    """Return the branch with the given slug, or None."""
    return next((branch for branch in _branches() if branch.code == code), None)


def branch_for_regency(regency_code: str) -> Branch | None:
    """Return the KC serving a regency/city (or any code under it), or None if unserved."""
    try:
        return _branch_by_regency().get(regency_of(regency_code))
    except ValueError:
        return None


def branch_for_village(village_code: str) -> Branch | None:
    """Return the KC serving a village's regency; dotted or undotted code, None if unserved."""
    return branch_for_regency(village_code)
