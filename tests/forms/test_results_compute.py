"""Results computed in SQL, against the same figures computed here from what was seeded (both backends)."""

from __future__ import annotations

import statistics
from collections import Counter
from typing import Any

from sqlalchemy import delete

from civicapi.core.db.session import Database
from civicapi.forms.models import Answer, Question, Questionnaire
from civicapi.forms.results import questionnaire_results
from civicapi.testing.resources import count_statements
from tests.fixtures.factories import World
from tests.forms.helpers import Built, every_type_questionnaire
from tests.forms.results_helpers import seed_responses


async def _results(db: Database, built: Built, **options: Any) -> dict[str, Any]:
    async with db.unit_of_work(readonly=True) as session:
        questionnaire = await session.get(Questionnaire, built.id)
        assert questionnaire is not None
        results = await questionnaire_results(session, questionnaire, published=True, **options)
    return results.model_dump(mode="json")


def _by_question(results: dict[str, Any], built: Built, name: str) -> dict[str, Any]:
    return next(q for q in results["questions"] if q["question_id"] == str(built.questions[name]))


async def test_results_match_the_answers(db: Database, world: World) -> None:
    built = await every_type_questionnaire(db, world.alpha.id)
    given = await seed_responses(db, world.alpha.id, built, 60)
    # test responses never count
    await seed_responses(db, world.alpha.id, built, 7, seed=9, is_test=True)
    results = await _results(db, built)
    assert results["responses"] == 60

    use = _by_question(results, built, "use")
    expected = Counter(g.answers["use"] for g in given)
    assert use["answered"] == 60
    assert [(o["option_id"], o["count"]) for o in use["options"]] == [
        (str(o), expected[o]) for o in built.options["use"]
    ]
    assert use["options"][0]["share"] == round(expected[built.options["use"][0]] / 60, 4)

    wishes = _by_question(results, built, "wishes")
    chosen = Counter(o for g in given for o in g.answers["wishes"])
    assert [o["count"] for o in wishes["options"]] == [chosen[o] for o in built.options["wishes"]]

    ranking = _by_question(results, built, "priorities")
    ranked = [g.answers["priorities"] for g in given if "priorities" in g.answers]
    assert ranking["answered"] == len(ranked)
    for score, option in zip(ranking["ranking"], built.options["priorities"], strict=True):
        positions = [order.index(option) + 1 for order in ranked]
        assert score["ranked"] == len(positions)
        assert score["mean_position"] == round(statistics.mean(positions), 4)
        assert score["borda"] == sum(3 - p for p in positions)

    rating = _by_question(results, built, "rating")
    for row_result, row in zip(rating["rows"], built.rows["rating"], strict=True):
        counts = Counter(g.answers["rating"][row] for g in given)
        assert row_result["row_id"] == str(row)
        assert [o["count"] for o in row_result["options"]] == [counts[o] for o in built.options["rating"]]
        assert sum(o["share"] for o in row_result["options"]) == sum(
            round(counts[o] / 60, 4) for o in built.options["rating"]
        )
    times = _by_question(results, built, "times")
    weekday = Counter(o for g in given for o in g.answers.get("times", {}).get(built.rows["times"][0], []))
    assert [o["count"] for o in times["rows"][0]["options"]] == [weekday[o] for o in built.options["times"]]

    ages = [g.answers["age"] for g in given if "age" in g.answers]
    number = _by_question(results, built, "age")["number"]
    assert number == {
        "count": len(ages),
        "min": min(ages),
        "max": max(ages),
        "mean": round(statistics.mean(ages), 6),
        "median": statistics.median(ages),
    }
    days = [g.answers["visit"] for g in given if "visit" in g.answers]
    assert _by_question(results, built, "visit")["date"] == {
        "count": len(days),
        "min": min(days).isoformat(),
        "max": max(days).isoformat(),
    }
    ideas = _by_question(results, built, "ideas")
    assert ideas["answered"] == sum("ideas" in g.answers for g in given)
    assert ideas["options"] is None and ideas["number"] is None
    assert _by_question(results, built, "intro")["answered"] == 0


async def test_median_of_even_and_odd_counts_and_empty_results(db: Database, world: World) -> None:
    built = await every_type_questionnaire(db, world.alpha.id)
    empty = await _results(db, built)
    assert empty["responses"] == 0
    assert _by_question(empty, built, "age")["number"] == {
        "count": 0,
        "min": None,
        "max": None,
        "mean": None,
        "median": None,
    }
    assert [o["share"] for o in _by_question(empty, built, "use")["options"]] == [0.0, 0.0, 0.0]
    given = await seed_responses(db, world.alpha.id, built, 5, seed=4)
    age = built.questions["age"]
    async with db.unit_of_work() as session:
        await session.execute(delete(Answer).where(Answer.question_id == age))
        for g, value in zip(given, [3, 1, 10, 4], strict=False):
            session.add(Answer(commune_id=world.alpha.id, response_id=g.id, question_id=age, number=value))
    assert _by_question(await _results(db, built), built, "age")["number"]["median"] == 3.5
    async with db.unit_of_work() as session:
        session.add(Answer(commune_id=world.alpha.id, response_id=given[4].id, question_id=age, number=120))
    assert _by_question(await _results(db, built), built, "age")["number"]["median"] == 4


async def test_a_constant_number_of_statements(db: Database, world: World, app: Any) -> None:
    small = await every_type_questionnaire(db, world.alpha.id)
    large = await every_type_questionnaire(db, world.alpha.id)
    # the larger questionnaire has three times the questions
    async with db.unit_of_work() as session:
        for copy in range(2):
            for position in range(11):
                session.add(
                    Question(
                        commune_id=world.alpha.id,
                        questionnaire_id=large.id,
                        page=3 + copy,
                        position=position,
                        question_type="number",
                        body={"fr": f"extra {copy} {position}"},
                    )
                )
    groups = [("Centre", "18-29"), ("Nord", "30-44"), (None, "45-64")]
    await seed_responses(db, world.alpha.id, small, 20, groups=groups)
    await seed_responses(db, world.alpha.id, large, 40, seed=3, groups=groups)
    with count_statements(app) as few:
        await _results(db, small)
    with count_statements(app) as many:
        results = await _results(db, large)
    assert len(results["questions"]) == 33
    assert len(few) == len(many)
