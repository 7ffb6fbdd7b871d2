"""Presses read strictly (bot/kit/strict.py): an argument too many, or data that does not
parse, is an old or forged button; counts may be 0 and fit the database's integers."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

import pytest

from bot.kit.presses import Press, Presses
from bot.kit.screens import Stale, count
from bot.kit.strict import EITHER, strictly


def _press(*args: str) -> Press:
    nothing = cast(Any, None)
    return Press(nothing, nothing, nothing, nothing, nothing, args)


def _table() -> Presses:
    table = Presses("zz")

    @strictly(table, "d", EITHER, 1)
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
