"""Requirements of actions: the pure condition evaluation, the service modules call, and the test route."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from civicapi.core.db.session import Database
from civicapi.identity.verification.requirements import (
    ActionRequirement,
    RequirementConditions,
    RequirementStatus,
    check_requirements,
    evaluate_conditions,
)
from civicapi.identity.verification.service import grant_verification
from tests.fixtures.factories import World
from tests.identity.verification_helpers import ANNE, CHLOE, upload_census, verify

TODAY = date(2026, 6, 1)
META = {"district": "Outremeuse", "postal_code": "4020", "birth_year": 2010}


def failed(conditions: dict[str, Any], metadata: dict[str, Any] = META) -> list[str]:
    result = evaluate_conditions(RequirementConditions(**conditions), metadata, today=TODAY)
    return [f.condition for f in result]


@pytest.mark.parametrize(
    ("conditions", "expected"),
    [
        ({}, []),
        ({"districts": ["outremeuse ", "Centre"]}, []),
        ({"districts": ["Centre"]}, ["districts"]),
        ({"districts": []}, ["districts"]),
        ({"postal_codes": ["4020"]}, []),
        ({"postal_codes": ["4000"]}, ["postal_codes"]),
        ({"min_age": 16}, []),  # born 2010: 16 all through 2026 (calendar years)
        ({"min_age": 17}, ["min_age"]),
        ({"max_age": 16}, []),
        ({"max_age": 15}, ["max_age"]),
        ({"min_age": 18, "districts": ["Centre"]}, ["districts", "min_age"]),
    ],
)
def test_evaluate_conditions(conditions: dict[str, Any], expected: list[str]) -> None:
    assert failed(conditions) == expected


def test_missing_facts_fail_the_conditions_that_need_them() -> None:
    assert failed({"districts": ["Centre"], "min_age": 16, "max_age": 30}, {}) == [
        "districts",
        "min_age",
        "max_age",
    ]
    assert failed({"postal_codes": ["4000"]}, {"district": "Centre"}) == ["postal_codes"]
    assert failed({}, {}) == []


async def _grant(db: Database, world: World, who: str, handler: str, **kw: Any) -> None:
    async with db.unit_of_work() as session:
        await grant_verification(
            session,
            commune_id=world.alpha.id,
            user_id=world.users[who].id,
            handler=handler,
            identity_key=f"key-{who}-{handler}",
            metadata=kw.pop("metadata", META),
            **kw,
        )


async def _check(db: Database, world: World, who: str | None, *requirements: ActionRequirement) -> Any:
    async with db.unit_of_work() as session:
        return await check_requirements(
            session,
            commune_id=world.alpha.id,
            user_id=world.users[who].id if who else None,
            requirements=list(requirements),
            today=TODAY,
        )


def req(handler: str = "census", **conditions: Any) -> ActionRequirement:
    return ActionRequirement(handler=handler, conditions=RequirementConditions(**conditions))


async def test_requirement_statuses(db: Database, world: World) -> None:
    past = datetime.now(UTC) - timedelta(days=1)
    await _grant(db, world, "participant", "census")
    await _grant(db, world, "participant", "desk", expires_at=past, metadata={"district": "Centre"})

    assert (await _check(db, world, "participant")).status is RequirementStatus.ok
    assert (await _check(db, world, None, req())).status is RequirementStatus.not_logged_in
    assert (await _check(db, world, "staff", req())).status is RequirementStatus.missing

    ok = await _check(db, world, "participant", req(districts=["Outremeuse"], min_age=16))
    assert ok.status is RequirementStatus.ok and ok.metadata == META and ok.handler is None

    district = await _check(db, world, "participant", req(districts=["Centre"]))
    assert district.status is RequirementStatus.unauthorized and district.handler == "census"
    assert [f.condition for f in district.failed_conditions] == ["districts"]
    assert district.reason == "district not allowed"

    age = await _check(db, world, "participant", req(min_age=18))
    assert age.status is RequirementStatus.unauthorized
    assert [f.condition for f in age.failed_conditions] == ["min_age"]

    expired = await _check(db, world, "participant", req(), req("desk"))
    assert expired.status is RequirementStatus.expired and expired.handler == "desk"
    assert [r.status for r in expired.results] == [RequirementStatus.ok, RequirementStatus.expired]

    # the first requirement not met, in the order given
    both = await _check(db, world, "participant", req(districts=["Centre"]), req("desk"))
    assert both.status is RequirementStatus.unauthorized and both.handler == "census"

    # in another commune, nobody is verified
    async with db.unit_of_work() as session:
        beta = await check_requirements(
            session,
            commune_id=world.beta.id,
            user_id=world.users["participant"].id,
            requirements=[req()],
            today=TODAY,
        )
    assert beta.status is RequirementStatus.missing


async def test_an_expired_verification_is_renewed(db: Database, world: World) -> None:
    past = datetime.now(UTC) - timedelta(days=1)
    await _grant(db, world, "participant", "desk", expires_at=past)
    await _grant(db, world, "participant", "desk")
    assert (await _check(db, world, "participant", req("desk"))).status is RequirementStatus.ok


async def test_authorization_route(client: httpx.AsyncClient, world: World) -> None:
    url = "/v1/communes/alpha/me/authorization"
    r = await client.get(url, params={"handler": "census"})
    assert r.status_code == 200 and r.json()["status"] == "not_logged_in"
    h = world.headers("participant")
    assert (await client.get(url, params={"handler": "census"}, headers=h)).json()["status"] == "missing"

    assert (await upload_census(client, world)).status_code == 200
    assert (await verify(client, h, CHLOE)).status_code == 201  # born 2010, Outremeuse
    assert (await verify(client, world.headers("staff"), ANNE)).status_code == 201  # born 1985
    params = {"handler": "census", "districts": "Centre,Outremeuse", "min_age": "16"}
    young = (await client.get(url, params=params, headers=h)).json()
    adult = (await client.get(url, params=params, headers=world.headers("staff"))).json()
    this_year = date.today().year
    assert young["status"] == ("ok" if this_year - 2010 >= 16 else "unauthorized")
    assert adult["status"] == "ok" and adult["metadata"]["birth_year"] == 1985
    r = await client.get(url, params={"handler": "census", "districts": "Centre"}, headers=h)
    body = r.json()
    assert body["status"] == "unauthorized"
    assert body["failed_conditions"] == [{"condition": "districts", "reason": "district not allowed"}]
    assert (await client.get(url, params={"handler": "nope"}, headers=h)).status_code == 422
    assert (
        await client.get(url, params={"handler": "census", "min_age": "-1"}, headers=h)
    ).status_code == 422
    assert (await client.get(url, headers=h)).status_code == 422
    assert (await client.get("/v1/communes/nowhere/me/authorization?handler=census")).status_code == 404
