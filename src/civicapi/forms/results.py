"""A questionnaire's results: per question, counts per option (and share), matrices (counts per row and
option), rankings (mean position and Borda score), number statistics (count, min, max, mean, median),
dates (count, min, max); written answers are listed page by page (:func:`text_answers`), hidden ones only
to the questionnaire's managers; a moderator hides or shows one (:func:`moderate_text_answer`).

Everything is counted by the database (``repository_results``) in a fixed number of statements; Python
only shapes the aggregates. Test responses are never counted.

Breakdowns by ``district`` and ``age_band`` suppress small groups: a group with fewer than
``min_group_size`` (k) responses is not shown. Hiding it alone is not enough (the total minus the groups
shown would give it back), so the small groups are pooled into one ``other`` group; when that pool itself
has fewer than k responses, the smallest shown groups join it until it reaches k. So every group shown,
and every difference between the total and the groups shown, counts at least k responses. (If all the
responses together are fewer than k, no group is shown: ``withheld``.)"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core.pagination import Page, PageParams
from civicapi.forms.exceptions import FormNotFound, TextAnswerNotFound
from civicapi.forms.models import (
    DATE,
    MATRIX_TYPES,
    MULTIPLE_CHOICE,
    NUMBER,
    RANKING,
    SINGLE_CHOICE,
    Answer,
    AnswerChoice,
    Option,
    Questionnaire,
)
from civicapi.forms.repository_results import DIMENSIONS, ResultsRepository
from civicapi.forms.schemas_results import (
    Breakdown,
    DateStats,
    GroupCount,
    GroupResult,
    MatrixRowCounts,
    NumberStats,
    OptionCount,
    QuestionnaireResults,
    QuestionResult,
    RankingScore,
    TextAnswerRead,
)

MIN_GROUP_SIZE = 5
"""Default k: breakdown groups with fewer responses are not shown."""


@dataclass(frozen=True, slots=True)
class ResultsPolicy:
    """How one request may see a questionnaire's results: whether they are published, and k."""

    published: bool
    min_group_size: int = MIN_GROUP_SIZE


UNKNOWN, OTHER = "unknown", "other"


def _share(count: int, answered: int) -> float:
    return round(count / answered, 4) if answered else 0.0


async def questionnaire_results(
    session: AsyncSession,
    questionnaire: Questionnaire,
    *,
    published: bool,
    min_group_size: int = MIN_GROUP_SIZE,
) -> QuestionnaireResults:
    """The results of ``questionnaire`` (one version), broken down by every dimension."""
    repo = ResultsRepository(session, questionnaire.commune_id)
    qid = questionnaire.id
    questions, options, rows = await repo.structure(qid)
    aggregates = await repo.per_question(qid)
    medians = await repo.medians(qid)
    by_group = await repo.choices_by_group(qid)
    sizes = await repo.group_sizes(qid)
    chosen = _summed(by_group, ())
    options_of: dict[uuid.UUID, list[Option]] = defaultdict(list)
    for option in options:
        options_of[option.question_id].append(option)
    rows_of: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for row in rows:
        rows_of[row.question_id].append(row.id)

    def counts(question_id: uuid.UUID, row_id: uuid.UUID | None, answered: int) -> list[OptionCount]:
        made = []
        for option in options_of[question_id]:
            found = chosen.get((question_id, row_id, option.id))
            count = int(found.count) if found else 0
            made.append(OptionCount(option_id=option.id, count=count, share=_share(count, answered)))
        return made

    results = []
    for question in questions:
        agg = aggregates.get(question.id)
        answered = int(agg.answered) if agg else 0
        result = QuestionResult(
            question_id=question.id, question_type=question.question_type, answered=answered
        )
        if question.question_type in (SINGLE_CHOICE, MULTIPLE_CHOICE):
            result.options = counts(question.id, None, answered)
        elif question.question_type in MATRIX_TYPES:
            result.rows = []
            for row_id in rows_of[question.id]:
                # a matrix single row is answered once per response that answered it; a matrix multiple's
                # shares are over the responses that answered the question
                single = question.question_type == MATRIX_TYPES[0]
                row_answered = sum(c.count for c in counts(question.id, row_id, 0)) if single else answered
                result.rows.append(
                    MatrixRowCounts(row_id=row_id, options=counts(question.id, row_id, row_answered))
                )
        elif question.question_type == RANKING:
            result.ranking = _ranking(options_of[question.id], chosen, question.id)
        elif question.question_type == NUMBER:
            result.number = NumberStats(
                count=int(agg.numbers) if agg else 0,
                min=agg.number_min if agg else None,
                max=agg.number_max if agg else None,
                mean=round(float(agg.number_mean), 6) if agg and agg.number_mean is not None else None,
                median=medians.get(question.id),
            )
        elif question.question_type == DATE:
            result.date = DateStats(
                count=int(agg.days) if agg else 0,
                min=agg.day_min if agg else None,
                max=agg.day_max if agg else None,
            )
        results.append(result)
    breakdowns = []
    for dimension in DIMENSIONS:
        group_sizes: dict[str | None, int] = defaultdict(int)
        for row in sizes:
            group_sizes[getattr(row, dimension)] += int(row.count)
        cells = _summed(by_group, (dimension,))
        choices = [
            Cell(group=g, question_id=q, matrix_row_id=r, option_id=o, count=c.count)
            for (g, q, r, o), c in cells.items()
        ]
        breakdowns.append(_breakdown(dimension, group_sizes, choices, min_group_size))
    return QuestionnaireResults(
        questionnaire_id=qid,
        version=questionnaire.version,
        published=published,
        responses=sum(int(row.count) for row in sizes),
        questions=results,
        breakdowns=breakdowns,
    )


