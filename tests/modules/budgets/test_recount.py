"""Anyone can recount a published vote: ``civicapi recount`` on the downloaded ballots file agrees with the
published results and digest, and names every difference when the file, the digest or the results were
changed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from civicapi.cli import main
from civicapi.config import Settings
from civicapi.modules.budgets.cli import _download
from civicapi.modules.budgets.results.recount import recount_as_published
from tests.fixtures.factories import World
from tests.modules.budgets.helpers import make_component
from tests.modules.budgets.pabulib_data import large_body_settings, load, published, read_bytes


@pytest.fixture
def settings(database_url: str) -> Settings:
    return large_body_settings(database_url)


async def _published_vote(
    client: httpx.AsyncClient, world: World, tmp_path: Path, name: str, count: dict[str, Any]
) -> tuple[Path, str, Path, str]:
    """Import ``name``, count it as ``count`` asks and download what a citizen can: the ballots file, its
    digest and the results."""
    comp = await make_component(client, world, settings={})
    r = await client.post(
        f"{comp.budgets}/pabulib",
        content=read_bytes(name),
        headers={**world.headers("admin"), "Content-Type": "text/plain; charset=utf-8"},
    )
    assert r.status_code == 201, r.text
    burl = comp.budget(r.json()["id"])
    r = await client.post(f"{burl}/count-runs", json=count, headers=world.headers("admin"))
    assert r.status_code == 201 and r.json()["status"] == "done", r.text
    ballots = await client.get(f"{burl}/ballots.pb")
    results = await client.get(f"{burl}/results")
    assert ballots.status_code == 200 and results.status_code == 200
    pb, res = tmp_path / "ballots.pb", tmp_path / "results.json"
    pb.write_bytes(ballots.content)
    res.write_text(results.text, encoding="utf-8")
    return pb, ballots.headers["X-Content-SHA256"], res, burl


@pytest.mark.parametrize(
    ("name", "count"),
    [
        ("Netherlands_Assen_2024.pb", {"rule": "mes_add1"}),
        ("Netherlands_Assen_2024.pb", {"rule": "mes", "compare_with_greedy": True}),
        ("Poland_Warszawa_2023_Praga-Polnoc.pb", {"rule": "greedy"}),
    ],
)
async def test_a_recount_of_the_downloaded_file_agrees_with_the_published_results(
    client: httpx.AsyncClient,
    app: Any,
    world: World,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    count: dict[str, Any],
) -> None:
    election = load(name)
    pb, sha, res, burl = await _published_vote(client, world, tmp_path, name, count)
    args = ["recount", str(pb), "--rule", count["rule"], "--sha256", sha, "--results", str(res)]
    if count.get("compare_with_greedy"):
        args.append("--compare-with-greedy")
    assert main(args) == 0
    out, err = capsys.readouterr()
    assert "AGREES" in err and "DIFFERS" not in err and sha in err
    outcome = json.loads(out)
    if count["rule"] != "mes":  # the city's own rule: the winners it published
        assert set(outcome["selected"]) == published(election)
    assert {p["code"] for p in json.loads(res.read_text())["projects"] if p["selected"]} == set(
        outcome["selected"]
    )
    if count.get("compare_with_greedy"):
        assert outcome["comparison"]["kept"] in {"mes", "greedy"}
        assert main(args[:-1]) == 1  # without the comparison, another count

    # Without --rule: the results say how they were counted.
    capsys.readouterr()
    assert main(["recount", str(pb), "--sha256", sha, "--results", str(res)]) == 0
    err = capsys.readouterr().err
    assert "AGREES" in err and "DIFFERS" not in err
    if not count.get("compare_with_greedy"):
        assert f"recounted with {count['rule']}\n" in err

    # What `--url` downloads: the same file, digest and results as a browser gets.
    data, served, published_results = await _download(
        f"http://testserver{burl}", transport=httpx.ASGITransport(app)
    )
    assert (data, served, published_results) == (pb.read_bytes(), sha, json.loads(res.read_text()))
    rule, compare, again = recount_as_published(data, published_results, sha256=served)
    assert again.agrees and again.outcome == outcome and compare == bool(count.get("compare_with_greedy"))
    assert rule.value == count["rule"] or compare  # (compared with greedy, mes and mes_add1 may agree alike)


async def test_a_recount_names_what_was_changed(
    client: httpx.AsyncClient, world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pb, sha, res, _url = await _published_vote(
        client, world, tmp_path, "Netherlands_Assen_2024.pb", {"rule": "mes_add1"}
    )
    capsys.readouterr()

    # Results edited after the count: a funded project shown as not funded.
    results = json.loads(res.read_text())
    flipped = next(p for p in results["projects"] if p["selected"])
    flipped["selected"] = False
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(results))
    assert main(["recount", str(pb), "--rule", "mes_add1", "--results", str(edited)]) == 1
    err = capsys.readouterr().err
    assert f"project {flipped['code']}: selected published False, recounted True" in err
    assert "DOES NOT AGREE" in err

    # Another rule than the published one.
    assert main(["recount", str(pb), "--rule", "greedy", "--results", str(res)]) == 1
    assert "rule: published" in capsys.readouterr().err

    # A ballots file that is not the one published: one vote left out.
    lines = pb.read_text(encoding="utf-8").splitlines(keepends=True)
    meta = [i for i, line in enumerate(lines) if line.startswith("num_votes;")]
    assert meta
    votes = int(lines[meta[0]].split(";")[1])
    lines[meta[0]] = f"num_votes;{votes - 1}\n"
    other = tmp_path / "other.pb"
    other.write_text("".join(lines[:-1]), encoding="utf-8")
    assert main(["recount", str(other), "--rule", "mes_add1", "--sha256", sha, "--results", str(res)]) == 1
    err = capsys.readouterr().err
    assert f"not {sha}" in err and "the results were counted from the ballots file" in err
    assert "voters: published" in err

    # Nothing to say how to count: no rule, no results.
    assert main(["recount", str(pb)]) == 2
    assert "give --rule" in capsys.readouterr().err
    # An edited result, without --rule: every count tried disagrees; the one named is the published rule's.
    assert main(["recount", str(pb), "--results", str(edited)]) == 1
    err = capsys.readouterr().err
    assert "DOES NOT AGREE: recounted with mes_add1" in err and f"project {flipped['code']}" in err

    # Not a ballots file at all.
    bad = tmp_path / "bad.pb"
    bad.write_text("hello", encoding="utf-8")
    assert main(["recount", str(bad), "--rule", "mes_add1"]) == 2
    assert "cannot recount" in capsys.readouterr().err


def test_a_server_that_does_not_answer_is_said_so(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["recount", "--url", "http://127.0.0.1:9/v1/communes/x/budgets/components/c/budgets/b"]) == 2
    assert "cannot recount" in capsys.readouterr().err
    assert main(["recount"]) == 2
