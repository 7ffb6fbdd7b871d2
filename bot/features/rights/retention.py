"""The organisation's retention settings (``DOSSIER_RETENTION_DAYS`` and friends), read once.

The bot checks them at start-up (the daily purge is built from them) and
``bilan-bot purge`` reads the same, so a bad value stops the program with one
line and never surfaces in the middle of a handler.
"""

from __future__ import annotations

from functools import cache
from typing import Annotated

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.runtime import Context, settings
from bot.settings import fail
from storage import rights
from storage.rights import RetentionPolicy


class RetentionSettings(BaseSettings):
    """``DOSSIER_RETENTION_DAYS`` and friends, from the environment or ``.env``."""

    model_config = SettingsConfigDict(
        env_file=".env", extra="ignore", case_sensitive=False, env_ignore_empty=True
    )

    dossier_retention_days: Annotated[int, Field(ge=1, le=rights.MAX_RETENTION_DAYS)] = (
        rights.MAX_RETENTION_DAYS
    )
    # Unset: a month after the last follow-up of FOLLOWUP_MONTHS, within the dossier retention.
    followup_window_days: Annotated[int, Field(ge=0, le=rights.MAX_RETENTION_DAYS)] | None = None
    inactive_retention_days: Annotated[int, Field(ge=1, le=rights.MAX_RETENTION_DAYS)] = (
        rights.MAX_RETENTION_DAYS
    )
    finished_messages_days: Annotated[int, Field(ge=1, le=rights.MAX_RETENTION_DAYS)] = 30


def policy_of(context: Context) -> RetentionPolicy:
    return retention_policy(settings(context).followup_month_list)


def followup_window(followup_months: tuple[int, ...], dossier_days: int) -> int:
    """Days from conclusion to a month after the last follow-up check-in."""
    last = max(followup_months, default=6)
    return min(dossier_days, round(last * 30.44) + 30)


@cache
def retention_policy(followup_months: tuple[int, ...] = (3, 6)) -> RetentionPolicy:
    """The policy from the settings; a bad value stops the program with one line.

    Read once per process: the bot checks it at start-up (the daily purge is
    built from it), so a bad value never surfaces in the middle of a handler.

    ``followup_months`` is the bot's ``FOLLOWUP_MONTHS``
    (``Settings.followup_month_list``).
    """
    try:
        conf = RetentionSettings()
        window = conf.followup_window_days
        if window is None:
            window = followup_window(followup_months, conf.dossier_retention_days)
        return RetentionPolicy(
            dossier_days=conf.dossier_retention_days,
            followup_days=window,
            inactive_days=conf.inactive_retention_days,
            finished_messages_days=conf.finished_messages_days,
        )
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0]).upper() if error["loc"] else "retention"
        fail(f"setting {name} is invalid: {error['msg']}")
    except ValueError as exc:
        fail(f"retention settings are inconsistent: {exc}")
    raise AssertionError("unreachable")
