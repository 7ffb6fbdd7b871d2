"""The signed-by-tap record of the person's answer on keeping their synthesis.

The guide calls it the *document d'autorisation de conservation*: a written
agreement (or refusal) to the organisation keeping the synthesis for a year.
Here the signature is the tap on a button in the person's own Telegram
conversation; the record says so, with the moment, the answer as the button
read, and the fingerprint of the document it is about, so that either side
can later show which document the answer covered. The person receives it;
the bot keeps the facts it is printed from, never the PDF.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.documents import new_pdf
from bot.i18n import Translate, format_date_long, format_datetime
from dialogues.languages import pick

ANSWER_QUOTES = {"fr": "« {} »", "en": "“{}”"}
"""The person's answer as the record quotes it (ordinary spaces inside « », unlike
the synthesis document's no-break ones: the record has always been written so)."""


@dataclass(frozen=True)
class RecordFacts:
    person: str
    telegram_id: int
    agreed: bool
    answer_label: str
    """The button's words, as the person read them."""
    answered_at: datetime
    delivered_at: datetime | None
    delivered_sha256: str | None
    keep_until: datetime | None
    copy_deleted: bool


def record_pdf(facts: RecordFacts, _: Translate, locale: str, timezone: str) -> bytes:
    title = (
        _("Agreement to keep the synthesis document")
        if facts.agreed
        else _("Refusal to keep the synthesis document")
    )
    pdf = new_pdf(title)
    pdf.set_font("DejaVu", "B", 15)
    pdf.multi_cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    when = format_datetime(facts.answered_at, locale, timezone, "d MMMM y, HH:mm:ss zzzz")
    lines = [
        (_("Beneficiary"), facts.person),
        (
            _("Answer"),
            pick(ANSWER_QUOTES, locale, "the record's quotes").format(facts.answer_label),
        ),
        (_("Given on"), f"{when} ({facts.answered_at.isoformat(timespec='seconds')})"),
        (
            _("Signed by"),
            _(
                "a tap on the answer's button in the person's own Telegram conversation with "
                "the bot (Telegram account no. {account})"
            ).format(account=facts.telegram_id),
        ),
    ]
    if facts.delivered_at is not None:
        lines.append(
            (
                _("Document concerned"),
                _("the synthesis document delivered on {date}").format(
                    date=format_date_long(facts.delivered_at, locale, timezone)
                ),
            )
        )
    if facts.delivered_sha256:
        lines.append((_("Fingerprint of that PDF (SHA-256)"), facts.delivered_sha256))
    if facts.agreed and facts.keep_until is not None:
        consequence = _(
            "The organisation keeps one copy, readable only by the beneficiary and their "
            "counsellor, until {date}; then it is erased."
        ).format(date=format_date_long(facts.keep_until, locale, timezone))
    elif facts.agreed:
        consequence = _(
            "The organisation's copy had already been erased: nothing more is kept. "
            "The beneficiary keeps their own copy."
        )
    elif facts.copy_deleted:
        consequence = _(
            "The organisation's copy was erased at once. The beneficiary keeps their own copy."
        )
    else:
        consequence = _(
            "The organisation's copy is erased as soon as the final document has reached the "
            "beneficiary, who keeps their own copy."
        )
    lines.append((_("What follows"), consequence))
    for label, value in lines:
        pdf.set_font("DejaVu", "B", 10)
        pdf.multi_cell(0, 6, label, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 10.5)
        pdf.multi_cell(0, 6, value, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1.5)
    pdf.ln(3)
    pdf.set_font("DejaVu", "I", 8.5)
    pdf.multi_cell(
        0,
        4.5,
        _(
            "The beneficiary may change this answer at any time with /mesdonnees. "
            "An erased copy cannot be brought back."
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    return bytes(pdf.output())
