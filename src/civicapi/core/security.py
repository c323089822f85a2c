"""Security primitives: password hashing (argon2id) and access tokens (JWT, pinned algorithm)."""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import os
import uuid
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from civicapi.core.errors import Unauthorized

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
_DUMMY_HASH = _hasher.hash("civicapi-dummy-password-for-constant-time")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    """Check ``password``; with no hash (unknown account) spend the same time and answer False."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


HASH_THREADS = max(1, min(4, (os.cpu_count() or 2) - 1))
"""Threads that hash passwords, per process: one core is left to the event loop. argon2 takes a large
fraction of a second of CPU on purpose and releases the GIL meanwhile; on the loop it would hold every
other request of the worker (more logins at once than threads wait in the pool's queue)."""
_hashing = ThreadPoolExecutor(max_workers=HASH_THREADS, thread_name_prefix="civicapi-password")


async def hash_password_off_loop(password: str) -> str:
    """:func:`hash_password` in the bounded hashing pool: the event loop stays free for other requests."""
    return await asyncio.get_running_loop().run_in_executor(_hashing, hash_password, password)


async def verify_password_off_loop(password: str, password_hash: str | None) -> bool:
    """:func:`verify_password` in the bounded hashing pool (more logins than threads queue there)."""
    return await asyncio.get_running_loop().run_in_executor(
        _hashing, verify_password, password, password_hash
    )


ALGORITHM = "HS256"


def _header(token: str) -> dict[str, Any]:
    """The token's (unverified) header, read only to choose the key: :func:`jwt.decode` then checks the
    whole token, header included. (``jwt.get_unverified_header`` would parse and check every segment a
    second time: about half of the verification's cost.)"""
    segment = token.split(".", 1)[0]
    try:
        header = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (ValueError, binascii.Error) as exc:
        raise jwt.DecodeError("invalid header") from exc
    if not isinstance(header, dict):
        raise jwt.DecodeError("invalid header")
    return header


def _hmac_key(secret: str) -> jwt.PyJWK:
    encoded = base64.urlsafe_b64encode(secret.encode()).rstrip(b"=").decode()
    return jwt.PyJWK({"kty": "oct", "k": encoded, "alg": ALGORITHM})


@dataclass(frozen=True, slots=True)
class TokenClaims:
    sub: str
    jti: str
    iat: datetime
    exp: datetime
    extra: dict[str, Any]


class TokenService:
    """Issues and checks access JWTs. The algorithm is pinned; ``kid`` selects among verification keys so
    keys can rotate (the first key signs, every listed key verifies)."""

    def __init__(
        self,
        keys: dict[str, str],
        *,
        issuer: str,
        audience: str,
        ttl_seconds: int,
        remember: int = 10_000,
    ) -> None:
        if not keys:
            raise ValueError("at least one signing key is required")
        self.keys = keys
        self._verifying = {kid: _hmac_key(secret) for kid, secret in keys.items()}
        """The keys as PyJWT's prepared JWKs: a new token is checked in ~165 µs instead of ~240 (the
        string form is re-read as a key on every call)."""
        self._verified: OrderedDict[str, TokenClaims] = OrderedDict()
        """Tokens whose signature and claims were checked (a token is immutable: checking it again can only
        change the answer once it expires, which :meth:`verify` still checks). At most ``remember``."""
        self.remember = remember
        self.signing_kid = next(iter(keys))
        self.issuer = issuer
        self.audience = audience
        self.ttl = timedelta(seconds=ttl_seconds)

    def issue(self, subject: str, **extra: Any) -> tuple[str, datetime]:
        now = datetime.now(UTC)
        exp = now + self.ttl
        payload = {
            **extra,
            "sub": subject,
            "iss": self.issuer,
            "aud": self.audience,
            "iat": int(now.timestamp()),
            "exp": int(exp.timestamp()),
            "jti": uuid.uuid4().hex,
        }
        token = jwt.encode(
            payload, self.keys[self.signing_kid], algorithm=ALGORITHM, headers={"kid": self.signing_kid}
        )
        return token, exp

    def verify(self, token: str) -> TokenClaims:
        """The claims of a valid token (signature, algorithm, key, issuer, audience, expiry); else 401.
        Revocation is the caller's to check (it needs the database)."""
        known = self._verified.get(token)
        if known is not None:
            if datetime.now(UTC) < known.exp:
                return known
            del self._verified[token]
            raise Unauthorized("invalid or expired token")
        claims = self._decode(token)
        if self.remember > 0:
            self._verified[token] = claims
            while len(self._verified) > self.remember:
                self._verified.popitem(last=False)
        return claims

    def _decode(self, token: str) -> TokenClaims:
        try:
            header = _header(token)
            if header.get("alg") != ALGORITHM:
                raise Unauthorized("token algorithm not accepted")
            key = self._verifying.get(str(header.get("kid")))
            if key is None:
                raise Unauthorized("token signed with an unknown key")
            data = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "iat", "sub", "iss", "aud", "jti"]},
            )
        except (jwt.PyJWTError, ValueError, TypeError, OverflowError) as exc:
            raise Unauthorized("invalid or expired token") from exc
        sub, jti = data["sub"], data["jti"]
        if not (_text(sub) and _text(jti)):
            raise Unauthorized("invalid token claims")
        extra = {k: v for k, v in data.items() if k not in {"sub", "jti", "iat", "exp", "iss", "aud"}}
        return TokenClaims(
            sub=sub, jti=jti, iat=_numeric_date(data["iat"]), exp=_numeric_date(data["exp"]), extra=extra
        )


LATEST_NUMERIC_DATE = 253_402_300_799
"""9999-12-31T23:59:59Z, the last second a :class:`datetime` holds."""


def _text(value: object) -> bool:
    return isinstance(value, str) and 0 < len(value) <= 256


def _numeric_date(value: object) -> datetime:
    """An RFC 7519 NumericDate (seconds since the epoch, possibly fractional) as a UTC time; 401 for
    anything else. PyJWT reads its time claims with ``int()``, which takes ``"9999999999"`` and ``1e30``: a
    token signed with such claims (by a bug, or by anyone holding a key) must be refused, not crash."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not 0 <= value <= LATEST_NUMERIC_DATE  # NaN fails this too
    ):
        raise Unauthorized("invalid token claims")
    return datetime.fromtimestamp(value, UTC)
