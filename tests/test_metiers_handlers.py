"""*Métiers à explorer* as a beneficiary and a counsellor see it, through real PTB objects.

The bot is a real ``Application`` whose HTTP layer is :class:`FakeTelegram`: it
answers with valid Bot API JSON and refuses what Telegram refuses (malformed
HTML such as a bare "&", over-long texts, callback data over 64 bytes, an edit
that changes nothing). Updates are de-serialised from dicts as Telegram would
send them. Assertions read what the user would see: texts and buttons.
"""

from __future__ import annotations

import dataclasses
import html
import itertools
import json
import re
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from telegram import Update
from telegram.ext import (
    Application,
)
from telegram.request import BaseRequest, RequestData

import dialogues
from bot.app import add_handlers
from bot.features.metiers.job import moves_screen, skills_screen
from bot.features.metiers.layout import MOVES_PER_SCREEN, SKILLS_PER_SCREEN
from bot.features.metiers.pistes import domains_screen, pistes_screen, ranked_domains, sheet_screen
from bot.features.metiers.presses import BENEFICIARY_PREFIX, JOB, PISTES
from bot.features.metiers.summary import counsellor_summary
from bot.i18n import gettext_for
from bot.kit.application import builder
from bot.kit.screens import Screen
from bot.runtime import DB_KEY, SETTINGS_KEY, Context
from bot.settings import Settings
from dialogues.rome import load_rome
from dialogues.scoring import RiasecResult, score_riasec
from storage.actors import AccessDenied, BeneficiaryActor, CounsellorActor, SystemActor
from storage.db import Database
from storage.models import AuditEvent, utcnow
from storage.people import accept_invitation, add_counsellor, create_invitation
from storage.responses import open_run, submit_run
from storage.skills import CurrentJob, awaiting_job_title, current_job, start_job_title_wait

TOKEN = "123456:TEST-TOKEN"
BOT_USER = {"id": 123456, "is_bot": True, "first_name": "Bilan", "username": "bilan_test_bot"}
ATTRIBUTION = "Source : France Travail, ROME 4.0 (version 60, 2025)"
ROUTER_FALLTHROUGH = gettext_for("fr")(
    "I did not expect a message here. Use the menu to choose what to do."
)
"""What the bot's door answers when nothing waits for typed text (bot/features/everyday/)."""

# --- a Bot API that answers like Telegram ------------------------------------------

_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre"}
_TAGS |= {"tg-spoiler", "span", "blockquote", "tg-emoji"}
_TOKEN = re.compile(
    r"<(/?)([a-zA-Z-]+)(?:\s[^<>]*)?>|&(?:#\d+|#x[0-9a-fA-F]+|lt|gt|amp|quot);|[<>&]"
)


class TelegramRefusal(Exception):
    pass


def telegram_html(text: str) -> str:
    """The plain text Telegram would show for ``text`` in HTML mode, or TelegramRefusal."""
    stack: list[str] = []
    out: list[str] = []
    position = 0
    for match in _TOKEN.finditer(text):
        out.append(text[position : match.start()])
        position = match.end()
        token = match.group(0)
        if match.group(2):
            tag = match.group(2).lower()
            if tag not in _TAGS:
                raise TelegramRefusal(f"Unsupported start tag {tag!r}")
            if match.group(1):
                if not stack or stack.pop() != tag:
                    raise TelegramRefusal(f"Unmatched end tag {tag!r}")
            else:
                stack.append(tag)
        elif token.startswith("&") and len(token) > 1:
            out.append(html.unescape(token))
        else:
            raise TelegramRefusal(f"Can't parse entities: unescaped {token!r}")
    if stack:
        raise TelegramRefusal("Can't parse entities: unclosed tag")
    out.append(text[position:])
    return "".join(out)


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass
class Shown:
    """A bot message as the user sees it now."""

    chat_id: int
    message_id: int
    html: str
    text: str
    buttons: list[list[tuple[str, str]]]

    @property
    def labels(self) -> list[str]:
        return [label for row in self.buttons for label, _ in row]

    @property
    def data(self) -> list[str]:
        return [data for row in self.buttons for _, data in row]

    def data_of(self, label_part: str) -> str:
        found = [d for row in self.buttons for label, d in row if label_part in label]
        assert found, f"no button with {label_part!r} among {self.labels}"
        return found[0]


SHOWN = ("sendMessage", "editMessageText", "sendDocument")
"""The calls that show a message: a text, or a file under its caption."""


