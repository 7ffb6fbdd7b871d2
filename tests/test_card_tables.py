"""The card's verbless press tables (bot/features/card/presses.py): data kept from before
the kit, ``c:<id>`` and ``ph:<id>:<phase>[:ok]``, read with every part as an argument."""

from __future__ import annotations

from bot.features.card.presses import CARD, LIST, PHASE


def test_the_card_tables_read_every_part_as_an_argument() -> None:
    assert CARD.split("c:12") == ("", ("12",))
    assert CARD.split("c:") == ("", ("",))
    assert PHASE.split("ph:12:investigation:ok") == ("", ("12", "investigation", "ok"))
    assert LIST.split("ben:list:2") == ("list", ("2",))
    assert "" in CARD._routes and "" in PHASE._routes
