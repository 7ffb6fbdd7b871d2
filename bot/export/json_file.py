"""The machine-readable copy: everything, raw values and the answers as read.

Its shape is documented in ``docs/export-format.md`` and versioned by
:data:`FORMAT_VERSION`.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from bot.export.answers import instrument_of, readable, result_text
from storage.rights import Dossier, Record

FORMAT = "bilan-bot-export"
FORMAT_VERSION = 1


def _iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _record_json(kind: str, record: Record, locale: str) -> dict[str, Any]:
    data = dict(record.data)
    if kind == "questionnaires":
        instrument = instrument_of(record.label)
        data["title"] = instrument.title.get(locale) if instrument else record.label
        data["readable"] = readable(record, locale)
        text = result_text(record, locale)
        if text is not None:
            data["result_text"] = text
    return {"at": _iso(record.at), "label": record.label, "data": data}


def dossier_json(dossier: Dossier, locale: str) -> dict[str, Any]:
    """The export as a JSON-ready mapping (shape: ``docs/export-format.md``)."""
    p = dossier.profile
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "exported_at": _iso(dossier.collected_at),
        "language": locale,
        "person": {
            "name": p.name,
            "status": p.status.value,
            "phase": p.phase.value,
            "locale": p.locale,
            "timezone": p.timezone,
            "invited_at": _iso(p.invited_at),
            "consent_at": _iso(p.consent_at),
            "consent_withdrawn_at": _iso(p.consent_withdrawn_at),
            "concluded_at": _iso(p.concluded_at),
            "last_activity_at": _iso(p.last_activity_at),
        },
        "counsellor": {"name": dossier.counsellor_name},
        "retention": {
            "basis": dossier.retention.basis.value,
            "dossier_until": _iso(dossier.retention.dossier_until),
            "contact_until": _iso(dossier.retention.contact_until),
        },
        "synthesis_agreement": {
            "agreed": dossier.synthesis.agreed,
            "asked_at": _iso(dossier.synthesis.asked_at),
            "answered_at": _iso(dossier.synthesis.answered_at),
        },
        "parts": {
            kind: [_record_json(kind, r, locale) for r in records]
            for kind, records in dossier.parts.items()
        },
        "accesses": [
            {
                "at": _iso(a.at),
                "by": a.actor_kind,
                "name": a.actor_name,
                "action": a.action,
            }
            for a in dossier.accesses
        ],
    }


def build_json(dossier: Dossier, locale: str) -> bytes:
    return json.dumps(dossier_json(dossier, locale), ensure_ascii=False, indent=2).encode("utf-8")