@dataclass
class FakeTelegram(BaseRequest):
    """The Bot API's HTTP answers, recorded: what each chat shows, and callback answers."""

    messages: dict[tuple[int, int], Shown] = field(default_factory=dict)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    answers: list[dict[str, Any]] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(500))

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    @property
    def read_timeout(self) -> float | None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        name = url.rsplit("/", 1)[-1]
        params = request_data.parameters if request_data is not None else {}
        self.calls.append((name, params))
        try:
            result = self._answer(name, params)
        except TelegramRefusal as refusal:
            body = {"ok": False, "error_code": 400, "description": f"Bad Request: {refusal}"}
            return 400, json.dumps(body).encode()
        return 200, json.dumps({"ok": True, "result": result}).encode()

    def _answer(self, name: str, params: dict[str, Any]) -> Any:
        if name == "getMe":
            return {
                **BOT_USER,
                "can_join_groups": True,
                "can_read_all_group_messages": False,
                "supports_inline_queries": False,
            }
        if name == "answerCallbackQuery":
            self.answers.append(params)
            return True
        if name in ("sendMessage", "editMessageText"):
            return self._message(name, params)
        if name == "sendDocument":  # shown as its caption and buttons, under the file
            return self._message(name, {**params, "text": params.get("caption") or "📎"})
        if name == "editMessageReplyMarkup":  # the text stays, the buttons change or go
            return self._new_buttons(params)
        if name == "sendChatAction":  # "uploading…": recorded in calls, shows no message
            return True
        raise TelegramRefusal(f"method {name} not expected in these tests")

    def _message(self, name: str, params: dict[str, Any]) -> dict[str, Any]:
        raw = str(params["text"])
        text = telegram_html(raw) if params.get("parse_mode") == "HTML" else raw
        if not 1 <= utf16_length(text.strip()) <= 4096:
            raise TelegramRefusal("message text is empty or too long")
        markup = params.get("reply_markup")
        buttons = self._buttons(markup)
        chat_id = int(params["chat_id"])
        if name == "editMessageText":
            message_id = int(params["message_id"])
            before = self.messages.get((chat_id, message_id))
            if before is None:
                raise TelegramRefusal("message to edit not found")
            if before.html == raw and before.buttons == buttons:
                raise TelegramRefusal("message is not modified")
        else:
            message_id = next(self._ids)
        self.messages[(chat_id, message_id)] = Shown(chat_id, message_id, raw, text, buttons)
        return self._as_sent(self.messages[(chat_id, message_id)], markup)

    @staticmethod
    def _buttons(markup: dict[str, Any] | None) -> list[list[tuple[str, str]]]:
        buttons: list[list[tuple[str, str]]] = []
        for row in (markup or {}).get("inline_keyboard", []):
            buttons.append([])
            for key in row:
                data = key["callback_data"]
                if not 1 <= len(data.encode("utf-8")) <= 64:
                    raise TelegramRefusal("BUTTON_DATA_INVALID")
                if not key["text"].strip():
                    raise TelegramRefusal("button text is empty")
                buttons[-1].append((key["text"], data))
        return buttons

    def _new_buttons(self, params: dict[str, Any]) -> dict[str, Any]:
        key = (int(params["chat_id"]), int(params["message_id"]))
        before = self.messages.get(key)
        if before is None:
            raise TelegramRefusal("message to edit not found")
        markup = params.get("reply_markup")
        buttons = self._buttons(markup)
        if before.buttons == buttons:
            raise TelegramRefusal("message is not modified")
        self.messages[key] = dataclasses.replace(before, buttons=buttons)
        return self._as_sent(self.messages[key], markup)

    @staticmethod
    def _as_sent(shown: Shown, markup: dict[str, Any] | None) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": shown.message_id,
            "date": int(time.time()),
            "chat": {"id": shown.chat_id, "type": "private"},
            "from": BOT_USER,
            "text": shown.text,
        }
        if markup:
            message["reply_markup"] = markup
        return message

    def last(self, chat_id: int) -> Shown:
        """The most recently sent or edited message of a chat."""
        for name, params in reversed(self.calls):
            if name in SHOWN and int(params["chat_id"]) == chat_id:
                key = (chat_id, int(params.get("message_id") or self._sent_id(params)))
                return self.messages[key]
        raise AssertionError("the bot said nothing in this chat")

    def _sent_id(self, params: dict[str, Any]) -> int:
        chat = int(params["chat_id"])
        return max(mid for (c, mid) in self.messages if c == chat)

    def sent_and_edited(self) -> list[str]:
        return [name for name, _ in self.calls if name in ("sendMessage", "editMessageText")]


