"""Proposals write their points into the places index: created with a point -> a row (unpublished while a
draft) with the district adopted when none was given; published, moved, answered, supported, withdrawn,
the point removed; a deleted draft leaves no row; an import writes its points."""

from __future__ import annotations

import httpx

from civicapi.core.db.session import Database
from tests.fixtures.factories import World
from tests.modules.proposals.helpers import OPEN_STEP, create, make_component
from tests.places.integration_helpers import CENTRE, IN_CENTRE, IN_OUTREMEUSE, OUTREMEUSE, place
from tests.places.test_index import add_district

GEO = {"geolocation_enabled": True}


async def test_a_proposal_keeps_its_place_in_the_index(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    await add_district(db, world.alpha.id, "centre", CENTRE)
    await add_district(db, world.alpha.id, "outremeuse", OUTREMEUSE)
    comp = await make_component(client, world, settings=GEO, step={**OPEN_STEP, "answering_enabled": True})
    me, admin = world.headers("participant"), world.headers("admin")
    draft = await create(
        client, comp, me, publish=False, address="Place du Marché", category="nature", **IN_CENTRE
    )
    assert draft["district"] == "centre"  # adopted from the point
    row = await place(db, "proposals", "proposal", draft["id"])
    assert row is not None and row["published"] is False and row["status"] == "draft"
    assert (row["latitude"], row["longitude"], row["district"]) == (50.64, 5.57, "centre")
    assert row["address"] == "Place du Marché" and row["category"] == "nature"
    assert row["component_id"] == comp.id and row["commune_id"] == world.alpha.id

    url = comp.proposal(draft["id"])
    r = await client.post(url + "/publish", headers=me)
    assert r.status_code == 200, r.text
    row = await place(db, "proposals", "proposal", draft["id"])
    assert row is not None and row["published"] is True and row["status"] == "published"
    assert row["occurs_at"] is not None and row["figures"] == {"supports": 0}

    r = await client.patch(url, json={**IN_OUTREMEUSE, "title": {"fr": "Déplacé"}}, headers=me)
    assert r.status_code == 200, r.text
    assert r.json()["district"] == "outremeuse"
    row = await place(db, "proposals", "proposal", draft["id"])
    assert row is not None and row["district"] == "outremeuse" and row["title"] == {"fr": "Déplacé"}

    r = await client.post(url + "/supports", headers=world.headers("staff"))
    assert r.status_code in (200, 201), r.text
    assert (await place(db, "proposals", "proposal", draft["id"]) or {})["figures"] == {"supports": 1}

    r = await client.put(url + "/answer", json={"state": "evaluating"}, headers=admin)
    assert r.status_code == 200, r.text
    assert (await place(db, "proposals", "proposal", draft["id"]) or {})["status"] == "evaluating"


async def test_a_district_given_is_kept_and_a_removed_point_or_deleted_draft_leaves_no_row(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    await add_district(db, world.alpha.id, "centre", CENTRE)
    comp = await make_component(client, world, settings=GEO)
    me = world.headers("participant")
    given = await create(client, comp, me, publish=False, district="Nord", **IN_CENTRE)
    assert given["district"] == "Nord"
    assert (await place(db, "proposals", "proposal", given["id"]) or {})["district"] == "centre"
    r = await client.patch(comp.proposal(given["id"]), json={"latitude": None, "longitude": None}, headers=me)
    assert r.status_code == 200, r.text
    assert await place(db, "proposals", "proposal", given["id"]) is None

    draft = await create(client, comp, me, publish=False, **IN_CENTRE)
    assert await place(db, "proposals", "proposal", draft["id"]) is not None
    r = await client.delete(comp.proposal(draft["id"]), headers=me)
    assert r.status_code == 204, r.text
    assert await place(db, "proposals", "proposal", draft["id"]) is None
    nowhere = await create(client, comp, me, publish=False, latitude=50.7, longitude=5.7)
    assert nowhere["district"] is None
    assert (await place(db, "proposals", "proposal", nowhere["id"]) or {})["district"] is None

    published = await create(client, comp, me, **IN_CENTRE)
    assert (await place(db, "proposals", "proposal", published["id"]) or {})["published"] is True
    r = await client.post(comp.proposal(published["id"]) + "/withdraw", headers=me)
    assert r.status_code == 200, r.text
    row = await place(db, "proposals", "proposal", published["id"])
    assert row is not None and row["published"] is False and row["status"] == "withdrawn"


async def test_imported_proposals_are_on_the_map_with_their_districts(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    await add_district(db, world.alpha.id, "centre", CENTRE)
    comp = await make_component(client, world, settings=GEO)
    text = (
        "title_fr;body_fr;district;latitude;longitude\n"
        "Un jardin;Un jardin partagé au centre.;;50.64;5.57\n"
        "Des bancs;Des bancs le long du fleuve.;Nord;50.64;5.57\n"
        "Sans lieu;Une idée sans lieu.;;;\n"
    )
    r = await client.post(
        f"{comp.url}/import",
        content=text.encode(),
        headers={"Content-Type": "text/csv; charset=utf-8", **world.headers("admin")},
    )
    assert r.status_code == 200, r.text
    garden, benches, nowhere = r.json()["proposal_ids"]
    for proposal_id, district in ((garden, "centre"), (benches, "Nord")):
        read = (await client.get(comp.proposal(proposal_id))).json()
        assert read["district"] == district
        row = await place(db, "proposals", "proposal", proposal_id)
        assert row is not None and row["published"] is True and row["district"] == "centre"
    assert await place(db, "proposals", "proposal", nowhere) is None
