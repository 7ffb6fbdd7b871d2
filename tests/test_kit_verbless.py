"""A verbless press table (bot/kit/presses.py): data kept from before the kit, ``c:<id>``,
with no verb; its one press reads every part after the prefix."""

from __future__ import annotations

import pytest

from bot.kit.presses import Press, Presses


def test_a_verbless_table_reads_every_part_as_an_argument() -> None:
    table = Presses("c", verbless=True)
    assert table.data("", 12) == "c:12"
    assert table._split("c:12") == ("", ["12"])
    assert table._split("c:12:investigation:ok") == ("", ["12", "investigation", "ok"])
    assert Presses("ben")._split("ben:list:2") == ("list", ["2"])
    assert Presses("ben")._split("ben:") == ("", [])


def test_a_verbless_table_has_no_verbs() -> None:
    table = Presses("c", verbless=True)

    async def card(press: Press) -> None:
        return None

    with pytest.raises(ValueError):
        table.on("v")(card)
    table.on("")(card)
