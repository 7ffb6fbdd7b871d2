"""The desk's app on a real database (SQLite and PostgreSQL), reached over ASGI by httpx.

httpx runs in the test's own event loop, so the app and the test share the
database engine; the base URL is https so that the Secure cookie travels.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pytest

from bot.desk.app import build_desk
from bot.desk.auth import session_key
from bot.desk.initdata import sign
from bot.desk.web import DeskConfig
from storage.db import Database
from tests.storage.conftest import World

TOKEN = "123456789:desk-test-token"
BASE = "https://desk.test"


def init_data(telegram_id: int, token: str = TOKEN, at: datetime | None = None) -> str:
    moment = at or datetime.now(UTC)
    user = json.dumps({"id": telegram_id, "first_name": "X", "language_code": "fr"})
    return sign({"user": user, "auth_date": str(int(moment.timestamp())), "query_id": "q"}, token)


@dataclass
class Desk:
    db: Database
    world: World
    woken: list[int]

    def client(self) -> httpx.AsyncClient:
        app = build_desk(
            self.db,
            DeskConfig(TOKEN, session_key(TOKEN), wake=lambda: self.woken.append(1)),
        )
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, client=("127.0.0.1", 5000)),
            base_url=BASE,
        )

    @contextlib.asynccontextmanager
    async def signed_in(self, telegram_id: int) -> AsyncIterator[httpx.AsyncClient]:
        async with self.client() as client:
            answer = await client.post("/auth/telegram", json={"init_data": init_data(telegram_id)})
            assert answer.status_code == 200, answer.text
            yield client


@pytest.fixture
async def desk(db: Database, world: World) -> AsyncIterator[Desk]:
    yield Desk(db, world, [])