# --- the bot, wired as bot/app.py wires it ----------------------------------------------


@dataclass
class Person:
    telegram_id: int
    first_name: str
    language_code: str = "fr"

    def as_user(self) -> dict[str, Any]:
        return {
            "id": self.telegram_id,
            "is_bot": False,
            "first_name": self.first_name,
            "language_code": self.language_code,
        }


class Harness:
    """One bot process: an Application over the fake Bot API and the test database."""

    def __init__(self, db: Database) -> None:
        self.telegram = FakeTelegram()
        self.errors: list[BaseException] = []
        self.application = (
            builder()
            .token(TOKEN)
            .request(self.telegram)
            .get_updates_request(FakeTelegram())
            .updater(None)
            .build()
        )
        self.application.bot_data[DB_KEY] = db
        self.application.bot_data[SETTINGS_KEY] = Settings(_env_file=None)  # type: ignore[call-arg]
        self.wire(self.application)
        self.application.add_error_handler(self._on_error)
        self._update_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)

    def wire(self, app: Application) -> None:  # type: ignore[type-arg]
        """Every handler, as ``bilan-bot run`` adds them: the real door for typed text."""
        add_handlers(app)

    async def _on_error(self, update: object, context: Context) -> None:
        assert context.error is not None
        self.errors.append(context.error)

    async def __aenter__(self) -> Harness:
        await self.application.initialize()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.application.shutdown()

    async def _process(self, data: dict[str, Any]) -> None:
        data["update_id"] = next(self._update_ids)
        await self.application.process_update(Update.de_json(data, self.application.bot))
        if self.errors:
            raise self.errors[0]

    async def send(self, person: Person, text: str) -> Shown:
        message: dict[str, Any] = {
            "message_id": next(self._update_ids) + 10_000,
            "date": int(time.time()),
            "chat": {"id": person.telegram_id, "type": "private", "first_name": person.first_name},
            "from": person.as_user(),
            "text": text,
        }
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        await self._process({"message": message})
        return self.telegram.last(person.telegram_id)

    async def press(self, person: Person, shown: Shown, data: str) -> Shown:
        """Press a button (or forge a press) on a message the bot showed this person."""
        query = {
            "id": str(next(self._callback_ids)),
            "from": person.as_user(),
            "chat_instance": "instance",
            "data": data,
            "message": {
                "message_id": shown.message_id,
                "date": int(time.time()),
                "chat": {"id": person.telegram_id, "type": "private"},
                "from": BOT_USER,
                "text": shown.text,
            },
        }
        await self._process({"callback_query": query})
        return self.telegram.last(person.telegram_id)

    async def press_button(self, person: Person, shown: Shown, label_part: str) -> Shown:
        return await self.press(person, shown, shown.data_of(label_part))

    def last_answer(self) -> dict[str, Any]:
        return self.telegram.answers[-1]

    def last_answer_text(self) -> str:
        """The little notice Telegram shows for the last press ("" if none)."""
        return str(self.last_answer().get("text", ""))


# --- people and results -------------------------------------------------------------

INSTRUMENTS = Path(dialogues.__file__).parent / "instruments"
PAUL = Person(1001, "Paul")
LEA = Person(1002, "Léa")
EMMA = Person(1003, "Emma", "en")
CLAIRE = Person(111, "Claire")
BRUNO = Person(222, "Bruno")
STRANGER = Person(9999, "Zoé")


@dataclass
class People:
    paul: BeneficiaryActor
    lea: BeneficiaryActor
    emma: BeneficiaryActor
    claire: CounsellorActor
    bruno: CounsellorActor


async def _counsellor(db: Database, person: Person) -> CounsellorActor:
    async with db.transaction() as session:
        await add_counsellor(session, SystemActor("test"), person.telegram_id, person.first_name)
    async with db.transaction() as session:
        from storage.actors import resolve_actor

        actor = await resolve_actor(session, person.telegram_id)
    assert isinstance(actor, CounsellorActor)
    return actor


async def _beneficiary(
    db: Database, counsellor: CounsellorActor, person: Person
) -> BeneficiaryActor:
    async with db.transaction() as session:
        issued = await create_invitation(session, counsellor, person.first_name)
    async with db.transaction() as session:
        actor = await accept_invitation(
            session, issued.token, person.telegram_id, person.language_code
        )
    assert actor is not None
    return actor


