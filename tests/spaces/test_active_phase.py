"""The active phase: chosen by the phases' dates in the commune's time zone, or pinned by an administrator."""

from __future__ import annotations

from typing import Any

import httpx

from tests.fixtures.factories import World
from tests.spaces.helpers import (
    DAY,
    assert_problem,
    brussels_today,
    create_phase,
    create_process,
    phases_url,
    process_url,
    processes_url,
    today_in,
)


async def _active(client: httpx.AsyncClient, world: World, process_id: str) -> tuple[str | None, bool]:
    body = (await client.get(process_url(process_id), headers=world.headers("admin"))).json()
    return body["active_phase_id"], body["active_phase_pinned"]


async def _pin(
    client: httpx.AsyncClient, world: World, process_id: str, phase_id: str | None, who: str = "admin"
) -> httpx.Response:
    url = process_url(process_id) + "/active-phase"
    return await client.put(url, json={"phase_id": phase_id}, headers=world.headers(who))


async def test_the_phase_whose_dates_contain_today_is_active(client: httpx.AsyncClient, world: World) -> None:
    today = brussels_today()
    process = await create_process(client, world, publish=True)
    pid = process["id"]
    await create_phase(client, world, pid, today - 30 * DAY, today - DAY)
    current = await create_phase(client, world, pid, today - 2 * DAY, today + 2 * DAY)
    await create_phase(client, world, pid, today + DAY, today + 30 * DAY)
    body = (await client.get(process_url(pid))).json()  # anonymous reads a published process
    assert body["active_phase_id"] == current["id"] and body["active_phase_pinned"] is False
    listed = (await client.get(processes_url())).json()["items"]
    assert [(p["id"], p["active_phase_id"]) for p in listed] == [(pid, current["id"])]


async def test_phase_boundaries_are_inclusive_calendar_days(client: httpx.AsyncClient, world: World) -> None:
    today = brussels_today()
    for start, end, active in (
        (0, 0, True),  # a one-day phase, today
        (-5, 0, True),  # ends today: the end date is inclusive
        (0, 5, True),  # starts today
        (-5, -1, False),  # ended yesterday
        (1, 5, False),  # starts tomorrow
    ):
        process = await create_process(client, world, f"p{start}-{end}".replace("-", "m"))
        phase = await create_phase(client, world, process["id"], today + start * DAY, today + end * DAY)
        expected = (phase["id"] if active else None, False)
        assert await _active(client, world, process["id"]) == expected, (start, end)


async def test_no_phase_today_means_no_active_phase(client: httpx.AsyncClient, world: World) -> None:
    today = brussels_today()
    process = await create_process(client, world)
    await create_phase(client, world, process["id"], today - 20 * DAY, today - 10 * DAY)
    await create_phase(client, world, process["id"], today + 10 * DAY, today + 20 * DAY)
    assert await _active(client, world, process["id"]) == (None, False)


async def test_overlapping_phases_the_lowest_position_wins(client: httpx.AsyncClient, world: World) -> None:
    today = brussels_today()
    process = await create_process(client, world)
    pid = process["id"]
    later = await create_phase(client, world, pid, today - DAY, today + DAY, position=4)
    first = await create_phase(client, world, pid, today, today + 9 * DAY, position=1)
    assert await _active(client, world, pid) == (first["id"], False)
    h = world.headers("admin")
    r = await client.patch(f"{phases_url(pid)}/{first['id']}", json={"position": 6}, headers=h)
    assert r.status_code == 200
    assert await _active(client, world, pid) == (later["id"], False)


async def test_moving_a_phase_dates_moves_the_active_phase(client: httpx.AsyncClient, world: World) -> None:
    today = brussels_today()
    process = await create_process(client, world)
    pid = process["id"]
    phase = await create_phase(client, world, pid, today + 3 * DAY, today + 9 * DAY)
    assert await _active(client, world, pid) == (None, False)
    r = await client.patch(
        f"{phases_url(pid)}/{phase['id']}", json={"start_date": str(today)}, headers=world.headers("admin")
    )
    assert r.status_code == 200, r.text
    assert await _active(client, world, pid) == (phase["id"], False)


async def test_today_is_taken_in_the_communes_time_zone(client: httpx.AsyncClient, world: World) -> None:
    # Kiritimati is UTC+14 and Pago Pago UTC-11: 25 hours apart, their calendar dates always differ.
    east, west = "Pacific/Kiritimati", "Pacific/Pago_Pago"
    east_today, west_today = today_in(east), today_in(west)
    assert east_today > west_today
    process = await create_process(client, world)
    pid = process["id"]
    in_east = await create_phase(client, world, pid, east_today, east_today)
    in_west = await create_phase(client, world, pid, west_today, west_today)
    h = world.headers("admin")
    for tz, expected in ((east, in_east), (west, in_west)):
        r = await client.patch("/v1/communes/alpha", json={"timezone": tz}, headers=h)
        assert r.status_code == 200, r.text
        assert today_in(tz) == (east_today if tz == east else west_today), "the day changed mid-test"
        assert await _active(client, world, pid) == (expected["id"], False), tz


