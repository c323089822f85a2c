"""Real Pabulib files come in: past the general body limit (import routes have their own), gzip-compressed
(by header or magic bytes; a zip bomb is a 413), with what the format allows normalised and said in
``warnings`` (a project approved twice, ``vote_type choose-1``), and parsed off the event loop."""

from __future__ import annotations

import gzip
from typing import Any

import httpx
import pytest

from civicapi.config import Settings
from tests.fixtures.factories import World
from tests.fixtures.loop import slowest_wait_during
from tests.modules.budgets.helpers import Comp, assert_problem, make_component
from tests.modules.budgets.pabulib_data import golden_names, read_bytes

MIB = 1_048_576


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The production body limit (1 MiB) and a small import limit, so that a bomb is cheap to build."""
    return settings.model_copy(update={"max_body_bytes": MIB, "max_import_bytes": 4 * MIB})


def _file(voters: int, *, vote_type: str = "approval", votes: tuple[str, ...] = ("1,2",)) -> str:
    """A Pabulib file of ``voters`` ballots (long voter ids make a large file with few rows)."""
    lines = ["META", "key;value", "description;Synthetic city", "budget;100000", f"vote_type;{vote_type}"]
    lines += ["PROJECTS", "project_id;cost;name"] + [f"{p};{p * 1000};Project {p}" for p in range(1, 6)]
    lines += ["VOTES", "voter_id;vote"]
    lines += [f"voter-{v:07d}-{'x' * 40};{votes[v % len(votes)]}" for v in range(voters)]
    return "\n".join(lines) + "\n"


async def _post(
    client: httpx.AsyncClient, world: World, comp: Comp, body: bytes, **headers: str
) -> httpx.Response:
    return await client.post(
        f"{comp.budgets}/pabulib", content=body, headers={**world.headers("admin"), **headers}
    )


def _created(r: httpx.Response, comp: Comp) -> dict[str, Any]:
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    assert r.headers["Location"] == comp.budget(body["id"])
    assert body["title"]
    return body


async def test_an_import_past_the_general_body_limit_is_accepted_and_other_routes_keep_it(
    client: httpx.AsyncClient, world: World
) -> None:
    comp = await make_component(client, world, settings={})
    text = _file(20_000)
    assert MIB < len(text.encode()) < 4 * MIB
    body = _created(await _post(client, world, comp, text.encode()), comp)
    assert body["ballots"] == 20_000 and body["warnings"] == []
    assert body["title"] == {"fr": "Synthetic city"}
    budget = (await client.get(comp.budget(body["id"]), headers=world.headers("admin"))).json()
    assert budget["origin"] == "pabulib"
    # the larger limit is the import route's only
    r = await client.post("/v1/auth/token", content=b"{" + b" " * (MIB + 10) + b"}")
    assert_problem(r, 413)
    # and past the import limit, the import route refuses too
    r = await _post(client, world, comp, _file(80_000).encode())
    assert_problem(r, 413)
    assert r.json()["max_bytes"] == 4 * MIB


async def test_a_gzip_file_is_read_by_header_or_magic_bytes_and_a_bomb_is_a_413(
    client: httpx.AsyncClient, world: World
) -> None:
    comp = await make_component(client, world, settings={})
    packed = gzip.compress(_file(20_000).encode())
    assert len(packed) < MIB
    by_header = _created(await _post(client, world, comp, packed, **{"Content-Encoding": "gzip"}), comp)
    by_magic = _created(await _post(client, world, comp, packed), comp)
    assert by_header["ballots"] == by_magic["ballots"] == 20_000
    assert by_header["ballots_sha256"] == by_magic["ballots_sha256"]
    bomb = gzip.compress(b"META\n" + b"\n" * (64 * MIB))
    assert len(bomb) < 100_000
    r = await _post(client, world, comp, bomb, **{"Content-Encoding": "gzip"})
    assert_problem(r, 413)
    assert r.json()["max_bytes"] == 4 * MIB
    assert_problem(await _post(client, world, comp, packed[: len(packed) // 2]), 422)
    r = await _post(client, world, comp, packed, **{"Content-Encoding": "br"})
    assert_problem(r, 422)


async def test_what_the_format_allows_is_imported_with_warnings(
    client: httpx.AsyncClient, world: World
) -> None:
    comp = await make_component(client, world, settings={})
    # a project approved twice on a ballot counts once (Amsterdam 604; pabutools reads it)
    twice = _created(await _post(client, world, comp, _file(10, votes=("1,2", "3,3")).encode()), comp)
    assert twice["ballots"] == 10
    assert len(twice["warnings"]) == 1 and "approve a project twice" in twice["warnings"][0]
    pb = (await client.get(f"{comp.budget(twice['id'])}/ballots.pb")).text
    assert pb.count(";3\n") == 5  # voter ...;3 once, not 3,3
    # vote_type choose-1 (Amsterdam 643) reads as approval, one project a ballot
    one = _created(
        await _post(client, world, comp, _file(6, vote_type="choose-1", votes=("1", "4")).encode()), comp
    )
    assert one["ballots"] == 6 and "choose-1" in one["warnings"][0]
    r = await client.get(f"{comp.budget(one['id'])}/ballots.pb")
    assert r.status_code == 200 and "vote_type;approval" in r.text
    # what the format does not allow is still refused
    assert_problem(await _post(client, world, comp, _file(3, vote_type="scoring").encode()), 422)


async def test_every_real_file_imports_gzip_compressed(client: httpx.AsyncClient, world: World) -> None:
    """Every file of ../shared/pabulib (the Amsterdam ones among them when present) imports."""
    comp = await make_component(client, world, settings={})
    for name in golden_names():
        packed = gzip.compress(read_bytes(name))
        body = _created(await _post(client, world, comp, packed, **{"Content-Encoding": "gzip"}), comp)
        assert body["ballots"] > 0, name


async def test_the_event_loop_serves_requests_while_a_large_file_is_parsed(
    client: httpx.AsyncClient, world: World
) -> None:
    comp = await make_component(client, world, settings={})
    body = _file(60_000, votes=("1,2,3", "2,4", "5")).encode()
    packed = gzip.compress(body)
    r, took, slowest = await slowest_wait_during(
        client, _post(client, world, comp, packed, **{"Content-Encoding": "gzip"})
    )
    _created(r, comp)
    assert took > 1.0, f"the import took {took:.2f} s: too short to show anything"
    # parsed on the loop, this file holds it about 2 s; off the loop, the wait is the GIL's switching
    assert slowest < 1.0, f"/health/live waited {slowest:.2f} s while the import ran ({took:.2f} s)"


@pytest.mark.parametrize("announced", [True, False])
async def test_a_nul_inside_a_gzip_file_is_refused_once_decompressed(
    client: httpx.AsyncClient, world: World, announced: bool
) -> None:
    """The storable-text check cannot see inside a compressed body: the upload reader checks it once
    decompressed (a NUL reaching a project's name would be a 500 on PostgreSQL)."""
    comp = await make_component(client, world, settings={})
    packed = gzip.compress(_file(10).replace("Project", "Pro\x00ject", 1).encode())
    headers = {"Content-Encoding": "gzip"} if announced else {}
    r = await _post(client, world, comp, packed, **headers)
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["code"] == "unstorable_character"


async def test_a_bulk_import_leaves_postgresql_fresh_statistics_of_the_ballots(
    client: httpx.AsyncClient, world: World, backend: str, db: Any
) -> None:
    """Statistics saying the ballot tables are empty made PostgreSQL read a large import back by nested
    loops over every row (minutes for 60,000 ballots): the import refreshes them."""
    if backend != "postgresql":
        pytest.skip("PostgreSQL's planner statistics")
    from sqlalchemy import text

    comp = await make_component(client, world, settings={})
    _created(await _post(client, world, comp, _file(1_500).encode()), comp)
    async with db.unit_of_work() as session:
        known = (
            await session.execute(text("SELECT reltuples FROM pg_class WHERE relname = 'budgets_ballot'"))
        ).scalar_one()
    assert known >= 1_000
