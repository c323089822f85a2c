"""The commune's directory of meetings and a component's list: what each caller may see (published
components of published processes; drafts, private and transparent meetings), the filters, keyset pages in
start order, and a constant number of statements per page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from civicapi.core.db.session import Database
from civicapi.core.i18n import fold
from tests.fixtures.factories import World
from tests.modules.agenda.helpers import Comp, assert_problem, insert_meeting, make_component
from tests.modules.agenda.meetings_helpers import register_as
from tests.modules.proposals.test_lists import _all_pages as all_pages  # the walk over a list's pages
from tests.modules.proposals.test_lists import count_queries  # the statement counter of list tests

DIRECTORY = "/v1/communes/alpha/agenda/meetings"


def _at(days: float) -> datetime:
    """Noon UTC, ``days`` from today (negative: in the past)."""
    today = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    return today + timedelta(days=days)


async def _world(client: httpx.AsyncClient, world: World, db: Database) -> tuple[Comp, Comp, dict[str, str]]:
    """Two published agenda components of two processes, and an unpublished one; meetings named by role."""
    one = await make_component(client, world, settings={"participant_meetings_enabled": True})
    two = await make_component(client, world, slug="workshops")
    hidden = await make_component(client, world, slug="hidden", publish=False)
    participant = world.users["participant"].id

    async def meeting(comp: Comp, days: float, title: str, **fields: Any) -> str:
        return str(
            await insert_meeting(
                db, comp, start_at=_at(days), title={"fr": title}, search_text=fold(title), **fields
            )
        )

    made = {
        "soon": await meeting(one, 1, "Assemblée Centre", category="mobilité", district="Centre"),
        "other": await meeting(two, 2, "Atelier potager", district="Nord"),
        "online": await meeting(
            one, 4, "Webinaire", meeting_type="online", address=None, online_url="https://meet.jit.si/w"
        ),
        "later": await meeting(one, 40, "Fête de quartier", category="culture"),
        "past": await meeting(one, -3, "Bilan de l'année"),
        "older": await meeting(two, -10, "Visite de chantier"),
        "draft": await meeting(
            one, 3, "Mon brouillon", status="draft", official=False, author_id=participant
        ),
        "private": await meeting(one, 5, "Réunion privée", private=True),
        "guest": await meeting(one, 6, "Réunion des invités", private=True),
        "transparent": await meeting(one, 7, "Réunion transparente", private=True, transparent=True),
        "unpublished": await meeting(hidden, 2, "Invisible"),
    }
    await register_as(db, world, made["guest"], {"participant": "registered"})
    await register_as(db, world, made["soon"], {"participant": "waiting"})
    await register_as(db, world, made["later"], {"participant": "cancelled"})
    return one, two, made


async def _walk(client: httpx.AsyncClient, url: str, who: dict[str, str], **params: Any) -> list[str]:
    """Every page of a list, its ids in order (following ``next_cursor`` and the ``Link`` header)."""
    return await all_pages(client, url, params, who)


async def test_the_directory_shows_each_caller_what_they_may_see_in_start_order(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    one, two, m = await _world(client, world, db)
    anonymous: dict[str, str] = {}
    names = {v: k for k, v in m.items()}

    def named(ids: list[str]) -> list[str]:
        return [names[i] for i in ids]

    upcoming = ["soon", "other", "online", "transparent", "later"]
    assert named(await _walk(client, DIRECTORY, anonymous, limit=2)) == upcoming
    assert named(await _walk(client, DIRECTORY, anonymous, when="past")) == ["past", "older"]
    assert named(await _walk(client, DIRECTORY, world.headers("participant"))) == [
        "soon",
        "other",
        "draft",
        "online",
        "guest",
        "transparent",
        "later",
    ]
    staff = named(await _walk(client, DIRECTORY, world.headers("staff")))
    assert staff == ["soon", "other", "draft", "online", "private", "guest", "transparent", "later"]

    page = (await client.get(DIRECTORY)).json()["items"]
    transparent = next(i for i in page if i["id"] == m["transparent"])
    assert transparent["details_hidden"] is True and transparent["address"] is None

    # A component's own list: the same rule, one component.
    assert named(await _walk(client, two.meetings, anonymous, when="past")) == ["older"]
    assert named(await _walk(client, one.meetings, anonymous)) == ["soon", "online", "transparent", "later"]
    assert named(await _walk(client, DIRECTORY, anonymous, component_id=two.id)) == ["other"]

    # Another commune's directory shows none of alpha's meetings.
    await client.put("/v1/communes/beta/modules/agenda", json={}, headers=world.headers("beta_admin"))
    r = await client.get("/v1/communes/beta/agenda/meetings", headers=world.headers("beta_admin"))
    assert r.status_code == 200 and r.json()["items"] == []


async def test_the_directory_filters(client: httpx.AsyncClient, world: World, db: Database) -> None:
    one, _two, m = await _world(client, world, db)
    names = {v: k for k, v in m.items()}
    me = world.headers("participant")

    async def seen(*, who: dict[str, str] | None = None, url: str = DIRECTORY, **params: str) -> list[str]:
        if "start" in params:
            params["from"] = params.pop("start")  # a Python keyword
        return [names[i] for i in await _walk(client, url, who or {}, **params)]

    assert await seen(type="online") == ["online"]
    assert await seen(district="Nord") == ["other"]
    assert await seen(category="culture") == ["later"]
    assert await seen(q="ATELIER") == ["other"]
    assert await seen(q="réunion transparente") == []  # its text is for its guests
    assert await seen(who=world.headers("staff"), q="réunion transparente") == ["transparent"]
    assert await seen(who=me, q="reunion") == ["guest"]
    assert await seen(q="100%") == []
    day = _at(2).date().isoformat()
    assert await seen(start=day, to=day) == ["other"]
    assert await seen(start=_at(4).date().isoformat()) == ["online", "transparent", "later"]
    assert await seen(when="past", to=_at(-5).date().isoformat()) == ["older"]
    assert await seen(who=me, mine="registered") == ["soon", "guest"]
    assert await seen(who=me, url=one.meetings, mine="registered", category="mobilité") == ["soon"]
    assert await seen(who=world.headers("staff"), status="draft") == ["draft"]

    assert_problem(await client.get(DIRECTORY, params={"mine": "registered"}), 401)
    for bad in (
        {"from": "2027-02-01", "to": "2027-01-01"},
        {"type": "party"},
        {"when": "soon"},
        {"cursor": "not-a-cursor"},
        {"sort": "title"},
        {"limit": 500},
    ):
        assert_problem(await client.get(DIRECTORY, params=bad), 422)


async def test_a_page_costs_the_same_statements_whatever_its_size(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    comp = await make_component(client, world)
    for day in range(30):
        meeting = await insert_meeting(db, comp, start_at=_at(day + 1), private=day % 3 == 0)
        if day % 3 == 0:
            await register_as(db, world, meeting, {"participant": "registered"})
    me = world.headers("participant")
    counts = {}
    for limit in (2, 25):
        await client.get(DIRECTORY, params={"limit": limit}, headers=me)  # warm caches (commune, keys)
        with count_queries(db) as seen:
            r = await client.get(DIRECTORY, params={"limit": limit}, headers=me)
        assert r.status_code == 200 and len(r.json()["items"]) == limit
        counts[limit] = len(seen)
    assert counts[2] == counts[25], counts
    assert counts[25] <= 4, counts
