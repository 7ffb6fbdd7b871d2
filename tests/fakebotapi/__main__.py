"""Run the stand-in on its own: ``python -m tests.fakebotapi [--port N] [--token T]``.

Prints the Bot API base URL and the control URL, then serves until
interrupted; drive it with ``ControlClient`` or plain HTTP.
"""

from __future__ import annotations

import argparse
import json
import signal
import threading

from .api import FakeBotApi


def main() -> None:
    parser = argparse.ArgumentParser(description="Stand-in Telegram Bot API on 127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token", default="123456:TEST-TOKEN")
    parser.add_argument("--bot-username", default="bilan_test_bot")
    parser.add_argument(
        "--user", type=int, action="append", default=[], help="register a user id (repeatable)"
    )
    args = parser.parse_args()
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with FakeBotApi(args.token, args.bot_username, port=args.port) as api:
        for user_id in args.user:
            api.user(user_id)
        print(
            json.dumps(
                {
                    "base_url": api.base_url,
                    "base_file_url": api.base_file_url,
                    "control_url": api.control_url,
                    "port": api.port,
                }
            ),
            flush=True,
        )
        while not stop.wait(0.2):
            pass


if __name__ == "__main__":
    main()
