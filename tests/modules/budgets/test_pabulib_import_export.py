"""Verifiable results on real elections: each golden Pabulib file is imported through the API, its vote
counted with the city's rule, and the published winners come out; import → export → import keeps the
profile, and the export is canonical (same file, same bytes, same SHA-256)."""

from __future__ import annotations

import hashlib
from typing import Any

import httpx
import pytest

from civicapi.config import Settings
from civicapi.core.db.session import Database
from civicapi.modules.budgets.counting import Election, parse_pabulib
from tests.fixtures.factories import World
from tests.modules.budgets.helpers import Comp, assert_problem, count_rows, make_component
from tests.modules.budgets.pabulib_data import FILES, large_body_settings, load, published, read_text


@pytest.fixture
def settings(database_url: str) -> Settings:
    return large_body_settings(database_url)


async def _import(client: httpx.AsyncClient, world: World, comp: Comp, text: str) -> dict[str, Any]:
    r = await client.post(
        f"{comp.budgets}/pabulib",
        content=text.encode(),
        headers={**world.headers("admin"), "Content-Type": "text/plain; charset=utf-8"},
    )
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def _profile(election: Election) -> tuple[Any, ...]:
    return (election.budget, election.kind, election.projects, election.ballots)


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("Netherlands_Assen_2024.pb", "mes_add1"),
        ("Poland_Swiecie_2023.pb", "mes_add1"),
        ("Poland_Warszawa_2023_Praga-Polnoc.pb", "greedy"),
    ],
)
async def test_golden_elections_reproduce_the_published_winners(
    client: httpx.AsyncClient, world: World, name: str, rule: str
) -> None:
    original = load(name)
    comp = await make_component(client, world, settings={})
    imported = await _import(client, world, comp, read_text(name))
    assert imported["ballots"] == len(original.ballots) and imported["projects"] == len(original.projects)
    burl = comp.budget(imported["id"])
    budget = (await client.get(burl)).json()
    assert budget["closed_at"] and budget["origin"] == "pabulib" and budget["total_amount"] == original.budget
    r = await client.post(f"{burl}/count-runs", json={"rule": rule}, headers=world.headers("admin"))
    assert r.status_code == 201 and r.json()["status"] == "done", r.text
    results = (await client.get(f"{burl}/results")).json()
    winners = {p["code"] for p in results["projects"] if p["selected"]}
    assert winners == published(original)
    assert results["total_cost"] == sum(original.project(pid).cost for pid in published(original))
    assert all(p["reason"] for p in results["projects"] if not p["selected"])


@pytest.mark.parametrize("name", FILES)
async def test_import_export_import_keeps_the_profile(
    client: httpx.AsyncClient, world: World, name: str
) -> None:
    original = load(name)
    comp = await make_component(client, world, settings={})
    first = await _import(client, world, comp, read_text(name))
    r = await client.get(f"{comp.budget(first['id'])}/ballots.pb")
    assert r.status_code == 200
    exported = r.text
    assert hashlib.sha256(r.content).hexdigest() == first["ballots_sha256"] == r.headers["X-Content-SHA256"]
    assert _profile(parse_pabulib(exported)) == _profile(original)
    second = await _import(client, world, comp, exported)
    again = (await client.get(f"{comp.budget(second['id'])}/ballots.pb")).text
    assert again == exported and second["ballots_sha256"] == first["ballots_sha256"]


async def test_bad_files_and_callers_are_refused(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    comp = await make_component(client, world, settings={})
    before = await count_rows(db)
    for text in (
        "",
        "META\nkey;value\nbudget;10\nPROJECTS\nproject_id;cost\n1;5\nVOTES\nvoter_id;vote\n1;7\n",
    ):
        r = await client.post(
            f"{comp.budgets}/pabulib", content=text.encode(), headers=world.headers("admin")
        )
        assert_problem(r, 422)
    r = await client.post(f"{comp.budgets}/pabulib", content=b"\xff\xfe", headers=world.headers("admin"))
    assert_problem(r, 422)
    r = await client.post(f"{comp.budgets}/pabulib", content=b"META", headers=world.headers("participant"))
    assert_problem(r, 403)
    assert await count_rows(db) == before
