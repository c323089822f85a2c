"""Breakdowns by district and age band with small-group suppression (both backends)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from civicapi.core.db.session import Database
from tests.fixtures.factories import World
from tests.forms.helpers import every_type_questionnaire
from tests.forms.results_helpers import seed_responses
from tests.forms.test_results_compute import _results


def _groups(results: dict[str, Any], dimension: str) -> dict[str, Any]:
    breakdown: dict[str, Any] = next(b for b in results["breakdowns"] if b["dimension"] == dimension)
    return breakdown


async def test_small_groups_are_pooled_so_none_can_be_derived(db: Database, world: World) -> None:
    built = await every_type_questionnaire(db, world.alpha.id)
    groups = (
        [("Centre", "18-29")] * 12 + [("Nord", "30-44")] * 7 + [("Sud", "30-44")] * 3 + [(None, "65+")] * 2
    )
    given = await seed_responses(db, world.alpha.id, built, len(groups), groups=groups)
    results = await _results(db, built)
    district = _groups(results, "district")
    # Sud (3) and the unknown district (2) are under k=5: pooled into "other" (5), never shown alone
    assert [(g["group"], g["responses"]) for g in district["groups"]] == [
        ("Centre", 12),
        ("Nord", 7),
        ("other", 5),
    ]
    assert (district["min_group_size"], district["pooled"], district["withheld"]) == (5, 2, 0)
    centre = Counter(g.answers["use"] for g in given if g.district == "Centre")
    use = str(built.questions["use"])
    counts = {c["option_id"]: c["count"] for c in district["groups"][0]["counts"] if c["question_id"] == use}
    assert counts == {str(o): n for o, n in centre.items()}
    other = Counter(g.answers["use"] for g in given if g.district in ("Sud", None))
    counts = {c["option_id"]: c["count"] for c in district["groups"][2]["counts"] if c["question_id"] == use}
    assert counts == {str(o): n for o, n in other.items()}
    # age bands: 65+ (2) alone is too small for a pool, so the smallest shown group (30-44: 10) joins it
    ages = _groups(results, "age_band")
    assert [(g["group"], g["responses"]) for g in ages["groups"]] == [("18-29", 12), ("other", 12)]
    assert ages["pooled"] == 2
    # every group shown, and the total minus the groups shown, counts at least k
    for breakdown in results["breakdowns"]:
        shown = [g["responses"] for g in breakdown["groups"]]
        assert all(n >= 5 for n in shown)
        assert results["responses"] - sum(shown) in (0, *range(5, 100))


async def test_the_minimum_group_size_is_configurable(db: Database, world: World) -> None:
    built = await every_type_questionnaire(db, world.alpha.id)
    groups = [("Centre", None)] * 4 + [("Nord", None)] * 3
    await seed_responses(db, world.alpha.id, built, len(groups), groups=groups)
    shown = await _results(db, built, min_group_size=3)
    district = _groups(shown, "district")
    assert [(g["group"], g["responses"]) for g in district["groups"]] == [("Centre", 4), ("Nord", 3)]
    assert [(g["group"], g["responses"]) for g in _groups(shown, "age_band")["groups"]] == [("unknown", 7)]
    # with k=10, all the responses together are too few: no group at all
    hidden = _groups(await _results(db, built, min_group_size=10), "district")
    assert (hidden["groups"], hidden["pooled"], hidden["withheld"]) == ([], 2, 7)
