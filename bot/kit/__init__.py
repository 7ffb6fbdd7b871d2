"""What every feature of the bot is built with, so that no feature carries its own copy.

- :mod:`bot.kit.unit`: one unit of work (one transaction) per update.
- :mod:`bot.kit.caller`: the person behind an update, resolved once, before any handler.
- :mod:`bot.kit.door`: where typed text goes: the one flow the person's conversation names.
"""
