"""The main menu, which follows where the person stands in each instrument."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.features.desk_chat.button import desk_button
from bot.i18n import N_, Translate
from bot.keyboards import HELP, button
from bot.runtime import Context, settings, work
from dialogues.engine import progress
from dialogues.instruments import load_all
from storage.actors import BeneficiaryActor, CounsellorActor, PersonActor
from storage.models import Phase
from storage.responses import RunState, RunStatus, standing

PICK_PREFIX = "q:pick:"


@dataclass(frozen=True)
class Family:
    """Instruments offered under one menu entry (e.g. the short and full interest forms)."""

    key: str
    icon: str
    label: str
    instruments: tuple[str, ...]


FAMILIES = (
    Family("dossier", "📋", N_("My self-assessment dossier"), ("dossier_auto_bilan",)),
    Family("riasec", "🧭", N_("My interests"), ("riasec_short", "riasec")),
    Family("values", "⚖️", N_("My work values"), ("work_values",)),
)


def menu_order(phase: Phase) -> tuple[str, ...]:
    """The menu follows the bilan: what the current phase asks for comes first."""
    if phase == Phase.PRELIMINAIRE:
        return ("dossier", "sessions", "riasec", "values", "pistes", "job", "journal", "data")
    if phase == Phase.CONCLUSION:
        return (
            "plan",
            "synthesis",
            "portfolio",
            "enquetes",
            "sessions",
            "riasec",
            "values",
            "pistes",
            "job",
            "dossier",
            "journal",
            "data",
        )
    if phase in (Phase.SUIVI, Phase.CLOS):
        return (
            "followup",
            "plan",
            "synthesis",
            "portfolio",
            "journal",
            "sessions",
            "riasec",
            "values",
            "pistes",
            "job",
            "dossier",
        )
    return (
        "riasec",
        "values",
        "pistes",
        "enquetes",
        "job",
        "portfolio",
        "sessions",
        "dossier",
        "journal",
        "data",
    )


def family(key: str) -> Family | None:
    return next((f for f in FAMILIES if f.key == key), None)


def _in_progress(runs: list[RunState], keys: tuple[str, ...]) -> RunState | None:
    return next(
        (r for r in runs if r.instrument_key in keys and r.status == RunStatus.IN_PROGRESS), None
    )


def _submitted(runs: list[RunState], keys: tuple[str, ...]) -> RunState | None:
    return next(
        (r for r in runs if r.instrument_key in keys and r.status == RunStatus.SUBMITTED), None
    )


def family_button(entry: Family, runs: list[RunState], _: Translate) -> InlineKeyboardButton:
    name = f"{entry.icon} {_(entry.label)}"
    open_run = _in_progress(runs, entry.instruments)
    instrument = load_all().get(open_run.instrument_key) if open_run else None
    if open_run is not None and instrument is not None:
        percent = progress(instrument, open_run.answers).percent
        text = _("{name} — continue ({percent} %)").format(name=name, percent=percent)
        return button(text, f"q:open:{open_run.instrument_key}")
    if _submitted(runs, entry.instruments) is not None:
        return button(f"{name} ✅", PICK_PREFIX + entry.key)
    return button(name, PICK_PREFIX + entry.key)


async def menu_keyboard(
    session: AsyncSession,
    actor: PersonActor,
    _: Translate,
    desk: InlineKeyboardButton | None = None,
) -> InlineKeyboardMarkup:
    rows: list[list[InlineKeyboardButton]] = []
    if isinstance(actor, CounsellorActor):
        if desk is not None:
            rows.append([desk])
        rows.append([button(_("👥 My beneficiaries"), "ben:list")])
        rows.append(
            [button(_("📅 Sessions"), "s:list"), button(_("➕ Schedule a session"), "s:new")]
        )
        rows.append([button(_("📌 Tasks"), "t:list"), button(_("➕ Give a task"), "t:new")])
        rows.append([button(_("📓 Shared journals"), "j:list")])
    elif isinstance(actor, BeneficiaryActor):
        me = await standing(session, actor)
        runs = me.runs
        entries = {entry.key: [family_button(entry, runs, _)] for entry in FAMILIES}
        entries["pistes"] = [button(_("🔭 Jobs to explore"), "m:pistes")]
        entries["job"] = [button(_("🧰 My job and my skills"), "m:job")]
        entries["plan"] = [button(_("📝 My action plan"), "pl:me")]
        entries["portfolio"] = [button(_("🎒 My skills portfolio"), "pf:me")]
        entries["enquetes"] = [button(_("🔎 My enquêtes métiers"), "en:l")]
        entries["synthesis"] = [button(_("📄 My synthesis"), "sy:me")]
        entries["followup"] = [button(_("🔁 My follow-up"), "fu:me")]
        entries["sessions"] = [
            button(_("📅 My sessions"), "s:list"),
            button(_("📌 My tasks"), "t:list"),
        ]
        entries["journal"] = [button(_("📓 My journal"), "j:list")]
        entries["data"] = [button(_("🔐 My data"), "rg:home")]
        rows += [entries[key] for key in menu_order(me.phase) if key in entries]
    rows.append([button(_("🌐 Language"), "lang"), button(_("❓ Help"), HELP)])
    return InlineKeyboardMarkup(rows)


async def menu_markup(context: Context, actor: PersonActor, _: Translate) -> InlineKeyboardMarkup:
    desk = desk_button(settings(context), _) if isinstance(actor, CounsellorActor) else None
    async with work(context) as session:
        return await menu_keyboard(session, actor, _, desk)
