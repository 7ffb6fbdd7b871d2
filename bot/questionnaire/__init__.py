"""Drives the instruments of ``dialogues`` in Telegram, one question at a time."""
