"""The example subscriber's start options, and the packages it tells a reader to install."""

import re
import tomllib
from types import ModuleType

import pytest

from support import REPO, load_script


def _example() -> ModuleType:
    return load_script("examples/consumer.py")


def test_from_the_beginning_joins_no_group_and_commits_nothing() -> None:
    example = _example()
    args = example.parser().parse_args(["--from-beginning"])

    assert example.consumer_options(args) == {
        "group_id": None,
        "auto_offset_reset": "earliest",
        "enable_auto_commit": False,
    }


def test_a_group_resumes_where_it_committed() -> None:
    example = _example()
    named = example.consumer_options(example.parser().parse_args(["--group", "my-service"]))
    default = example.consumer_options(example.parser().parse_args([]))

    assert (named["group_id"], named["enable_auto_commit"]) == ("my-service", True)
    assert default["group_id"] == "example-consumer"


def test_a_group_and_from_the_beginning_together_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        _example().parser().parse_args(["--group", "my-service", "--from-beginning"])

    assert stopped.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def _locked() -> dict[str, str]:
    lock = tomllib.loads((REPO / "uv.lock").read_text())
    return {p["name"]: p["version"] for p in lock["package"] if p["name"] in {"aiokafka", "cloudevents"}}


@pytest.mark.parametrize("document", ["examples/consumer.py", "docs/subscribers.md"])
def test_the_pip_line_names_the_locked_versions_of_the_consumers_packages(document: str) -> None:
    text = (REPO / document).read_text()
    [line] = [line for line in text.splitlines() if line.lstrip().startswith("pip install")]

    assert dict(re.findall(r'"([a-z]+)==([0-9.]+)"', line)) == _locked()
