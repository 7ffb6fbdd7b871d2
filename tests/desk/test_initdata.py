"""Telegram's init-data check, against the algorithm Telegram documents (computed here by hand)."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, urlencode

import pytest

from bot.desk.initdata import InitDataRefused, check

TOKEN = "123456789:AAE-documented-example-token"
NOW = datetime(2026, 12, 2, 8, 37, tzinfo=UTC)


def telegram_signed(fields: dict[str, str], token: str = TOKEN) -> str:
    """What Telegram sends: written from core.telegram.org/bots/webapps, not from our code."""
    check_string = "\n".join(f"{k}={v}" for k, v in sorted(fields.items()))
    secret = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    digest = hmac.new(secret, check_string.encode(), hashlib.sha256).hexdigest()
    return urlencode({**fields, "hash": digest}, quote_via=quote)


def fields(user_id: int = 111, at: datetime = NOW) -> dict[str, str]:
    user = {"id": user_id, "first_name": "Claire", "language_code": "fr"}
    return {
        "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
        "user": json.dumps(user, separators=(",", ":"), ensure_ascii=False),
        "auth_date": str(int(at.timestamp())),
        "signature": "ed25519-signature-for-third-parties",
    }


def test_valid_init_data_names_its_user() -> None:
    data = check(telegram_signed(fields()), TOKEN, now=NOW + timedelta(minutes=2))
    assert data.telegram_id == 111
    assert data.language_code == "fr"
    assert data.auth_date == NOW


def test_a_tampered_field_is_refused() -> None:
    signed = telegram_signed(fields(111))
    forged = signed.replace("%22id%22%3A111", "%22id%22%3A222")
    assert forged != signed
    with pytest.raises(InitDataRefused, match="signature"):
        check(forged, TOKEN, now=NOW)


def test_an_added_field_is_refused() -> None:
    with pytest.raises(InitDataRefused, match="signature"):
        check(telegram_signed(fields()) + "&chat_type=private", TOKEN, now=NOW)


def test_another_bots_token_is_refused() -> None:
    signed = telegram_signed(fields(), token="987654321:another-bot")
    with pytest.raises(InitDataRefused, match="signature"):
        check(signed, TOKEN, now=NOW)


def test_a_stale_auth_date_is_refused() -> None:
    old = telegram_signed(fields(at=NOW - timedelta(hours=2)))
    with pytest.raises(InitDataRefused, match="stale"):
        check(old, TOKEN, now=NOW)
    future = telegram_signed(fields(at=NOW + timedelta(hours=1)))
    with pytest.raises(InitDataRefused, match="stale"):
        check(future, TOKEN, now=NOW)


@pytest.mark.parametrize("raw", ["", "hash=", "user=%7B%7D&hash=00", "a=1&a=2&hash=1", "x" * 9000])
def test_malformed_init_data_is_refused(raw: str) -> None:
    with pytest.raises(InitDataRefused):
        check(raw, TOKEN, now=NOW)


def test_a_signed_init_data_without_user_is_refused() -> None:
    signed = telegram_signed({"auth_date": str(int(NOW.timestamp())), "query_id": "q"})
    with pytest.raises(InitDataRefused, match="fields"):
        check(signed, TOKEN, now=NOW)