@pytest.fixture
async def people(db: Database) -> People:
    claire = await _counsellor(db, CLAIRE)
    bruno = await _counsellor(db, BRUNO)
    return People(
        paul=await _beneficiary(db, claire, PAUL),
        lea=await _beneficiary(db, bruno, LEA),
        emma=await _beneficiary(db, claire, EMMA),
        claire=claire,
        bruno=bruno,
    )


def riasec_result(per_type: dict[str, int]) -> RiasecResult:
    """A real scoring of the short inventory answered the same way within each type."""
    with (INSTRUMENTS / "riasec_short.toml").open("rb") as handle:
        instrument = tomllib.load(handle)
    answers = {
        q["key"]: per_type[q["dimension"]]
        for section in instrument["sections"]
        for q in section["questions"]
        if q.get("dimension") in per_type
    }
    return score_riasec(instrument, answers)


SEA = {"R": 0, "I": 1, "A": 2, "S": 4, "E": 3, "C": 1}
FLAT = dict.fromkeys("RIASEC", 2)


async def submit_riasec(db: Database, actor: BeneficiaryActor, result: RiasecResult) -> None:
    async with db.transaction() as session:
        run = await open_run(session, actor, result.instrument, result.version)
        await submit_run(session, actor, run.id, result=result.to_dict())


# --- pistes ---------------------------------------------------------------------------


async def test_without_an_inventory_the_person_is_offered_to_take_it(
    db: Database, people: People
) -> None:
    async with Harness(db) as bot:
        shown = await bot.send(PAUL, "/metiers")
    assert "inventaire d'intérêts" in shown.text
    assert shown.data_of("Passer l'inventaire") == "q:open:riasec_short"
    assert "m:L:" in shown.data


async def test_pistes_from_the_code_browse_in_place(db: Database, people: People) -> None:
    result = riasec_result(SEA)
    assert result.code == "SEA"
    await submit_riasec(db, people.paul, result)
    rome = load_rome()
    expected = rome.pistes("SEA", per_page=1, per_domain=3)
    first_domain = expected.domains[0]
    async with Harness(db) as bot:
        shown = await bot.send(PAUL, "/metiers")
        assert "<b>SEA</b>" in shown.html
        assert f"Domaine 1 sur {expected.pages}" in shown.text
        assert first_domain.label in shown.text
        for scored in first_domain.sheets:
            assert f"{scored.sheet.title} ({scored.sheet.code})" in shown.text
        assert shown.text.rstrip().endswith(ATTRIBUTION)
        assert "pas des verdicts" in shown.text
        sheet_buttons = [d for d in shown.data if d.startswith("m:f:")]
        assert len(sheet_buttons) == 3
        assert f"📄 Voir la fiche : {first_domain.sheets[0].sheet.title}" in shown.labels
        assert "Domaine précédent" not in " ".join(shown.labels)

        second = await bot.press_button(PAUL, shown, "Domaine suivant")
        assert second.message_id == shown.message_id  # edited in place, not a new message
        second_domain = rome.pistes("SEA", page=1, per_page=1, per_domain=3).domains[0]
        assert f"Domaine 2 sur {expected.pages}" in second.text
        assert second_domain.label in second.text
        assert second.text.rstrip().endswith(ATTRIBUTION)

        back = await bot.press_button(PAUL, second, "Domaine précédent")
        assert back.text == shown.text.split("\n\n", 1)[1]  # same screen, without the intro

        sheet = first_domain.sheets[0].sheet
        opened = await bot.press(PAUL, back, f"m:f:{sheet.code}:p:SEA:0:0")
        assert opened.message_id == shown.message_id
        assert sheet.title in opened.text and sheet.code in opened.text
        assert sheet.definition[0] in opened.text
        assert "Accès au métier" in opened.text
        for line in sheet.access:
            assert line in opened.text
        assert opened.text.rstrip().endswith(ATTRIBUTION)
        returned = await bot.press_button(PAUL, opened, "Retour")
        assert returned.text == back.text
    assert bot.telegram.sent_and_edited() == ["sendMessage"] + ["editMessageText"] * 4


