"""Forged and stale access tokens are all refused with a 401 problem document."""

from __future__ import annotations

import base64
import json
import time
import uuid
from typing import Any

import httpx
import jwt
import pytest

from civicapi.config import Settings
from civicapi.core.errors import Unauthorized
from civicapi.core.security import TokenService
from civicapi.identity.dependencies import _kid, build_token_service
from tests.fixtures.factories import World


def _claims(world: World, **over: Any) -> dict[str, Any]:
    now = int(time.time())
    base = {
        "sub": str(world.users["admin"].id),
        "iss": "civicapi",
        "aud": "civicapi",
        "iat": now,
        "exp": now + 300,
        "jti": uuid.uuid4().hex,
    }
    base.update(over)
    return {k: v for k, v in base.items() if v is not None}


def _sign(
    settings: Settings,
    claims: dict[str, Any],
    *,
    key: str | None = None,
    alg: str = "HS256",
    kid: str | None = None,
) -> str:
    secret = settings.secret_key.get_secret_value()
    return jwt.encode(claims, key or secret, algorithm=alg, headers={"kid": kid or _kid(secret)})


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


async def test_a_genuine_token_works(client: httpx.AsyncClient, world: World, settings: Settings) -> None:
    r = await client.get("/v1/me", headers={"Authorization": f"Bearer {_sign(settings, _claims(world))}"})
    assert r.status_code == 200


@pytest.mark.parametrize(
    "forge",
    [
        "alg_none",
        "other_secret",
        "hs512",
        "rs256_header",
        "unknown_kid",
        "missing_exp",
        "expired",
        "wrong_aud",
        "wrong_iss",
        "missing_jti",
        "tampered_payload",
        "garbage",
        "header_not_an_object",
        "header_not_base64",
        "header_not_utf8",
        "no_dots",
        "unknown_subject",
    ],
)
async def test_forgeries_are_401(
    client: httpx.AsyncClient, world: World, settings: Settings, forge: str
) -> None:
    claims = _claims(world)
    secret = settings.secret_key.get_secret_value()
    if forge == "alg_none":
        token = f"{_b64({'alg': 'none', 'typ': 'JWT', 'kid': _kid(secret)})}.{_b64(claims)}."
    elif forge == "other_secret":
        token = _sign(settings, claims, key="another-secret-that-is-long-enough-000000")
    elif forge == "hs512":
        token = _sign(settings, claims, alg="HS512")
    elif forge == "rs256_header":
        good = _sign(settings, claims)
        header, payload, sig = good.split(".")
        token = f"{_b64({'alg': 'RS256', 'typ': 'JWT', 'kid': _kid(secret)})}.{payload}.{sig}"
    elif forge == "unknown_kid":
        token = _sign(settings, claims, kid="nope")
    elif forge == "missing_exp":
        token = _sign(settings, _claims(world, exp=None))
    elif forge == "expired":
        token = _sign(settings, _claims(world, iat=int(time.time()) - 4000, exp=int(time.time()) - 60))
    elif forge == "wrong_aud":
        token = _sign(settings, _claims(world, aud="someone-else"))
    elif forge == "wrong_iss":
        token = _sign(settings, _claims(world, iss="evil"))
    elif forge == "missing_jti":
        token = _sign(settings, _claims(world, jti=None))
    elif forge == "tampered_payload":
        good = _sign(settings, claims)
        header, _payload, sig = good.split(".")
        token = f"{header}.{_b64({**claims, 'sub': str(world.users['platform'].id)})}.{sig}"
    elif forge == "garbage":
        token = "not.a.jwt"
    elif forge in ("header_not_an_object", "header_not_base64", "header_not_utf8", "no_dots"):
        _header, payload, sig = _sign(settings, claims).split(".")
        header = {
            "header_not_an_object": _b64(["HS256"]),
            "header_not_base64": "!!!*",
            "header_not_utf8": base64.urlsafe_b64encode(b"\xff\xfe{").decode().rstrip("="),
            "no_dots": "",
        }[forge]
        token = f"{header}.{payload}.{sig}" if forge != "no_dots" else payload + sig
    else:
        token = _sign(settings, _claims(world, sub=str(uuid.uuid4())))
    r = await client.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401, forge
    assert r.headers["content-type"] == "application/problem+json"
    assert r.headers["www-authenticate"] == "Bearer"


