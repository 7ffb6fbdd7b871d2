"""Runs the real ``bilan-bot`` program as the administrator and the bot would run it.

The bot is a separate process pointed by ``TELEGRAM_API_BASE_URL`` at the
stand-in Bot API server; the command line runs as subprocesses too. Nothing
here imports the bot's code: the tests see only what a user or an
administrator would see.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

BIN = Path(sys.executable).with_name("bilan-bot")


@dataclass
class BotEnvironment:
    """Settings shared by the bot process and the command line of one test."""

    database_url: str
    encryption_key: str
    token: str
    api_base_url: str
    workdir: Path
    extra: dict[str, str] = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_"))}
        env.update(
            {
                "TELEGRAM_BOT_TOKEN": self.token,
                "TELEGRAM_API_BASE_URL": self.api_base_url,
                "DATABASE_URL": self.database_url,
                "ENCRYPTION_KEY": self.encryption_key,
                "LOG_LEVEL": "DEBUG",
                # Tests run at any hour: nothing waits for the morning.
                "QUIET_HOURS": "off",
            }
        )
        env.update(self.extra)
        return env

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [str(BIN), *args],
            cwd=self.workdir,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=120,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"bilan-bot {args[0]} failed: {result.stderr}")
        return result


class BotProcess:
    """``bilan-bot run`` in the background, its log kept in a file for assertions.

    Every process started is remembered until it is stopped: the autouse
    fixture ``stop_leftover_bots`` (``tests/conftest.py``) stops any a test left
    running, whatever way the test ended (a fixture that failed before its
    ``yield``, an assertion between start and stop, a timeout).
    """

    def __init__(self, environment: BotEnvironment, name: str = "bot") -> None:
        self.environment = environment
        self.log_path = environment.workdir / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> BotProcess:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [str(BIN), "run"],
            cwd=self.environment.workdir,
            env=self.environment.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        STARTED.append(self)
        return self

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = 20) -> int | None:
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode

    def kill(self) -> None:
        """SIGKILL: the crash a restart must survive."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


STARTED: list[BotProcess] = []


def stop_leftovers() -> int:
    """Stop every bot process still running; how many there were."""
    left = [process for process in STARTED if process.running()]
    for process in left:
        process.stop(timeout=10)
    STARTED.clear()
    return len(left)


def wait_until(condition: object, timeout: float = 15, interval: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return
        time.sleep(interval)
    raise AssertionError("condition not met in time")
