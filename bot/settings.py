"""Settings from the environment or a ``.env`` file (documented in ``.env.example``).

A missing or malformed setting must stop the program with one line naming it
and exit status 2, never a traceback: :func:`load_settings` does that.
"""

from __future__ import annotations

import sys
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from dialogues.languages import DEFAULT, codes
from storage.crypto import EncryptionKeyError, parse_keys

SUPPORTED_LOCALES = codes()
"""The codes of :data:`dialogues.languages.LANGUAGES`, kept under this name for its importers."""
DEFAULT_TIMEZONE = "Europe/Paris"
EXIT_BAD_SETTINGS = 2


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", extra="ignore", case_sensitive=False, env_ignore_empty=True
    )

    telegram_bot_token: Annotated[str, Field(min_length=1)] | None = None
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    telegram_api_base_file_url: str | None = None
    telegram_bot_username: str | None = None
    database_url: str = "sqlite+aiosqlite:///./bilan.db"
    encryption_key: str | None = None
    default_locale: str = DEFAULT.code
    default_timezone: str = DEFAULT_TIMEZONE
    webhook_secret_token: str | None = None
    quiet_hours: str = "21:00-08:00"
    bilan_hours_budget: Annotated[float, Field(gt=0, le=200)] = 24
    session_reminder_offsets: str = "24h,2h"
    task_reminder_hour: Annotated[int, Field(ge=0, le=23)] = 18
    log_level: str = "INFO"
    failed_start_limit: Annotated[int, Field(ge=1)] = 5
    failed_start_window_seconds: Annotated[int, Field(ge=1)] = 600
    followup_months: str = "3,6"
    followup_delay_seconds: Annotated[int, Field(ge=1)] | None = None
    bot_instance: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    # The counsellor's desk (bot/desk): off unless DESK_PORT is set.
    desk_host: str = "127.0.0.1"
    desk_port: Annotated[int, Field(ge=1, le=65535)] | None = None
    desk_url: str | None = None
    desk_trusted_proxies: str = "127.0.0.1"
    desk_secure_cookies: bool = True

    @field_validator("telegram_bot_token")
    @classmethod
    def _token_shape(cls, value: str | None) -> str | None:
        if value is not None and (":" not in value or not value.split(":", 1)[0].isdigit()):
            raise ValueError("expected the form 123456789:ABC... given by @BotFather")
        return value

    @field_validator("telegram_api_base_url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value

    @field_validator("encryption_key")
    @classmethod
    def _encryption_key(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                parse_keys(value)
            except EncryptionKeyError as exc:
                raise ValueError(str(exc)) from None
        return value

    @field_validator("default_locale")
    @classmethod
    def _locale(cls, value: str) -> str:
        if value not in SUPPORTED_LOCALES:
            raise ValueError(f"must be one of {', '.join(SUPPORTED_LOCALES)}")
        return value

    @field_validator("default_timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("unknown time zone (expected e.g. Europe/Paris)") from None
        return value

    @field_validator("quiet_hours")
    @classmethod
    def _quiet_hours(cls, value: str) -> str:
        from datetime import time

        if value.strip().lower() in ("off", "none"):
            return value
        try:
            for part in value.split("-", 1):
                time.fromisoformat(part.strip())
        except ValueError:
            raise ValueError("expected the form 21:00-08:00, or off") from None
        return value

    @field_validator("followup_months")
    @classmethod
    def _followup_months(cls, value: str) -> str:
        parts = [p.strip() for p in value.split(",") if p.strip()]
        if not parts or not all(p.isdigit() and 1 <= int(p) <= 24 for p in parts):
            raise ValueError("expected months from 1 to 24 separated by commas, e.g. 3,6 or 3,6,12")
        if len(set(map(int, parts))) != len(parts):
            raise ValueError("a number of months is listed twice")
        return value

    @property
    def followup_month_list(self) -> tuple[int, ...]:
        """The follow-up check-ins a conclusion schedules, in months (default 3 and 6)."""
        return tuple(sorted(int(p) for p in self.followup_months.split(",") if p.strip()))

    @field_validator("session_reminder_offsets")
    @classmethod
    def _offsets(cls, value: str) -> str:
        from storage.sessions import parse_offsets

        parse_offsets(value)
        return value

    @field_validator("desk_url")
    @classmethod
    def _desk_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(
            ("https://", "http://127.0.0.1", "http://localhost")
        ):
            raise ValueError("must start with https:// (Telegram opens Mini Apps over HTTPS only)")
        return value.rstrip("/") if value else value

    @property
    def desk_address(self) -> str | None:
        """Where the desk is reached: ``DESK_URL``, else the local address; ``None`` when off."""
        if self.desk_port is None:
            return None
        return self.desk_url or f"http://{self.desk_host}:{self.desk_port}"

    @property
    def desk_mini_app(self) -> bool:
        """Telegram opens a Mini App only from an HTTPS address."""
        return (
            self.desk_port is not None
            and bool(self.desk_url)
            and str(self.desk_url).startswith("https://")
        )

    @property
    def file_base_url(self) -> str:
        """PTB's base_file_url, derived from the API one unless set."""
        if self.telegram_api_base_file_url:
            return self.telegram_api_base_file_url
        base = self.telegram_api_base_url
        return base[: -len("/bot")] + "/file/bot" if base.endswith("/bot") else base


def fail(message: str) -> None:
    """Print one line to stderr and exit with the settings error status."""
    print(f"bilan-bot: {message}", file=sys.stderr)
    raise SystemExit(EXIT_BAD_SETTINGS)


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0]).upper() if error["loc"] else "settings"
        reason = str(error["msg"]).removeprefix("Value error, ")
        fail(f"setting {name} is invalid: {reason}")
        raise AssertionError("unreachable") from exc


def require_token(settings: Settings) -> str:
    if not settings.telegram_bot_token:
        fail(
            "setting TELEGRAM_BOT_TOKEN is missing: talk to @BotFather on Telegram "
            "(/newbot), then put TELEGRAM_BOT_TOKEN=<token> in .env or the environment"
        )
    assert settings.telegram_bot_token is not None
    return settings.telegram_bot_token


def require_encryption_key(settings: Settings) -> str:
    if not settings.encryption_key:
        fail(
            "setting ENCRYPTION_KEY is missing: create one with `bilan-bot keys generate` "
            "and put ENCRYPTION_KEY=<key> in .env (keep a copy: without it the data is unreadable)"
        )
    assert settings.encryption_key is not None
    return settings.encryption_key
