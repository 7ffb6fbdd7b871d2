"""Presses read strictly (``Presses.strict``, bot/kit/strict.py): an argument too many, or data
that does not parse, is an old or forged button; counts may be 0 and fit the database's
integers. A table says once what its presses' own errors mean (``means``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

import pytest

from bot.kit.presses import Press, Presses, new_message
from bot.kit.refusals import NotPossible, is_refusal
from bot.kit.screens import Screen, Stale, count
from storage.actors import BeneficiaryActor, CounsellorActor


def _press(*args: str, actor: Any = None) -> Press:
    nothing = cast(Any, None)
    return Press(nothing, nothing, nothing, nothing, actor, args)


def _table() -> Presses:
    table = Presses("zz")

    @table.strict("d", 1)
    async def day(press: Press) -> None:
        datetime.strptime(press.arg(0), "%Y%m%d")

    return table


async def test_a_press_with_the_right_arguments_runs() -> None:
    route = _table()._routes["d"]
    assert await route.function(_press("20261203")) is None


@pytest.mark.parametrize("args", [(), ("20261203", "1"), ("2026-12-03",)])
async def test_a_press_that_does_not_fit_is_stale(args: tuple[str, ...]) -> None:
    route = _table()._routes["d"]
    with pytest.raises(Stale):
        await route.function(_press(*args))


def test_counts_may_be_zero_and_stay_small() -> None:
    assert count("0") == 0
    assert count("120") == 120
    for bad in ("", "-1", "1.5", "1234567890", "٣"):
        with pytest.raises(Stale):
            count(bad)


def test_a_strict_press_says_how_many_arguments_it_takes() -> None:
    with pytest.raises(ValueError):
        Presses("zz").strict("d")


def test_a_table_says_what_its_presses_errors_mean() -> None:
    table = Presses("zz", means={ValueError: NotPossible, KeyError: Stale})
    assert isinstance(table._meaning(ValueError("rule")), NotPossible)
    assert isinstance(table._meaning(KeyError("id")), Stale)
    other = RuntimeError("a bug")
    assert table._meaning(other) is other
    assert is_refusal(NotPossible()) and not is_refusal(other)


def test_a_press_reads_who_pressed_as_the_role_it_is_for() -> None:
    counsellor = CounsellorActor(1, 10, "fr", "Europe/Paris")
    beneficiary = BeneficiaryActor(2, 20, "fr", "Europe/Paris")
    assert _press(actor=counsellor).counsellor is counsellor
    assert _press(actor=beneficiary).beneficiary is beneficiary
    with pytest.raises(Stale):
        _ = _press(actor=beneficiary).counsellor
    with pytest.raises(Stale):
        _ = _press(actor=counsellor).beneficiary


def test_a_new_message_goes_under_the_pressed_one() -> None:
    first, second = Screen("a"), Screen("b")
    reply = new_message(first, second, toast="ok")
    assert reply.screens == (first, second) and not reply.in_place and reply.toast == "ok"
