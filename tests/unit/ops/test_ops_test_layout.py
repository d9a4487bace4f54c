"""The test tree itself: pytest imports test modules by their file name (no packages), so two
test files of the same name in different folders stop the whole run at collection."""

from collections import defaultdict

from support import REPO


def test_no_two_test_files_share_a_name() -> None:
    where: defaultdict[str, list[str]] = defaultdict(list)
    for path in (REPO / "tests").rglob("test_*.py"):
        where[path.name].append(str(path.relative_to(REPO)))
    assert {name: paths for name, paths in where.items() if len(paths) > 1} == {}
