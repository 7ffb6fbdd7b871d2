"""The desk from the chat: ``/bureau`` and the "🗂 My desk" buttons.

``commands`` (``/bureau``, a one-use sign-in link), ``button`` (the Mini App
buttons under the menu and in the chat's menu). The desk itself is
:mod:`bot.desk`, a web server of its own.
"""

from __future__ import annotations

from bot.features.desk_chat.button import desk_button, set_menu_button
from bot.features.desk_chat.commands import COMMANDS
from bot.kit.feature import Feature

FEATURE = Feature(name="desk_chat", commands=COMMANDS)

__all__ = ["FEATURE", "desk_button", "set_menu_button"]
