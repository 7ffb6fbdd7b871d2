"""``bilan-bot sandbox``: try the bot in a terminal, with no Telegram at all.

It starts, on 127.0.0.1 only, the stand-in Bot API server of the test suite,
the real bot against it (a separate process, exactly as ``bilan-bot run``)
with a throw-away SQLite database and a demo counsellor, and a chat in the
terminal: the bot's messages are printed with their buttons numbered, the
person types an answer, a button's number or a command. This is how an
organisation previews a change to an instrument file before deploying it.
Ctrl-C (or /quit) stops everything and removes the temporary folder.

The stand-in server lives in ``tests/fakebotapi`` of the source checkout, so
the sandbox works from a checkout (the way the README installs the bot).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from storage import crypto

CHECKOUT = Path(__file__).resolve().parent.parent
TOKEN = "123456789:sandbox-token-not-a-real-one"
COUNSELLOR_ID = 1000
BENEFICIARY_ID = 2000
BOLD_ON = "\033[1m".encode("utf-16-le")
BOLD_OFF = "\033[0m".encode("utf-16-le")
POLL_SECONDS = 0.1
WORK_WAIT_SECONDS = 30  # how long a chat action ("sending a file…") may precede its message


def _stand_in() -> Any:
    if not (CHECKOUT / "tests" / "fakebotapi").is_dir():
        raise SystemExit("bilan-bot: the sandbox needs the source checkout (tests/fakebotapi)")
    sys.path.insert(0, str(CHECKOUT))
    from tests.fakebotapi import FakeBotApi

    return FakeBotApi(token=TOKEN, bot_username="bilan_sandbox_bot")


def plain(text: str, entities: list[dict[str, Any]], colour: bool) -> str:
    """A message as the person reads it in the terminal, bold kept when it shows colours.

    The stand-in, like Telegram, has already parsed the bot's HTML: ``text`` is
    what the person reads and ``entities`` say where the bold is, in UTF-16
    code units. So a typed ``<b>`` or ``&amp;`` that the bot escaped shows as
    typed, and is never taken for markup a second time.
    """
    if not colour:
        return text
    units = text.encode("utf-16-le")
    marks: list[tuple[int, bytes]] = []
    for entity in entities:
        if entity.get("type") == "bold":
            start = 2 * int(entity["offset"])
            marks += [(start, BOLD_ON), (start + 2 * int(entity["length"]), BOLD_OFF)]
    out, done = b"", 0
    for at, mark in sorted(marks, key=lambda m: (m[0], m[1] == BOLD_ON)):
        out += units[done:at] + mark
        done = at
    return (out + units[done:]).decode("utf-16-le")


class Sandbox:
    def __init__(self, as_counsellor: bool, stream: Any = sys.stdout) -> None:
        self.as_counsellor = as_counsellor
        self.stream = stream
        self.colour = stream.isatty()
        self.folder = Path(tempfile.mkdtemp(prefix="bilan-sandbox-"))
        self.api = _stand_in()
        self.bot: subprocess.Popen[bytes] | None = None
        self.cursor = 0
        self.actions_seen = 0  # sendChatAction calls already taken into account
        self.buttons: list[tuple[int, str]] = []  # (message id, callback data)

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            {
                "TELEGRAM_BOT_TOKEN": TOKEN,
                "TELEGRAM_API_BASE_URL": self.api.base_url,
                "TELEGRAM_API_BASE_FILE_URL": self.api.base_file_url,
                "DATABASE_URL": f"sqlite+aiosqlite:///{self.folder / 'sandbox.db'}",
                "ENCRYPTION_KEY": self.key,
                "QUIET_HOURS": "off",
                "LOG_LEVEL": "WARNING",
            }
        )
        return env

    def cli(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "bot.cli", *args],
            env=self.env(),
            cwd=self.folder,
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise SystemExit(f"bilan-bot: sandbox set-up failed: {result.stderr.strip()}")
        return result.stdout

    def start(self) -> None:
        self.key = crypto.generate_key()
        self.api.start()
        self.cli("db", "upgrade")
        self.cli("counsellor", "add", "--telegram-id", str(COUNSELLOR_ID), "--name", "Camille Démo")
        log = (self.folder / "bot.log").open("ab")
        # A session of its own: Ctrl-C in the terminal reaches the sandbox only, which
        # stops the bot once (``stop``), instead of the bot catching a second SIGINT
        # in the middle of its own shutdown.
        self.bot = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "run"],
            env=self.env(),
            cwd=self.folder,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + 30
        while not self.api.calls("deleteWebhook"):
            if self.bot.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(
                    "bilan-bot: the bot did not start; see " + str(self.folder / "bot.log")
                )
            time.sleep(0.05)

    def stop(self) -> None:
        if self.bot is not None and self.bot.poll() is None:
            self.bot.send_signal(signal.SIGINT)
            try:
                self.bot.wait(15)
            except subprocess.TimeoutExpired:
                self.bot.kill()
                self.bot.wait()
        self.api.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    @property
    def user_id(self) -> int:
        return COUNSELLOR_ID if self.as_counsellor else BENEFICIARY_ID

    def say(self, line: str = "") -> None:
        print(line, file=self.stream, flush=True)

    def show_new(self, wait: float) -> None:
        """Print what the bot sent or edited since last time, waiting up to ``wait`` s.

        While the bot says it is at work (a chat action such as "sending a
        file", which Telegram shows at the top of the chat), wait for what it
        prepares, up to :data:`WORK_WAIT_SECONDS`: an export takes seconds to
        lay out, and would otherwise only show after the next line typed.
        """
        deadline = time.monotonic() + wait
        quiet_since = time.monotonic()
        working = False
        while time.monotonic() < deadline:
            # Actions first: a message read after them answers them.
            actions = len(self.api.chat_actions(self.user_id))
            if actions > self.actions_seen:
                self.actions_seen = actions
                working = True
                deadline = max(deadline, time.monotonic() + WORK_WAIT_SECONDS)
            events = [e for e in self.api.history(self.user_id) if e.seq > self.cursor]
            for event in events:
                self.cursor = event.seq
                if event.kind != "deleted":
                    self.print_message(event.message, edited=event.kind == "edited")
                quiet_since = time.monotonic()
                working = False
            if not events and not working and time.monotonic() - quiet_since > 0.6:
                return
            time.sleep(POLL_SECONDS)

    def print_message(self, message: Any, edited: bool) -> None:
        self.say("─" * 60 + ("  (modifié)" if edited else ""))
        if message.photo is not None:
            self.say(f"[image, {len(message.photo)} octets]")
        if message.document is not None:
            self.say(f"[document {message.file_name}, {len(message.document)} octets]")
        if message.content:
            key = "entities" if message.text is not None else "caption_entities"
            self.say(plain(message.content, message.raw.get(key) or [], self.colour))
        self.buttons = []
        for row in message.buttons:
            labels = []
            for button in row:
                if button.data is None or button.is_url:
                    labels.append(f"[{button.text}]")
                    continue
                self.buttons.append((message.message_id, button.data))
                labels.append(f"[{len(self.buttons)}] {button.text}")
            self.say("   ".join(labels))

    def act(self, line: str) -> None:
        user = self.person
        if line.isdigit() and 1 <= int(line) <= len(self.buttons):
            message_id, data = self.buttons[int(line) - 1]
            user.press(data, message_id)
        elif line.startswith("/"):
            command, _, args = line[1:].partition(" ")
            user.send_command(command, args)
        else:
            user.send_text(line)

    def run(self) -> int:
        self.say("Démarrage du bac à sable (aucune connexion à Telegram)…")
        self.start()
        self.person = self.api.user(self.user_id, "Vous", language_code="fr")
        if self.as_counsellor:
            self.say("Vous êtes la conseillère de démonstration. Essayez /invite Paul Durand.")
            self.person.send_command("aide")
        else:
            invitation = self.cli(
                "invite", "--counsellor", str(COUNSELLOR_ID), "--name", "Paul Durand"
            ).splitlines()
            self.say("Vous êtes un·e bénéficiaire invité·e : le lien d'invitation est ouvert.")
            self.person.send_command("start", invitation[-1])
        self.say("Tapez une réponse, le numéro d'un bouton ou une commande ; /quit pour sortir.")
        self.show_new(wait=10)
        while True:
            try:
                line = input("> ").strip()
            except EOFError:
                return 0
            if line in ("/quit", "/exit"):
                return 0
            if line:
                self.act(line)
            self.show_new(wait=10 if line else 1)  # Enter alone: what came since


def main(as_counsellor: bool) -> int:
    sandbox = Sandbox(as_counsellor)
    try:
        return sandbox.run()
    except KeyboardInterrupt:
        print(file=sys.stdout)
        return 0
    finally:
        sandbox.stop()
