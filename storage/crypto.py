"""Field encryption at rest.

Every column that holds personal content (names, answers, free text) is stored
encrypted with AES-256-GCM (authenticated encryption: a changed byte fails to
decrypt) so that a database dump alone reveals nothing. ``ENCRYPTION_KEY``
holds one or more comma-separated keys (32 url-safe base64-encoded bytes each,
the shape of a Fernet key): the first encrypts, all of them decrypt, which is
what lets a key rotation proceed row by row while the bot keeps running.

Why AES-GCM: a dossier's page reads every answer of the run on each update,
and a Fernet token costs about 12 µs to open against 1 µs for AES-GCM
(``cryptography``'s Fernet checks its HMAC and removes its padding in
Python). A stored value is ``0x01 | 12-byte random nonce | ciphertext and
16-byte tag``; each key of the setting is stretched to the AES key with HKDF-
SHA256, so the setting and ``bilan-bot keys generate`` keep their shape.
Values written by earlier releases are Fernet tokens (url-safe base64 text,
which never starts with ``0x01``): they still read, under the same keys, and
``bilan-bot keys rotate`` rewrites them in the new form.

The cipher is process-wide because SQLAlchemy column types are created at import
time; :func:`configure` must be called once at start-up before any query.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import LargeBinary
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

VERSION = b"\x01"
"""The first byte of a value in this module's form (a Fernet token starts with ``g``)."""
NONCE_BYTES = 12
_HKDF_INFO = b"bilan-bot field encryption: AES-256-GCM v1"


class EncryptionKeyError(ValueError):
    """The configured key is missing, malformed, or cannot read existing data."""


class Cipher:
    """The keys of ``ENCRYPTION_KEY``, newest first: AES-GCM for all, Fernet for old values."""

    def __init__(self, raw_keys: list[bytes]) -> None:
        self._aead = [AESGCM(_stretch(key)) for key in raw_keys]
        self._legacy = MultiFernet([Fernet(base64.urlsafe_b64encode(key)) for key in raw_keys])

    def encrypt(self, data: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return VERSION + nonce + self._aead[0].encrypt(nonce, data, VERSION)

    def decrypt(self, token: bytes) -> bytes:
        """The plaintext, under whichever key opens it; :class:`InvalidToken` if none does."""
        token = bytes(token)
        if token[:1] != VERSION:
            return self._legacy.decrypt(token)
        nonce, sealed = token[1 : 1 + NONCE_BYTES], token[1 + NONCE_BYTES :]
        for aead in self._aead:
            try:
                return aead.decrypt(nonce, sealed, VERSION)
            except InvalidTag:
                continue
        raise InvalidToken

    def rotate(self, token: bytes) -> bytes:
        """The same plaintext under the newest key, in this module's form."""
        return self.encrypt(self.decrypt(token))


def _stretch(key: bytes) -> bytes:
    """The AES-256 key made from one key of the setting (HKDF-SHA256, no salt)."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_INFO).derive(key)


_cipher: Cipher | None = None


def parse_keys(raw: str) -> list[bytes]:
    """Turn the ``ENCRYPTION_KEY`` setting into the raw keys, newest first."""
    keys = [part.strip() for part in raw.split(",") if part.strip()]
    if not keys:
        raise EncryptionKeyError("ENCRYPTION_KEY is empty")
    try:
        decoded = [base64.urlsafe_b64decode(key.encode("ascii")) for key in keys]
    except (ValueError, UnicodeEncodeError, binascii.Error) as exc:
        raise _malformed() from exc
    if any(len(key) != 32 for key in decoded):
        raise _malformed()
    return decoded


def _malformed() -> EncryptionKeyError:
    return EncryptionKeyError(
        "ENCRYPTION_KEY must be one or more comma-separated keys "
        "(32 url-safe base64-encoded bytes each: bilan-bot keys generate)"
    )


def configure(raw_keys: str) -> None:
    """Install the process-wide cipher from the ``ENCRYPTION_KEY`` setting."""
    global _cipher
    _cipher = Cipher(parse_keys(raw_keys))


def generate_key() -> str:
    """A fresh key, for ``.env`` files and tests."""
    return base64.urlsafe_b64encode(os.urandom(32)).decode("ascii")


def cipher() -> Cipher:
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
    try:
        return cipher().rotate(token)
    except InvalidToken as exc:
        raise EncryptionKeyError("ENCRYPTION_KEY does not decrypt the stored data") from exc


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