@dataclass(slots=True)
class Sums:
    count: int = 0
    positions: int = 0
    ranked: int = 0


@dataclass(frozen=True, slots=True)
class Cell:
    group: str | None
    question_id: uuid.UUID
    matrix_row_id: uuid.UUID | None
    option_id: uuid.UUID
    count: int


def _summed(rows: Iterable[Any], by: tuple[str, ...]) -> dict[tuple[Any, ...], Sums]:
    """The chosen options' aggregates per (``by`` columns..., question, matrix row, option), summed over
    the other breakdown columns."""
    sums: dict[tuple[Any, ...], Sums] = defaultdict(Sums)
    for row in rows:
        found = sums[
            (*(getattr(row, name) for name in by), row.question_id, row.matrix_row_id, row.option_id)
        ]
        found.count += int(row.count)
        found.positions += int(row.positions or 0)
        found.ranked += int(row.ranked)
    return sums


def _ranking(
    options: list[Option],
    chosen: dict[tuple[Any, ...], Sums],
    question_id: uuid.UUID,
) -> list[RankingScore]:
    n = len(options)
    scores = []
    for option in options:
        found = chosen.get((question_id, None, option.id))
        ranked = int(found.ranked) if found else 0
        positions = int(found.positions or 0) if found else 0
        scores.append(
            RankingScore(
                option_id=option.id,
                ranked=ranked,
                mean_position=round(positions / ranked, 4) if ranked else None,
                borda=n * ranked - positions,
            )
        )
    return scores


def _breakdown(dimension: str, sizes: dict[str | None, int], choices: Iterable[Any], k: int) -> Breakdown:
    names = {value: UNKNOWN if value is None else value for value in sizes}
    shown = sorted((v for v in sizes if sizes[v] >= k), key=lambda v: (-sizes[v], names[v]))
    pool = [v for v in sizes if sizes[v] < k]
    while pool and sum(sizes[v] for v in pool) < k and shown:
        pool.append(shown.pop())
    pooled_total = sum(sizes[v] for v in pool)
    show_pool = bool(pool) and pooled_total >= k
    label = {v: names[v] for v in shown}
    if show_pool:
        label.update({v: OTHER for v in pool})
    cells: dict[str, dict[tuple[uuid.UUID, uuid.UUID | None, uuid.UUID], int]] = defaultdict(dict)
    for c in choices:
        if c.group not in label:
            continue
        key = (c.question_id, c.matrix_row_id, c.option_id)
        group = cells[label[c.group]]
        group[key] = group.get(key, 0) + int(c.count)
    groups = [(names[v], sizes[v]) for v in shown] + ([(OTHER, pooled_total)] if show_pool else [])
    return Breakdown(
        dimension=dimension,
        min_group_size=k,
        groups=[
            GroupResult(
                group=name,
                responses=responses,
                counts=[
                    GroupCount(question_id=q, row_id=r, option_id=o, count=n)
                    for (q, r, o), n in sorted(cells[name].items(), key=lambda kv: tuple(map(str, kv[0])))
                ],
            )
            for name, responses in groups
        ],
        pooled=len(pool),
        withheld=0 if show_pool else pooled_total,
    )


def _text_read(row: Any) -> TextAnswerRead:
    return TextAnswerRead(
        id=row.id,
        question_id=row.question_id,
        option_id=row.option_id,
        text=row.text or "",
        hidden=row.hidden_at is not None,
    )


async def text_answers(
    session: AsyncSession,
    questionnaire: Questionnaire,
    params: PageParams,
    *,
    question_id: uuid.UUID | None = None,
    include_hidden: bool = False,
) -> Page[TextAnswerRead]:
    """A page of the written answers and of the free texts of chosen options (``option_id`` set), of
    ``question_id`` else of every question; hidden ones only when ``include_hidden`` (the questionnaire's
    managers)."""
    repo = ResultsRepository(session, questionnaire.commune_id)
    rows, cursor = await repo.texts_page(questionnaire.id, question_id, params, include_hidden=include_hidden)
    return Page(items=[_text_read(row) for row in rows], next_cursor=cursor)


async def moderate_text_answer(
    session: AsyncSession, questionnaire: Questionnaire, answer_id: uuid.UUID, *, hidden: bool
) -> TextAnswerRead:
    """Hide a written answer, or an option's free text, from the published results (it still counts), or
    show it again."""
    repo = ResultsRepository(session, questionnaire.commune_id)
    target: Answer | AnswerChoice | None = await repo.text_answer(questionnaire.id, answer_id)
    if isinstance(target, Answer):
        question_id, option_id = target.question_id, None
    else:
        free = await repo.free_text(questionnaire.id, answer_id)
        if free is None:
            raise TextAnswerNotFound("no written answer with this id in this questionnaire")
        target, question_id = free
        option_id = target.option_id
    if hidden and target.hidden_at is None:
        target.hidden_at = datetime.now(UTC)
    elif not hidden:
        target.hidden_at = None
    await session.flush()
    text = target.text if isinstance(target, Answer) else target.free_text
    return TextAnswerRead(
        id=target.id,
        question_id=question_id,
        option_id=option_id,
        text=text or "",
        hidden=target.hidden_at is not None,
    )


async def questionnaire_version(
    session: AsyncSession, commune_id: uuid.UUID, owner: tuple[str, str, uuid.UUID], version: int
) -> Questionnaire:
    """Version ``version`` of the questionnaire of ``owner`` (module, type, id), current or superseded;
    404 ``no_version``."""
    found = await ResultsRepository(session, commune_id).version(*owner, version)
    if found is None:
        raise FormNotFound(f"this questionnaire has no version {version}", reason="no_version")
    return found