async def test_key_rotation_accepts_previous_keys(
    client: httpx.AsyncClient, world: World, settings: Settings, db: Any
) -> None:
    from civicapi.main import create_app

    old = build_token_service(settings)
    token, _ = old.issue(str(world.users["admin"].id))
    rotated = settings.model_copy(
        update={
            "secret_key": type(settings.secret_key)("a-brand-new-secret-key-0123456789-abcdef"),
            "previous_secret_keys": [settings.secret_key],
        }
    )
    app = create_app(rotated, database=db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        assert (await c.get("/v1/me", headers={"Authorization": f"Bearer {token}"})).status_code == 200
        new_token, _ = app.state.tokens.issue(str(world.users["admin"].id))
        assert (await c.get("/v1/me", headers={"Authorization": f"Bearer {new_token}"})).status_code == 200
    dropped = settings.model_copy(update={"secret_key": rotated.secret_key, "previous_secret_keys": []})
    app = create_app(dropped, database=db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        assert (await c.get("/v1/me", headers={"Authorization": f"Bearer {token}"})).status_code == 401


def test_a_checked_token_is_remembered_until_it_expires() -> None:
    tokens = TokenService({"k1": "s" * 40}, issuer="civicapi", audience="civicapi", ttl_seconds=1, remember=2)
    token, _ = tokens.issue("someone")
    first = tokens.verify(token)
    assert tokens.verify(token) is first, "the second check is the remembered one"
    others = [tokens.issue(f"user-{i}")[0] for i in range(2)]
    for other in others:
        tokens.verify(other)
    assert token not in tokens._verified, "bounded: the oldest made room"
    time.sleep(1.1)
    for expired in (token, others[-1]):  # a fresh check and a remembered one both refuse it
        with pytest.raises(Unauthorized):
            tokens.verify(expired)
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    with pytest.raises(Unauthorized):
        tokens.verify(forged)


NOW = int(time.time())
ODD_CLAIMS: dict[str, dict[str, Any]] = {
    "exp_a_string": {"exp": "9999999999"},
    "exp_huge": {"exp": 10**30},
    "exp_huge_float": {"exp": 1e30},
    "exp_infinite": {"exp": float("inf")},
    "exp_an_object": {"exp": {"at": NOW + 300}},
    "iat_a_string": {"iat": str(NOW)},
    "iat_huge_negative": {"iat": -(10**30)},
    "sub_not_a_uuid": {"sub": "not-a-uuid"},
    "sub_a_number": {"sub": 12345},
    "sub_an_object": {"sub": {"id": 1}},
    "jti_a_number": {"jti": 42},
    "jti_a_list": {"jti": ["a"]},
    "jti_empty": {"jti": ""},
}


@pytest.mark.parametrize("shape", sorted(ODD_CLAIMS))
async def test_tokens_with_odd_claim_types_are_401(
    client: httpx.AsyncClient, world: World, settings: Settings, shape: str
) -> None:
    """Signed with the right key, but a claim of the wrong type or out of range: refused like a forgery,
    never a 500 (the key must stay secret, but a bug that signs such claims must not take requests down)."""
    token = _sign(settings, _claims(world, **ODD_CLAIMS[shape]))
    r = await client.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401, (shape, r.text)
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["status"] == 401


async def test_fractional_times_are_numeric_dates(
    client: httpx.AsyncClient, world: World, settings: Settings
) -> None:
    """RFC 7519 NumericDate may be fractional: a signed token with such times stays valid."""
    now = int(time.time())  # not the module's NOW: that is when the suite imported this file
    token = _sign(settings, _claims(world, iat=now + 0.5, exp=now + 300.5))
    r = await client.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200
