"""Keyed hashes of people's identifiers: HMAC-SHA256 with the application secret.

The commune is part of every hash, so the same person has unrelated keys in two communes (a leaked table
cannot be joined with another commune's). Without the secret the hashes cannot be reversed by trying the
(small) space of national numbers; with it they can, so the secret must be protected like the database.
Rotating ``CIVICAPI_SECRET_KEY`` changes every hash: the census must then be uploaded again, and existing
verifications no longer block a new account with the same identifier.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
import uuid
from datetime import date

_SEPARATORS = re.compile(r"[\s.\-/_]+")


def normalize_identifier(raw: str) -> str:
    """``85.07.30-033.61`` and ``85073003361`` are the same identifier; letters are compared upper-case."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw)).upper()


class IdentityHasher:
    def __init__(self, secret: str) -> None:
        self._key = hmac.new(secret.encode(), b"civicapi identity hashing v1", hashlib.sha256).digest()

    def _mac(self, *parts: str) -> str:
        message = "\x1f".join(parts).encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def identity_key(self, commune_id: uuid.UUID, identifier: str) -> str:
        return self._mac("identity", str(commune_id), normalize_identifier(identifier))

    def birth_date_hash(self, commune_id: uuid.UUID, identifier: str, birth_date: date) -> str:
        return self._mac("birth", str(commune_id), normalize_identifier(identifier), birth_date.isoformat())

    @staticmethod
    def same(a: str, b: str) -> bool:
        return hmac.compare_digest(a.encode(), b.encode())
