"""Regenerate areas.csv.gz from the npm package idn-area-data (Kemendagri area codes).

Usage::

    python -m jangkau_shared.places.build --from idn-area-data@4.0.1
    python -m jangkau_shared.places.build --from /tmp/idn-area-data-4.0.1.tgz
    python -m jangkau_shared.places.build --from /tmp/package   # unpacked tarball

``--from`` takes an unpacked package folder (or its ``data/`` folder), a downloaded
``.tgz`` from ``npm pack``, or an npm package spec, which is fetched with ``npm pack``
(default: DEFAULT_SOURCE below).
The output is a deterministic gzip'd CSV (code, level, name, parent); update SOURCE.md
with the printed counts whenever the data changes.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import re
import subprocess
import sys
import tarfile
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

OUTPUT = Path(__file__).with_name("areas.csv.gz")
# Pin the version: a bare "idn-area-data" was seen to resolve to an older release here.
DEFAULT_SOURCE = "idn-area-data@4.0.1"
HEADER = ("code", "level", "name", "parent")

# level -> (CSV file in the package, parent column or None, code pattern)
SOURCES: dict[str, tuple[str, str | None, re.Pattern[str]]] = {
    "province": ("provinces.csv", None, re.compile(r"\d{2}")),
    "regency": ("regencies.csv", "province_code", re.compile(r"\d{2}\.\d{2}")),
    "district": ("districts.csv", "regency_code", re.compile(r"\d{2}\.\d{2}\.\d{2}")),
    "village": ("villages.csv", "district_code", re.compile(r"\d{2}\.\d{2}\.\d{2}\.\d{4}")),
}

Row = tuple[str, str, str, str]


def find_data_dir(root: Path) -> Path:
    """Return the folder holding provinces.csv under an unpacked package."""
    for candidate in (root, root / "data", root / "package" / "data"):
        if (candidate / "provinces.csv").is_file():
            return candidate
    raise FileNotFoundError(f"no provinces.csv under {root}")


def npm_pack(spec: str, into: Path) -> Path:
    """Download an npm package tarball with ``npm pack`` and return its path."""
    # A fixed argv without a shell; the spec comes from the operator's command line.
    result = subprocess.run(  # noqa: S603
        ["npm", "pack", spec, "--silent", "--pack-destination", str(into)],  # noqa: S607
        check=True,
        capture_output=True,
        text=True,
    )
    return into / result.stdout.strip().splitlines()[-1]


def unpack(source: str, workdir: Path) -> Path:
    """Turn a folder, tarball or npm spec into a data folder on disk."""
    path = Path(source)
    if path.is_dir():
        return find_data_dir(path)
    tarball = path if path.is_file() else npm_pack(source, workdir)
    with tarfile.open(tarball) as tar:
        safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        # The "data" filter (where available) refuses links and paths outside the folder.
        tar.extractall(workdir / "unpacked", **safe)  # type: ignore[arg-type]  # noqa: S202
    return find_data_dir(workdir / "unpacked")


def read_level(data_dir: Path, level: str) -> Iterator[Row]:
    """Yield validated output rows for one level of the source data."""
    filename, parent_column, pattern = SOURCES[level]
    with (data_dir / filename).open(encoding="utf-8", newline="") as handle:
        for record in csv.DictReader(handle):
            code = record["code"].strip()
            if not pattern.fullmatch(code):
                raise ValueError(f"{filename}: malformed {level} code {code!r}")
            name = " ".join(record["name"].split())
            parent = record[parent_column].strip() if parent_column else ""
            if parent_column and not code.startswith(parent + "."):
                raise ValueError(f"{filename}: {code} does not sit under {parent}")
            yield code, level, name, parent


def collect(data_dir: Path) -> list[Row]:
    """Read all levels, check parents and uniqueness, and sort by code."""
    rows = [row for level in SOURCES for row in read_level(data_dir, level)]
    codes = Counter(row[0] for row in rows)
    duplicates = [code for code, seen in codes.items() if seen > 1]
    if duplicates:
        raise ValueError(f"duplicate codes: {duplicates[:10]}")
    orphans = [row[0] for row in rows if row[3] and row[3] not in codes]
    if orphans:
        raise ValueError(f"codes whose parent is missing: {orphans[:10]}")
    return sorted(rows, key=lambda row: row[0])


def write(rows: list[Row], output: Path) -> None:
    """Write rows as a gzip'd CSV with a fixed timestamp, so rebuilds are byte-identical."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    with (
        output.open("wb") as raw,
        gzip.GzipFile(filename="areas.csv", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as gz,
    ):
        gz.write(text.getvalue().encode("utf-8"))


def main(argv: list[str] | None = None) -> int:
    """Build the packaged area file and print the counts per level."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--from",
        dest="source",
        default=DEFAULT_SOURCE,
        help="package folder, .tgz from npm pack, or npm spec",
    )
    parser.add_argument("--out", type=Path, default=OUTPUT, help="output .csv.gz path")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        rows = collect(unpack(args.source, Path(tmp)))
    write(rows, args.out)
    counts = Counter(row[1] for row in rows)
    for level in SOURCES:
        sys.stdout.write(f"{level}: {counts[level]}\n")
    size = args.out.stat().st_size
    sys.stdout.write(f"wrote {len(rows)} areas to {args.out} ({size} bytes)\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