async def test_pinning_overrides_the_dates_and_null_returns_to_them(
    client: httpx.AsyncClient, world: World
) -> None:
    today = brussels_today()
    process = await create_process(client, world)
    pid = process["id"]
    past = await create_phase(client, world, pid, today - 30 * DAY, today - 10 * DAY)
    current = await create_phase(client, world, pid, today - DAY, today + DAY)
    r = await _pin(client, world, pid, past["id"])
    assert r.status_code == 200, r.text
    assert (r.json()["active_phase_id"], r.json()["active_phase_pinned"]) == (past["id"], True)
    assert await _active(client, world, pid) == (past["id"], True)
    # pinning the phase the dates would choose anyway still reads as pinned
    r = await _pin(client, world, pid, current["id"], who="platform")
    assert r.status_code == 200
    assert await _active(client, world, pid) == (current["id"], True)
    r = await _pin(client, world, pid, None)
    assert r.status_code == 200
    assert (r.json()["active_phase_id"], r.json()["active_phase_pinned"]) == (current["id"], False)
    assert await _active(client, world, pid) == (current["id"], False)


async def test_pinning_works_without_any_phase_in_dates(client: httpx.AsyncClient, world: World) -> None:
    today = brussels_today()
    process = await create_process(client, world)
    future = await create_phase(client, world, process["id"], today + 10 * DAY, today + 20 * DAY)
    assert (await _pin(client, world, process["id"], future["id"])).status_code == 200
    assert await _active(client, world, process["id"]) == (future["id"], True)
    assert (await _pin(client, world, process["id"], None)).status_code == 200
    assert await _active(client, world, process["id"]) == (None, False)


async def test_deleting_the_pinned_phase_unpins(client: httpx.AsyncClient, world: World) -> None:
    today = brussels_today()
    process = await create_process(client, world)
    pid = process["id"]
    current = await create_phase(client, world, pid, today, today)
    future = await create_phase(client, world, pid, today + 10 * DAY, today + 20 * DAY)
    assert (await _pin(client, world, pid, future["id"])).status_code == 200
    r = await client.delete(f"{phases_url(pid)}/{future['id']}", headers=world.headers("admin"))
    assert r.status_code == 204
    assert await _active(client, world, pid) == (current["id"], False)


async def test_pinning_a_phase_not_of_this_process_is_422(client: httpx.AsyncClient, world: World) -> None:
    today = brussels_today()
    process = await create_process(client, world, "mine")
    pid = process["id"]
    current = await create_phase(client, world, pid, today, today)
    other = await create_process(client, world, "other")
    other_phase = await create_phase(client, world, other["id"], today, today)
    beta = await create_process(client, world, "beta-one", commune="beta", who="beta_admin")
    beta_phase = await create_phase(client, world, beta["id"], today, today, commune="beta", who="beta_admin")
    unknown = ["00000000-0000-4000-8000-000000000000", other_phase["id"], beta_phase["id"]]
    malformed: list[dict[str, Any]] = [{"phase_id": "not-a-uuid"}, {}, {"phase_id": None, "extra": 1}]
    for body in [{"phase_id": u} for u in unknown] + malformed:
        r = await client.put(process_url(pid) + "/active-phase", json=body, headers=world.headers("platform"))
        problem = assert_problem(r, 422, type_="/problems/invalid-input")
        assert problem["errors"], body
        if body.get("phase_id") in unknown:
            assert problem["reason"] == "unknown_phase", body
            assert [e["location"] for e in problem["errors"]] == [["body", "phase_id"]], body
        assert await _active(client, world, pid) == (current["id"], False), body
    assert await _active(client, world, other["id"]) == (other_phase["id"], False)
    beta_read = await client.get(process_url(beta["id"], "beta"), headers=world.headers("beta_admin"))
    assert beta_read.json()["active_phase_id"] == beta_phase["id"]


async def test_pinning_rights(client: httpx.AsyncClient, world: World) -> None:
    today = brussels_today()
    process = await create_process(client, world, publish=True)
    pid = process["id"]
    current = await create_phase(client, world, pid, today, today)
    future = await create_phase(client, world, pid, today + DAY, today + 2 * DAY)
    for who, status in (("anonymous", 401), ("participant", 403), ("staff", 403), ("beta_admin", 403)):
        assert_problem(await _pin(client, world, pid, future["id"], who=who), status)
    assert await _active(client, world, pid) == (current["id"], False)
    # through another commune's path the process does not exist, whoever asks
    for who in ("beta_admin", "platform"):
        r = await client.put(
            process_url(pid, "beta") + "/active-phase",
            json={"phase_id": future["id"]},
            headers=world.headers(who),
        )
        assert_problem(r, 404)
    assert await _active(client, world, pid) == (current["id"], False)
