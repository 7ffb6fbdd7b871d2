"""The words the copy uses for what is stored as codes: phases, statuses, parts, fields, kinds.

Tables only, shared by the PDF (:mod:`bot.export.pdf_file`), the plain-text
sentences (:mod:`bot.export.sentences`) and ``/mesdonnees``, so a state or a
part reads the same wherever the person meets it. Every value is an ``N_``
msgid, translated when read.
"""

from __future__ import annotations

from bot.i18n import N_
from storage.models import BeneficiaryStatus, Phase

PHASES = {
    Phase.PRELIMINAIRE: N_("preliminary phase"),
    Phase.INVESTIGATION: N_("investigation phase"),
    Phase.CONCLUSION: N_("conclusion phase"),
    Phase.SUIVI: N_("follow-up"),
    Phase.CLOS: N_("closed"),
}
STATUSES = {
    BeneficiaryStatus.INVITED: N_("invited"),
    BeneficiaryStatus.ACTIVE: N_("consent given"),
    BeneficiaryStatus.WITHDRAWN: N_("consent withdrawn"),
}
# Headings of the parts other modules contribute, by collector kind or table name.
PART_TITLES = {
    "sessions": N_("Sessions with your counsellor"),
    "counselling_sessions": N_("Sessions with your counsellor"),
    "tasks": N_("Tasks between sessions"),
    "journal": N_("Your journal"),
    "journal_entries": N_("Your journal"),
    "followups": N_("Follow-up check-ins"),
    "plan": N_("Your action plan"),
    "action_plan": N_("Your action plan"),
    "synthesis": N_("Your synthesis"),
    "messages": N_("Messages scheduled or sent"),
    "waiting": N_("What the bot was waiting for from you"),
    "professional_projects": N_("Your professional project"),
    "plan_steps": N_("Your action plan"),
    "followup_checkins": N_("Follow-up check-ins"),
    "portfolio": N_("Your skills portfolio"),
    "enquetes": N_("Your enquêtes métiers"),
}
JOURNAL_PARTS = ("journal", "journal_entries")
# The order parts print in; parts not listed follow, messages close.
PART_ORDER = (
    "portfolio",
    "enquetes",
    "professional_projects",
    "plan",
    "action_plan",
    "plan_steps",
    "synthesis",
    "sessions",
    "counselling_sessions",
    "tasks",
    "journal",
    "journal_entries",
    "followups",
    "followup_checkins",
)
# Field names of the tables known today, as the PDF labels them.
FIELD_LABELS = {
    "title": N_("Title"),
    "text": N_("Text"),
    "details": N_("Details"),
    "main": N_("Main project"),
    "alternative": N_("Alternative project"),
    "training": N_("Training project"),
    "starts_at": N_("Date and time"),
    "duration_minutes": N_("Duration (minutes)"),
    "actual_minutes": N_("Actual duration (minutes)"),
    "mode": N_("How"),
    "place": N_("Place or link"),
    "status": N_("Status"),
    "state": N_("State"),
    "confirmed_at": N_("Confirmed on"),
    "move_requested_at": N_("Move asked on"),
    "move_reason": N_("Reason given for moving"),
    "cancel_reason": N_("Reason for cancelling"),
    "due_on": N_("Due on"),
    "due_at": N_("Due on"),
    "target_date": N_("Target date"),
    "done_at": N_("Done on"),
    "done_note": N_("Your note"),
    "proposed_by": N_("Proposed by"),
    "agreed_at": N_("Agreed on"),
    "created_at": N_("Recorded on"),
    "months": N_("Months after the conclusion"),
    "field": N_("Field"),
    "since": N_("Since"),
    "shared": N_("Shared with your counsellor"),
}
# Fields that are machinery, not content: left out of the PDF (kept in the JSON).
TECHNICAL_FIELDS = frozenset(
    {
        "uid",
        "sequence",
        "counsellor_id",
        "reminder_number",
        "remind_at",
        "updated_at",
        "step",
        "run_id",
        "actor_kind",
        "actor_id",
    }
)


PART_FAMILY = {
    "sessions": "counselling_sessions",
    "journal": "journal_entries",
    "plan": "plan_steps",
    "action_plan": "plan_steps",
    "followups": "followup_checkins",
}
"""Parts known under two names (a collector's kind, or the table's)."""
VALUE_WORDS: dict[str, dict[str, dict[str, str]]] = {
    "counselling_sessions": {
        "status": {
            "planned": N_("to come"),
            "done": N_("held"),
            "cancelled": N_("cancelled, not held"),
        },
        "mode": {
            "in_person": N_("in person"),
            "video": N_("video call"),
            "phone": N_("by phone"),
        },
    },
    "tasks": {
        "status": {
            "open": N_("to do"),
            "done": N_("done"),
            "withdrawn": N_("withdrawn by your counsellor"),
        },
    },
    "plan_steps": {
        "state": {
            "proposed": N_("proposed, waiting for your counsellor's agreement"),
            "agreed": N_("agreed"),
        },
        "proposed_by": {"counsellor": N_("your counsellor"), "beneficiary": N_("you")},
    },
    "followup_checkins": {
        "state": {
            "scheduled": N_("to come"),
            "due": N_("waiting for your answer"),
            "answered": N_("answered"),
            "unanswered": N_("not answered"),
        },
    },
}
"""Stored states and kinds in words, per part and field: a person never reads a code."""


PORTFOLIO_KINDS = {
    "savoir_faire": N_("Savoir-faire (what you know how to do)"),
    "savoir_etre": N_("Savoir-être (how you go about things)"),
}
PORTFOLIO_LEVELS = {
    "debutant": N_("beginner"),
    "autonome": N_("independent"),
    "expert": N_("expert"),
}


MESSAGE_KINDS = {
    "notice": N_("a message from the bot"),
    "unreachable_notice": N_("a notice that you could not be reached"),
    "session_notice": N_("a session scheduled, moved or cancelled"),
    "session_notice_soon": N_("a session scheduled, moved or cancelled"),
    "session_reminder": N_("a session reminder"),
    "session_reminder_soon": N_("a session reminder"),
    "session_reminder_1h": N_("a session reminder"),
    "session_move_request": N_("your request to move a session"),
    "session_move_request_soon": N_("your request to move a session"),
    "task_assigned": N_("a new task"),
    "task_reminder": N_("a task reminder"),
    "followup_invite": N_("an invitation to a follow-up check-in"),
    "followup_talk": N_("your wish to talk with your counsellor"),
    "instrument_submitted": N_("a questionnaire you sent"),
    "plan_step_proposed": N_("a step you proposed for your plan"),
    "phase_changed": N_("a change of phase of your bilan"),
    "digest": N_("a digest for your counsellor"),
    "synthesis_review": N_("your synthesis to review"),
    "synthesis_final": N_("your final synthesis"),
    "synthesis_retention": N_("the question on keeping your synthesis"),
    "synthesis_comment": N_("your comment on your synthesis"),
    "synthesis_agreed": N_("your agreement to your synthesis"),
    "synthesis_retention_answered": N_("your answer on keeping your synthesis"),
}
"""Each kind of message the bot sends, as the person would name it."""