async def test_more_sheets_of_a_domain_and_the_list_of_domains(
    db: Database, people: People
) -> None:
    rome = load_rome()
    ranked = rome.pistes("SE", per_page=10_000).domains  # the library's order and default
    every_sheet = {
        d.code: d.sheets for d in rome.pistes("SE", per_page=10_000, per_domain=10_000).domains
    }
    index, big = next((i, d) for i, d in enumerate(ranked) if d.matching > 3)
    async with Harness(db) as bot:
        shown = await bot.send(PAUL, "/metiers")
        domain = await bot.press(PAUL, shown, f"m:p:SE:{index}")
        assert f"Domaine {index + 1} sur {len(ranked)} : {big.label}" in domain.text
        assert f"Fiches 1 à 3 sur {big.matching} dans ce domaine" in domain.text
        more = await bot.press_button(PAUL, domain, "Plus dans ce domaine")
        fourth = every_sheet[big.code][3].sheet
        assert f"{fourth.title} ({fourth.code})" in more.text
        assert "Fiches 4 à" in more.text
        listing = await bot.press_button(PAUL, more, "Tous les domaines")
        assert f"{len(ranked)} domaines" in listing.text
        first = index // 8 * 8
        expected = [f"m:p:SE:{i}" for i in range(first, min(first + 8, len(ranked)))]
        assert [d for d in listing.data if d.startswith("m:p:")] == expected
        assert listing.labels[0].startswith(ranked[first].label[:40])
        chosen = await bot.press(PAUL, listing, expected[-1])
        assert f"Domaine {len(expected) + first} sur" in chosen.text
        assert ranked[len(expected) + first - 1].label in chosen.text


async def test_titles_with_an_ampersand_are_escaped(db: Database, people: People) -> None:
    async with Harness(db) as bot:
        shown = await bot.send(PAUL, "/metiers")
        opened = await bot.press(PAUL, shown, "m:f:H1210:p:RC:0")
        # FakeTelegram would have refused a bare "&" like Telegram does.
        assert "<b>Technicien / Technicienne R&amp;D</b>" in opened.html
        assert "R&D" in opened.text


async def test_a_flat_profile_gets_no_code_but_letters_to_choose(
    db: Database, people: People
) -> None:
    result = riasec_result(FLAT)
    assert result.flat and result.code is None
    await submit_riasec(db, people.paul, result)
    async with Harness(db) as bot:
        shown = await bot.send(PAUL, "/metiers")
        assert "profil plat" in shown.text
        assert "conseiller" in shown.text
        assert not any(d.startswith("m:p:") for d in shown.data)
        with_s = await bot.press_button(PAUL, shown, "S · Social")
        with_se = await bot.press_button(PAUL, with_s, "E · Entreprenant")
        assert "Vos lettres : SE" in with_se.text
        assert "✅ S · Social" in with_se.labels
        pistes = await bot.press_button(PAUL, with_se, "Voir les fiches (SE)")
        assert "Métiers à explorer pour SE" in pistes.text
        assert pistes.text.rstrip().endswith(ATTRIBUTION)
        # A fourth letter is not added: three at most.
        three = await bot.press(PAUL, pistes, "m:L:SEA")
        assert all(
            d == "m:L:SEA" or d.startswith(("m:L:SE", "m:L:SA", "m:L:EA", "m:p:"))
            for d in three.data
        )


async def test_the_newest_inventory_wins_whichever_form(db: Database, people: People) -> None:
    await submit_riasec(db, people.paul, riasec_result(FLAT))
    await submit_riasec(db, people.paul, riasec_result({**SEA, "C": 4, "S": 0}))
    async with Harness(db) as bot:
        shown = await bot.send(PAUL, "/metiers")
    assert "<b>CEA</b>" in shown.html


async def test_english_interface_keeps_rome_in_french(db: Database, people: People) -> None:
    await submit_riasec(db, people.emma, riasec_result(SEA))
    async with Harness(db) as bot:
        shown = await bot.send(EMMA, "/metiers")
    assert "Jobs to explore for SEA" in shown.text
    assert "Domain 1 of" in shown.text
    assert "Next domain ▶" in shown.labels
    assert shown.text.rstrip().endswith(ATTRIBUTION)


async def test_strangers_and_forged_presses(db: Database, people: People) -> None:
    async with Harness(db) as bot:
        refused = await bot.send(STRANGER, "/metiers")
        assert "lien d'invitation" in refused.text
        shown = await bot.send(PAUL, "/metiers")
        for forged in (
            "m:p:XYZ:0",
            "m:p:sea:0",
            "m:p:SEA:-1",
            "m:f:J1506:evil",
            "m:f:Z9999:p:SEA:0",
            "m:a:0",
            "m:t:400718:0",  # no job chosen yet
            "m:mb:0",
            "m:ben:1",
            "m:nothing",
        ):
            calls = len(bot.telegram.calls)
            after = await bot.press(PAUL, shown, forged)
            assert bot.last_answer()["text"] == "Ce bouton n'est plus actif."
            assert after.html == shown.html
            assert [name for name, _ in bot.telegram.calls[calls:]] == ["answerCallbackQuery"]


