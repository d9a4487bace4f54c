"""A team token acts only for its branches; '*' is every branch."""

from uuid import uuid4

from jangkau_shared.auth import Team


def test_a_team_may_act_only_for_its_own_branches() -> None:
    team = Team(uuid4(), "denpasar-booth", frozenset({"denpasar"}))
    assert team.may_act_for("denpasar")
    assert not team.may_act_for("jambi")


def test_a_national_team_may_act_for_every_branch() -> None:
    assert Team(uuid4(), "ops", frozenset({"*"})).may_act_for("banten-serang")
