"""Proposals: drafts, publication with a reference, edit window, co-authors, withdrawal, official
proposals, limits from the component's settings; module off → 404, other commune → 404, bad input → 422
with nothing written."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select, update

from civicapi.core.audit import AuditEntry
from civicapi.core.db.session import Database
from civicapi.modules.proposals.models import Proposal
from tests.fixtures.factories import World
from tests.identity.verification_helpers import headers_of, make_people
from tests.modules.proposals.helpers import (
    BODY,
    TITLE,
    Comp,
    assert_problem,
    configure,
    count_rows,
    create,
    make_component,
)


async def test_a_draft_is_seen_by_its_authors_only_until_published(
    client: httpx.AsyncClient, world: World
) -> None:
    comp = await make_component(client, world)
    me = world.headers("participant")
    r = await client.post(
        comp.proposals, json={"title": TITLE, "body": BODY, "district": "Centre"}, headers=me
    )
    assert r.status_code == 201, r.text
    draft = r.json()
    assert r.headers["location"].endswith(f"/proposals/{draft['id']}")
    assert draft["status"] == "draft" and draft["reference"] is None and draft["editable"] is True
    assert draft["authors"] == [
        {"user_id": str(world.users["participant"].id), "name": "participant", "deleted": False}
    ]
    url = comp.proposal(draft["id"])
    for who in ("anonymous", "admin", "staff"):
        assert_problem(await client.get(url, headers=world.headers(who)), 404)
    assert (await client.get(url, headers=me)).status_code == 200
    listed = (await client.get(comp.proposals)).json()["items"]
    assert listed == []
    mine = (await client.get(comp.proposals, params={"status": "draft"}, headers=me)).json()["items"]
    assert [p["id"] for p in mine] == [draft["id"]]
    assert_problem(await client.get(comp.proposals, params={"status": "draft"}), 401)

    r = await client.post(url + "/publish", headers=me)
    assert r.status_code == 200, r.text
    published = r.json()
    year = datetime.now(UTC).year
    assert re.fullmatch(rf"ALP-PROP-{year}-0001", published["reference"]), published["reference"]
    assert published["status"] == "published" and published["published_at"]
    assert published["editable_until"] is not None
    assert (await client.get(url)).json()["reference"] == published["reference"]
    assert_problem(await client.post(url + "/publish", headers=me), 409)


async def test_references_are_unique_and_gapless_under_concurrent_publication(
    client: httpx.AsyncClient, world: World, db: Database, app: Any
) -> None:
    comp = await make_component(client, world)
    people = await make_people(db, 50)
    drafts = []
    for person in people:
        drafts.append((person, await create(client, comp, headers_of(app, person), publish=False)))
    responses = await asyncio.gather(
        *(client.post(comp.proposal(d["id"]) + "/publish", headers=headers_of(app, p)) for p, d in drafts)
    )
    assert all(r.status_code == 200 for r in responses), [r.text for r in responses if r.status_code != 200]
    numbers = sorted(int(r.json()["reference"].rsplit("-", 1)[1]) for r in responses)
    assert numbers == list(range(1, 51))


async def test_authors_edit_within_the_window_and_never_after_an_answer(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    comp = await make_component(client, world, settings={"edit_window_minutes": 30})
    me = world.headers("participant")
    proposal = await create(client, comp, me)
    url = comp.proposal(proposal["id"])
    r = await client.patch(url, json={"title": {"fr": "Un potager partagé"}}, headers=me)
    assert r.status_code == 200, r.text
    assert r.json()["title"] == {"fr": "Un potager partagé"}
    etag = r.headers["etag"]
    assert_problem(
        await client.patch(url, json={"title": {"fr": "X"}}, headers={**me, "If-Match": '"stale"'}), 412
    )
    assert (
        await client.patch(url, json={"district": "Nord"}, headers={**me, "If-Match": etag})
    ).status_code == 200
    # someone else, even an administrator, cannot edit a resident's proposal
    for who in ("staff", "admin"):
        body = assert_problem(
            await client.patch(url, json={"district": "Sud"}, headers=world.headers(who)), 403
        )
        assert body["reason"] == "not_an_author"
    # the window closes
    async with db.unit_of_work() as session:
        await session.execute(update(Proposal).values(published_at=datetime.now(UTC) - timedelta(minutes=31)))
    body = assert_problem(await client.patch(url, json={"district": "Sud"}, headers=me), 409)
    assert body["reason"] == "edit_window_closed"
    assert (await client.get(url, headers=me)).json()["editable"] is False


async def test_an_answered_proposal_cannot_be_edited(client: httpx.AsyncClient, world: World) -> None:
    comp = await make_component(client, world, settings={"edit_window_minutes": 60})
    me = world.headers("participant")
    proposal = await create(client, comp, me)
    url = comp.proposal(proposal["id"])
    r = await client.put(url + "/answer", json={"state": "evaluating"}, headers=world.headers("admin"))
    assert r.status_code == 200, r.text
    body = assert_problem(await client.patch(url, json={"district": "Sud"}, headers=me), 409)
    assert body["reason"] == "answer_published"
    assert_problem(await client.post(url + "/withdraw", headers=me), 409)


async def test_bad_input_is_refused_with_nothing_written(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    comp = await make_component(
        client,
        world,
        settings={"title_max_length": 20, "body_max_length": 100, "districts": ["Centre", "Nord"]},
    )
    me = world.headers("participant")
    before = await count_rows(db)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"title": TITLE, "body": BODY, "colour": "red"}, "extra_forbidden"),
        ({"title": {"fr": "x" * 21}, "body": BODY}, "string_too_long"),
        ({"title": TITLE, "body": {"fr": "x" * 101}}, "string_too_long"),
        ({"title": TITLE, "body": {"fr": "court"}}, "string_too_short"),
        ({"title": {"de": "Ein Garten"}, "body": BODY}, "unknown_locale"),
        ({"title": {}, "body": BODY}, "value_error"),
        ({"title": TITLE, "body": BODY, "district": "Ailleurs"}, "not_allowed"),
        ({"title": TITLE, "body": BODY, "latitude": 50.6, "longitude": 5.5}, "geolocation_disabled"),
        ({"title": TITLE, "body": BODY, "latitude": 91, "longitude": 5.5}, "less_than_equal"),
        ({"title": TITLE, "body": BODY, "latitude": 50.6}, "value_error"),
    ]
    for body, code in cases:
        r = await client.post(comp.proposals, json=body, headers=me)
        problem = assert_problem(r, 422)
        assert code in {e["code"] for e in problem["errors"]}, (body, problem)
    assert await count_rows(db) == before


async def test_geolocation_stores_coordinates(client: httpx.AsyncClient, world: World) -> None:
    comp = await make_component(client, world, settings={"geolocation_enabled": True})
    me = world.headers("participant")
    proposal = await create(
        client, comp, me, address="Place du Marché, Liège", latitude=50.6451, longitude=5.5736
    )
    assert (proposal["latitude"], proposal["longitude"]) == (50.6451, 5.5736)
    url = comp.proposal(proposal["id"])
    r = await client.patch(url, json={"latitude": None}, headers=me)
    assert assert_problem(r, 422)["errors"][0]["code"] == "coordinates"
    r = await client.patch(url, json={"latitude": None, "longitude": None, "address": None}, headers=me)
    assert r.status_code == 200 and r.json()["latitude"] is None


async def test_creation_follows_the_phase_and_the_limit(
    client: httpx.AsyncClient, world: World, db: Database, app: Any
) -> None:
    comp = await make_component(client, world, settings={"proposal_limit": 2})
    me = world.headers("participant")
    assert_problem(await client.post(comp.proposals, json={"title": TITLE, "body": BODY}), 401)
    first = await create(client, comp, me)
    await create(client, comp, me, publish=False)
    body = assert_problem(
        await client.post(comp.proposals, json={"title": TITLE, "body": BODY}, headers=me), 409
    )
    assert body["reason"] == "proposal_limit_reached"
    # withdrawing gives the slot back
    assert (await client.post(comp.proposal(first["id"]) + "/withdraw", headers=me)).status_code == 200
    await create(client, comp, me, publish=False)
    # 50 concurrent creations by one person at the limit - 1: the limit holds
    (person,) = await make_people(db, 1)
    h = headers_of(app, person)
    await create(client, comp, h, publish=False)
    responses = await asyncio.gather(
        *(client.post(comp.proposals, json={"title": TITLE, "body": BODY}, headers=h) for _ in range(50))
    )
    assert sorted(r.status_code for r in responses) == [201] + [409] * 49
    await configure(client, world, comp, step={"creation_enabled": False})
    body = assert_problem(
        await client.post(comp.proposals, json={"title": TITLE, "body": BODY}, headers=me), 403
    )
    assert body["reason"] == "creation_disabled"


async def test_requirements_gate_creation(client: httpx.AsyncClient, world: World) -> None:
    comp = await make_component(client, world, settings={"create_requirements": [{"handler": "desk"}]})
    me = world.headers("participant")
    body = assert_problem(
        await client.post(comp.proposals, json={"title": TITLE, "body": BODY}, headers=me), 403
    )
    assert body["reason"] == "requirements_not_met"
    assert body["requirement"]["status"] == "missing" and body["requirement"]["handler"] == "desk"
    r = await client.post(
        "/v1/communes/alpha/verifications/desk",
        json={"email": "participant@alpha.test.org", "identifier": "EM 1234567"},
        headers=world.headers("staff"),
    )
    assert r.status_code == 201, r.text
    await create(client, comp, me)


async def test_co_authors(client: httpx.AsyncClient, world: World) -> None:
    comp = await make_component(client, world, settings={"max_authors": 2})
    me, other = world.headers("participant"), world.headers("staff")
    proposal = await create(client, comp, me, publish=False)
    url = comp.proposal(proposal["id"])
    staff_id = str(world.users["staff"].id)
    assert_problem(
        await client.post(url + "/authors", json={"user_id": staff_id}, headers=other), 404
    )  # a draft
    r = await client.post(url + "/authors", json={"user_id": staff_id}, headers=me)
    assert r.status_code == 201, r.text
    assert r.json() == {"user_id": staff_id, "name": "staff", "deleted": False}
    assert (await client.get(url, headers=other)).status_code == 200  # co-authors see the draft
    body = assert_problem(
        await client.post(url + "/authors", json={"user_id": str(world.users["admin"].id)}, headers=other),
        409,
    )
    assert body["reason"] == "too_many_authors"
    assert_problem(await client.post(url + "/authors", json={"user_id": staff_id}, headers=me), 409)
    assert (await client.post(url + "/publish", headers=other)).status_code == 200
    assert (await client.delete(f"{url}/authors/{staff_id}", headers=other)).status_code == 204
    body = assert_problem(
        await client.delete(f"{url}/authors/{world.users['participant'].id}", headers=me), 409
    )
    assert body["reason"] == "last_author"


async def test_official_proposals(client: httpx.AsyncClient, world: World, db: Database) -> None:
    comp = await make_component(client, world)
    admin = world.headers("admin")
    body = {"title": TITLE, "body": BODY, "official": True}
    assert_problem(await client.post(comp.proposals, json=body, headers=world.headers("participant")), 403)
    proposal = await create(client, comp, admin, official=True, publish=False)
    assert proposal["official"] is True and proposal["authors"] == []
    url = comp.proposal(proposal["id"])
    listed = await client.get(comp.proposals, params={"status": "draft", "official": True}, headers=admin)
    assert [p["id"] for p in listed.json()["items"]] == [proposal["id"]]
    assert (await client.post(url + "/publish", headers=admin)).status_code == 200
    assert (await client.patch(url, json={"district": "Nord"}, headers=admin)).status_code == 200
    assert_problem(
        await client.patch(url, json={"district": "Sud"}, headers=world.headers("participant")), 403
    )
    r = await client.post(url + "/supports", headers=world.headers("participant"))
    assert r.status_code == 201, r.text
    problem = assert_problem(await client.patch(url, json={"district": "Sud"}, headers=admin), 409)
    assert problem["reason"] == "has_supports"
    await configure(client, world, comp, settings={"official_proposals_enabled": False})
    problem = assert_problem(await client.post(comp.proposals, json=body, headers=admin), 403)
    assert problem["reason"] == "official_proposals_disabled"


async def test_withdraw_and_delete(client: httpx.AsyncClient, world: World) -> None:
    comp = await make_component(client, world)
    me = world.headers("participant")
    draft = await create(client, comp, me, publish=False)
    assert_problem(await client.post(comp.proposal(draft["id"]) + "/withdraw", headers=me), 409)
    assert (await client.delete(comp.proposal(draft["id"]), headers=me)).status_code == 204
    assert_problem(await client.get(comp.proposal(draft["id"]), headers=me), 404)
    published = await create(client, comp, me)
    url = comp.proposal(published["id"])
    assert_problem(await client.delete(url, headers=me), 409)
    assert_problem(await client.post(url + "/withdraw", headers=world.headers("staff")), 403)
    r = await client.post(url + "/withdraw", headers=me)
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"
    assert (await client.get(comp.proposals)).json()["items"] == []
    withdrawn = (await client.get(comp.proposals, params={"status": "withdrawn"})).json()["items"]
    assert [p["id"] for p in withdrawn] == [published["id"]]


async def test_module_disabled_and_other_commune_are_404(client: httpx.AsyncClient, world: World) -> None:
    comp = await make_component(client, world)
    proposal = await create(client, comp, world.headers("participant"))
    beta = await make_component(client, world, commune="beta")
    # alpha's component and proposal through beta: not found
    wrong = Comp(commune="beta", process_id=beta.process_id, phase_id=beta.phase_id, id=comp.id)
    for url in (wrong.proposals, wrong.proposal(proposal["id"]), beta.proposal(proposal["id"])):
        assert_problem(await client.get(url, headers=world.headers("beta_admin")), 404)
    r = await client.patch(
        beta.proposal(proposal["id"]), json={"district": "X"}, headers=world.headers("platform")
    )
    assert_problem(r, 404)
    r = await client.delete("/v1/communes/alpha/modules/proposals", headers=world.headers("admin"))
    assert r.status_code == 204
    body = assert_problem(await client.get(comp.proposals), 404)
    assert body["type"] == "/problems/module-not-enabled"


async def test_every_change_leaves_an_audit_entry(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    comp = await make_component(client, world)
    me = world.headers("participant")
    proposal = await create(client, comp, me)
    await client.patch(comp.proposal(proposal["id"]), json={"district": "Nord"}, headers=me)
    async with db.unit_of_work() as session:
        entries = (
            await session.execute(
                select(AuditEntry.action, AuditEntry.visibility)
                .where(AuditEntry.resource_module == "proposals")
                .order_by(AuditEntry.created_at)
            )
        ).all()
    assert [tuple(e) for e in entries] == [
        ("proposals.proposal.create", "admin"),
        ("proposals.proposal.publish", "public"),
        ("proposals.proposal.update", "public"),
    ]
    history = await client.get(f"/v1/communes/alpha/history/proposals/proposal/{proposal['id']}")
    assert history.status_code == 200, history.text


async def test_the_limit_slot_stays_with_the_creator(client: httpx.AsyncClient, world: World) -> None:
    comp = await make_component(client, world, settings={"proposal_limit": 1})
    me, staff = world.headers("participant"), world.headers("staff")
    proposal = await create(client, comp, me, publish=False)
    url = comp.proposal(proposal["id"])
    r = await client.post(url + "/authors", json={"user_id": str(world.users["staff"].id)}, headers=me)
    assert r.status_code == 201
    assert (await client.post(url + "/publish", headers=me)).status_code == 200
    assert (
        await client.delete(f"{url}/authors/{world.users['participant'].id}", headers=me)
    ).status_code == 204
    body = assert_problem(
        await client.post(comp.proposals, json={"title": TITLE, "body": BODY}, headers=me), 409
    )
    assert body["reason"] == "proposal_limit_reached"  # leaving the authors does not free the slot
    assert (await client.post(url + "/withdraw", headers=staff)).status_code == 200
    await create(client, comp, me, publish=False)  # withdrawing gave it back to its creator
    await create(client, comp, staff, publish=False)  # and the co-author's own slot was never used