async def test_the_menu_entries_open_in_place(db: Database, people: People) -> None:
    await submit_riasec(db, people.paul, riasec_result(SEA))
    async with Harness(db) as bot:
        menu = await bot.send(PAUL, "/competences_metier")
        pistes = await bot.press(PAUL, menu, PISTES)
        assert pistes.message_id == menu.message_id
        assert "Métiers à explorer pour SEA" in pistes.text
        job = await bot.press(PAUL, pistes, JOB)
        assert "métier actuel ou dernier" in job.text
        assert job.message_id == menu.message_id


# --- my job and its skills --------------------------------------------------------


async def test_from_a_typed_job_to_ticked_skills_and_moves(db: Database, people: People) -> None:
    rome = load_rome()
    savoir_faire, savoir_etre = rome.skills("J1501")
    skills = savoir_faire + savoir_etre
    async with Harness(db) as bot:
        asked = await bot.send(PAUL, "/competences_metier")
        assert "métier actuel ou dernier" in asked.text
        matches = await bot.send(PAUL, "aide soignante")
        assert matches.message_id != asked.message_id
        assert "Aide-soignant / Aide-soignante" in matches.labels
        assert matches.data_of("Aide-soignant / Aide-soignante") == "m:a:10891"

        page1 = await bot.press(PAUL, matches, "m:a:10891")
        assert page1.message_id == matches.message_id
        assert "C'est noté : Aide-soignant / Aide-soignante." in page1.text
        assert "Page 1 sur 4 · cochées : 0" in page1.text
        toggles = [d for d in page1.data if d.startswith("m:t:")]
        assert toggles == [f"m:t:{s.id}:0" for s in skills[:8]]
        ticked = await bot.press(PAUL, page1, toggles[0])
        ticked = await bot.press(PAUL, ticked, toggles[1])
        assert "Page 1 sur 4 · cochées : 2" in ticked.text
        assert ticked.labels[0].startswith("✅ 1. ")
        assert ticked.labels[2].startswith("▫️ 3. ")
        untick = await bot.press(PAUL, ticked, toggles[1])
        assert "cochées : 1" in untick.text
        last_page = await bot.press(PAUL, untick, "m:s:3")
        assert "Qualités personnelles" in last_page.text  # the savoir-être come last
        kindness = next(
            s for s in savoir_etre if s.label == "Etre à l'écoute, faire preuve d'empathie"
        )
        ticked = await bot.press(PAUL, last_page, f"m:t:{kindness.id}:3")

        moves = await bot.press_button(PAUL, ticked, "Enregistrer mes compétences")
        assert bot.last_answer()["text"] == "Enregistré"
        assert "Enregistré. Compétences cochées : 2." in moves.text
        targets = rome.mobilities("J1501")
        assert f"1. {targets[0].title} ({targets[0].code})" in moves.text
        ambulancier = targets[1]
        shared = rome.transferable("J1501", [skills[0].id, kindness.id], ambulancier.code)
        assert [s.label for s in shared] == ["Etre à l'écoute, faire preuve d'empathie"]
        assert "Vos compétences qu'il demande aussi : Etre à l'écoute" in moves.text
        assert "Aucune de vos compétences cochées" in moves.text
        assert moves.text.rstrip().endswith(ATTRIBUTION)
        sheet = await bot.press_button(PAUL, moves, f"2. {ambulancier.title[:20]}")
        assert "Accès au métier" in sheet.text
        back = await bot.press_button(PAUL, sheet, "Retour")
        assert back.text.endswith(moves.text.split("\n\n", 1)[1])

    async with db.transaction() as session:
        job = await current_job(session, people.paul, people.paul.beneficiary_id)
    assert job is not None
    assert (job.appellation_id, job.sheet_code) == ("10891", "J1501")
    assert job.ticked == (skills[0].id, kindness.id)


