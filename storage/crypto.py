"""Field encryption at rest.

Every column that holds personal content (names, answers, free text) is stored
as a Fernet token (AES-128-CBC + HMAC-SHA256, i.e. authenticated encryption)
so that a database dump alone reveals nothing. ``ENCRYPTION_KEY`` holds one or
more comma-separated Fernet keys: the first encrypts, all of them decrypt, which
is what lets a key rotation proceed row by row while the bot keeps running.

The cipher is process-wide because SQLAlchemy column types are created at import
time; :func:`configure` must be called once at start-up before any query.
"""

from __future__ import annotations

import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import LargeBinary
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class EncryptionKeyError(ValueError):
    """The configured key is missing, malformed, or cannot read existing data."""


_cipher: MultiFernet | None = None


def parse_keys(raw: str) -> list[Fernet]:
    """Turn the ``ENCRYPTION_KEY`` setting into Fernet objects, newest first."""
    keys = [part.strip() for part in raw.split(",") if part.strip()]
    if not keys:
        raise EncryptionKeyError("ENCRYPTION_KEY is empty")
    try:
        return [Fernet(key.encode("ascii")) for key in keys]
    except (ValueError, UnicodeEncodeError) as exc:
        raise EncryptionKeyError(
            "ENCRYPTION_KEY must be one or more comma-separated Fernet keys "
            "(32 url-safe base64-encoded bytes each)"
        ) from exc


def configure(raw_keys: str) -> None:
    """Install the process-wide cipher from the ``ENCRYPTION_KEY`` setting."""
    global _cipher
    _cipher = MultiFernet(parse_keys(raw_keys))


def generate_key() -> str:
    """A fresh key, for ``.env`` files and tests."""
    return Fernet.generate_key().decode("ascii")


def cipher() -> MultiFernet:
    if _cipher is None:
        raise EncryptionKeyError("encryption is not configured (ENCRYPTION_KEY)")
    return _cipher


def encrypt_bytes(data: bytes) -> bytes:
    return cipher().encrypt(data)


def decrypt_bytes(token: bytes) -> bytes:
    try:
        return cipher().decrypt(token)
    except InvalidToken as exc:
        raise EncryptionKeyError("ENCRYPTION_KEY does not decrypt the stored data") from exc


def rotate_token(token: bytes) -> bytes:
    """Re-encrypt a token under the newest key (used by ``bilan-bot keys rotate``)."""
    return cipher().rotate(token)


class EncryptedText(TypeDecorator[str]):
    """A ``str`` column stored encrypted."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> bytes | None:
        return None if value is None else encrypt_bytes(value.encode("utf-8"))

    def process_result_value(self, value: bytes | None, dialect: Dialect) -> str | None:
        return None if value is None else decrypt_bytes(value).decode("utf-8")


class EncryptedBytes(TypeDecorator[bytes]):
    """A file (a synthesis document, its PDF) stored encrypted."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: bytes | None, dialect: Dialect) -> bytes | None:
        return None if value is None else encrypt_bytes(value)

    def process_result_value(self, value: bytes | None, dialect: Dialect) -> bytes | None:
        return None if value is None else decrypt_bytes(value)


class EncryptedJSON(TypeDecorator[Any]):
    """A JSON value (answers, results) stored encrypted."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> bytes | None:
        if value is None:
            return None
        return encrypt_bytes(json.dumps(value, ensure_ascii=False).encode("utf-8"))

    def process_result_value(self, value: bytes | None, dialect: Dialect) -> Any:
        return None if value is None else json.loads(decrypt_bytes(value))
