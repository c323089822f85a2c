"""GDPR hooks: a person's proposals, supports and reviews exported; erasure keeps published proposals under
"deleted participant" and supports counted, and removes what only the person saw."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import delete

from civicapi.core.db.session import Database
from civicapi.identity.models import User
from tests.fixtures.factories import World
from tests.modules.proposals.helpers import create, make_component


async def test_export_and_erase(client: httpx.AsyncClient, world: World, db: Database, app: Any) -> None:
    comp = await make_component(client, world)
    me = world.headers("participant")
    person = world.users["participant"]
    published = await create(client, comp, me, title={"fr": "Mon idée"})
    draft = await create(client, comp, me, publish=False)
    shared = await create(client, comp, world.headers("staff"), publish=False)
    staff_id = str(world.users["staff"].id)
    r = await client.post(
        comp.proposal(shared["id"]) + "/authors",
        json={"user_id": str(person.id)},
        headers=world.headers("staff"),
    )
    assert r.status_code == 201
    official = await create(client, comp, world.headers("admin"), official=True)
    assert (await client.post(comp.proposal(official["id"]) + "/supports", headers=me)).status_code == 201
    module = app.state.registry.get("proposals")

    async with db.unit_of_work() as session:
        data = await module.export_personal_data(session, person.id)
    assert {p["id"] for p in data["proposals"]} == {published["id"], draft["id"], shared["id"]}
    assert [s["proposal_reference"] for s in data["supports"]] == [official["reference"]]
    assert data["reviews"] == []

    async with db.unit_of_work() as session:
        await module.erase_personal_data(session, person.id)
        await session.execute(delete(User).where(User.id == person.id))

    kept = (await client.get(comp.proposal(published["id"]))).json()
    assert kept["authors"] == [{"user_id": None, "name": "deleted participant", "deleted": True}]
    assert kept["title"] == {"fr": "Mon idée"}
    assert (await client.get(comp.proposal(official["id"]))).json()["supports_count"] == 1
    staff_view = (await client.get(comp.proposal(shared["id"]), headers=world.headers("staff"))).json()
    assert [a["user_id"] for a in staff_view["authors"]] == [
        staff_id
    ]  # the co-authored draft stays, without them
    rows = (await client.get(f"{comp.url}/export.json")).json()["items"]
    assert {r["id"] for r in rows} == {published["id"], official["id"]}
    assert [r["authors"] for r in rows if r["id"] == published["id"]] == [["deleted participant"]]
    async with db.unit_of_work() as session:
        again = await module.export_personal_data(session, person.id)
    assert again == {"proposals": [], "supports": [], "reviews": []}