async def test_the_wait_for_a_title_survives_a_restart_and_is_cancelled(
    db: Database, people: People
) -> None:
    async with Harness(db) as first:
        await first.send(PAUL, "/competences_metier")
    async with Harness(db) as restarted:
        matches = await restarted.send(PAUL, "comptabel")  # a typo
        assert "Comptable" in matches.labels
        again = await restarted.send(PAUL, "xqzt wvv")
        assert "Je n'ai trouvé aucun intitulé proche de « xqzt wvv »" in again.text
        await restarted.send(PAUL, "/annuler")
        after = await restarted.send(PAUL, "comptable")
        assert after.text == ROUTER_FALLTHROUGH
        # Going to the pistes ends the wait too.
        await restarted.send(PAUL, "/competences_metier")
        await restarted.send(PAUL, "/metiers")
        assert (await restarted.send(PAUL, "comptable")).text == ROUTER_FALLTHROUGH
        # Léa was never asked: her texts go to the next flow.
        assert (await restarted.send(LEA, "comptable")).text == ROUTER_FALLTHROUGH


async def test_a_very_long_title_is_not_searched(db: Database, people: People) -> None:
    async with Harness(db) as bot:
        await bot.send(PAUL, "/competences_metier")
        shown = await bot.send(PAUL, "aide " * 40)
    assert "quelques mots suffisent" in shown.text


async def test_cancel_button_and_title_after_the_command(db: Database, people: People) -> None:
    async with Harness(db) as bot:
        matches = await bot.send(PAUL, "/competences_metier infirmier soins generaux")
        assert matches.data[0] == "m:a:15545"
        stopped = await bot.press_button(PAUL, matches, "Annuler")
        assert "C'est arrêté" in stopped.text and stopped.buttons == []
        assert (await bot.send(PAUL, "comptable")).text == ROUTER_FALLTHROUGH


async def test_a_chosen_job_is_offered_again_and_stale_ticks_refused(
    db: Database, people: People
) -> None:
    async with Harness(db) as bot:
        matches = await bot.send(PAUL, "/competences_metier aide soignante")
        skills_page = await bot.press(PAUL, matches, "m:a:10891")
        old_toggle = next(d for d in skills_page.data if d.startswith("m:t:"))
        menu = await bot.send(PAUL, "/competences_metier")
        assert "Votre métier actuel ou dernier : Aide-soignant / Aide-soignante" in menu.text
        assert set(menu.data) == {"m:se", "m:mb:0", "m:jn"}
        other = await bot.press_button(PAUL, menu, "Un autre métier")
        matches = await bot.send(PAUL, "comptable")
        await bot.press(PAUL, matches, "m:a:12786")
        # A tick button from the aide-soignant sheet no longer applies.
        await bot.press(PAUL, skills_page, old_toggle)
        assert bot.last_answer()["text"] == "Ce bouton n'est plus actif."
        assert "métier actuel ou dernier" in other.text


async def test_counsellors_cannot_use_the_beneficiary_screens(db: Database, people: People) -> None:
    async with Harness(db) as bot:
        shown = await bot.send(CLAIRE, "/competences_metier")
        assert "bénéficiaires" in shown.text
        browse = await bot.send(CLAIRE, "/metiers")
        assert "S · Social" in browse.labels  # browsing by letters is open to them
        await bot.press(CLAIRE, browse, "m:jn")
        assert bot.last_answer()["text"] == "Ce bouton n'est plus actif."
        async with db.transaction() as session:
            with pytest.raises(AccessDenied):
                await start_job_title_wait(session, people.claire)
            assert not await awaiting_job_title(session, people.claire)


# --- the counsellor's view --------------------------------------------------------


async def _paul_with_job_and_code(db: Database, people: People) -> None:
    await submit_riasec(db, people.paul, riasec_result(SEA))
    async with Harness(db) as bot:
        matches = await bot.send(PAUL, "/competences_metier aide soignante")
        page = await bot.press(PAUL, matches, "m:a:10891")
        page = await bot.press(PAUL, page, page.data[0])
        await bot.press_button(PAUL, page, "Enregistrer")


async def test_the_counsellor_sees_job_skills_and_pistes(db: Database, people: People) -> None:
    await _paul_with_job_and_code(db, people)
    rome = load_rome()
    first_skill = rome.skills("J1501")[0][0]
    async with db.transaction() as session:
        summary = await counsellor_summary(session, people.claire, people.paul.beneficiary_id, "fr")
    text = telegram_html(summary)
    assert "Métier actuel ou dernier : Aide-soignant / Aide-soignante" in text
    assert f"• {first_skill.label}" in text
    assert "Code Holland SEA" in text
    top = rome.pistes("SEA", per_page=5, per_domain=3).domains[0]
    assert top.sheets[0].sheet.title in text
    assert text.rstrip().endswith(ATTRIBUTION)
    async with db.transaction() as session:
        actions = list(
            await session.scalars(
                select(AuditEvent.action).where(
                    AuditEvent.beneficiary_id == people.paul.beneficiary_id,
                    AuditEvent.actor_kind == "counsellor",
                )
            )
        )
    assert sorted(actions) == ["read:current_job", "read:metiers"]


