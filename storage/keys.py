"""Checks and rotation of the encryption key against the stored data.

A canary row, written under the key the first time the bot starts, lets the
bot refuse to start with a key that cannot read what is already stored, rather
than failing later in the middle of someone's questionnaire.
"""

from __future__ import annotations

from sqlalchemy import LargeBinary, column, select, table, update
from sqlalchemy.ext.asyncio import AsyncSession

import storage.schema  # noqa: F401
from storage.crypto import (
    EncryptedBytes,
    EncryptedJSON,
    EncryptedText,
    EncryptionKeyError,
    rotate_token,
)
from storage.models import Base, Meta

CANARY_KEY = "encryption_canary"
CANARY_TEXT = "bilan-canary"


async def check_or_set_canary(session: AsyncSession) -> None:
    """Raise :class:`EncryptionKeyError` if the key cannot read existing data."""
    meta = await session.get(Meta, CANARY_KEY)  # a wrong key fails here, in the decrypt
    if meta is None:
        session.add(Meta(key=CANARY_KEY, value=CANARY_TEXT))
    elif meta.value != CANARY_TEXT:
        raise EncryptionKeyError("ENCRYPTION_KEY does not decrypt the stored data")


def encrypted_columns() -> list[tuple[str, str, list[str]]]:
    """(table, column, primary key columns) of every encrypted column in the schema."""
    found = []
    for tbl in Base.metadata.sorted_tables:
        pk = [c.name for c in tbl.primary_key.columns]
        for col in tbl.columns:
            if isinstance(col.type, EncryptedText | EncryptedJSON | EncryptedBytes):
                found.append((tbl.name, col.name, pk))
    return found


async def rotate_all(session: AsyncSession) -> int:
    """Re-encrypt every encrypted value under the newest key; returns the count."""
    count = 0
    for table_name, column_name, pk in encrypted_columns():
        raw_col = column(column_name, LargeBinary)
        raw = table(table_name, raw_col, *(column(k) for k in pk))
        rows = (await session.execute(select(raw).where(raw_col.is_not(None)))).all()
        for row in rows:
            new = rotate_token(getattr(row, column_name))
            where = [raw.c[k] == getattr(row, k) for k in pk]
            await session.execute(update(raw).where(*where).values({column_name: new}))
            count += 1
    return count
