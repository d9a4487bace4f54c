"""The docs and comments cite only what is in the repository: the domain facts are docs/domain.md."""

import re
import subprocess
from pathlib import Path

import pytest

from support import REPO

#: Written in pieces, so that this file does not cite them itself.
OUTSIDE = ("DOMAIN" + ".md", ".." + "/shared")
DOMAIN_DOC = REPO / "docs" / "domain.md"
_CITED_ANCHOR = re.compile(r"domain\.md#([a-z0-9-]+)")


def _repository_files() -> list[Path]:
    """Every file of the repository: committed, or new and not ignored (so a change is checked
    before it is committed)."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return [REPO / name for name in listed.split("\0") if name and (REPO / name).is_file()]


def _anchor(heading: str) -> str:
    """The anchor a Markdown renderer gives a heading (lower case, punctuation dropped, - for spaces)."""
    return re.sub(r"[^a-z0-9 -]", "", heading.strip().lower()).replace(" ", "-")


def test_the_repository_lists_its_files() -> None:
    names = {path.relative_to(REPO).as_posix() for path in _repository_files()}
    assert {"docs/domain.md", "README.md", "tests/unit/ops/test_ops_docs_sources.py"} <= names


@pytest.mark.parametrize("outside", OUTSIDE)
def test_no_file_cites_a_document_outside_the_repository(outside: str) -> None:
    citing = [
        path.relative_to(REPO).as_posix()
        for path in _repository_files()
        if outside.encode() in path.read_bytes()
    ]
    assert citing == [], f"{outside} is not in the repository: cite docs/domain.md instead"


def test_every_cited_section_of_the_domain_doc_exists() -> None:
    headings = [line.lstrip("#") for line in DOMAIN_DOC.read_text().splitlines() if line.startswith("#")]
    anchors = {_anchor(heading) for heading in headings}
    cited = {
        (path.relative_to(REPO).as_posix(), anchor)
        for path in _repository_files()
        if path.suffix in {".md", ".py", ".toml"}
        for anchor in _CITED_ANCHOR.findall(path.read_text(errors="replace"))
    }
    assert cited, "nothing cites docs/domain.md#..."
    assert [(where, anchor) for where, anchor in sorted(cited) if anchor not in anchors] == []