async def test_only_their_own_counsellor_reads_the_summary(db: Database, people: People) -> None:
    await _paul_with_job_and_code(db, people)
    for intruder, target in (
        (people.bruno, people.paul.beneficiary_id),
        (people.paul, people.paul.beneficiary_id),
        (people.lea, people.paul.beneficiary_id),
        (people.claire, people.lea.beneficiary_id),
        (people.claire, 424_242),
    ):
        async with db.transaction() as session:
            with pytest.raises(AccessDenied):
                await counsellor_summary(session, intruder, target, "fr")


async def test_the_summary_button_rechecks_every_press(db: Database, people: People) -> None:
    await _paul_with_job_and_code(db, people)
    data = f"{BENEFICIARY_PREFIX}{people.paul.beneficiary_id}"
    async with Harness(db) as bot:
        menu = await bot.send(CLAIRE, "/metiers")
        card = await bot.press(CLAIRE, menu, data)
        assert "Aide-soignant / Aide-soignante" in card.text
        assert card.data == ["ben:list"]
        # The same data pressed by another counsellor or by Paul shows nothing.
        for intruder in (BRUNO, PAUL):
            before = await bot.send(intruder, "/metiers")
            after = await bot.press(intruder, before, data)
            assert bot.last_answer()["text"] == "Ce bouton n'est plus actif."
            assert after.html == before.html
        # No inventory and no job read as such, in both languages.
        emma_card = await bot.press(CLAIRE, menu, f"m:ben:{people.emma.beneficiary_id}")
        assert "pas encore indiqué" in emma_card.text
        assert "pas encore passé" in emma_card.text
    async with db.transaction() as session:
        english = await counsellor_summary(session, people.claire, people.emma.beneficiary_id, "en")
    assert "Current or last job: not given yet." in english


# --- every screen within Telegram's limits ------------------------------------------


def test_every_sheet_renders_as_valid_telegram_html() -> None:
    rome = load_rome()
    for locale in ("fr", "en"):
        _ = gettext_for(locale)
        for sheet in rome.sheets():
            screen = sheet_screen(_, sheet, "p:SEA:0")
            text = telegram_html(screen.text)
            assert utf16_length(text) <= 4096, sheet.code
            assert ATTRIBUTION in text


def _within_limits(screen: Screen) -> None:
    assert utf16_length(telegram_html(screen.text)) <= 4096
    for row in screen.rows:
        for key in row:
            assert key.callback_data is not None
            assert 1 <= len(str(key.callback_data).encode("utf-8")) <= 64


@pytest.mark.parametrize("code", ["R", "I", "A", "S", "E", "C", "SEA", "RIC", "AIS", "CE"])
def test_pistes_and_domain_screens_stay_within_limits(code: str) -> None:
    _ = gettext_for("fr")
    domains = ranked_domains(code)
    for index in range(len(domains)):
        for sheet_page in range(3):
            _within_limits(pistes_screen(_, "fr", code, index, sheet_page))
    for list_page in range(len(domains) // 8 + 1):
        _within_limits(domains_screen(_, "fr", code, list_page))


def test_skill_and_move_screens_of_every_sheet_stay_within_limits() -> None:
    """Every skill ticked: the longest lists of shared skills the moves can show.

    The sheets with the most skills and the most moves, and one in forty of the others
    (all of them take forty seconds: moves compare skill lists).
    """
    rome = load_rome()
    _ = gettext_for("fr")
    every = list(rome.sheets())
    most_skills = sorted(every, key=lambda s: -sum(map(len, rome.skills(s.code))))[:15]
    most_moves = sorted(every, key=lambda s: -len(rome.mobilities(s.code)))[:15]
    for sheet in {*most_skills, *most_moves, *every[::40]}:
        savoir_faire, savoir_etre = rome.skills(sheet.code)
        ids = tuple(s.id for s in savoir_faire + savoir_etre)
        appellation = rome.appellations(sheet.code)[0]
        job = CurrentJob(1, appellation.id, sheet.code, utcnow(), ids, ids, utcnow())
        for page in range(len(ids) // SKILLS_PER_SCREEN + 1):
            _within_limits(skills_screen(_, job, page))
        for page in range(len(rome.mobilities(sheet.code)) // MOVES_PER_SCREEN + 1):
            _within_limits(moves_screen(_, job, page))
