"""Counting a closed vote and publishing its results.

A count run (``budgets_count_run``) counts the published export with the chosen rule. Small elections are
counted within the request; large ones (over :data:`BACKGROUND_THRESHOLD` ballots, or on request) in a
background task after the response, the computation itself in a worker thread so that the event loop
keeps serving requests. Clients poll the run's ``status``: ``queued`` → ``running`` → ``done`` or ``failed``.

A background run shows it is alive: the process counting it writes ``heartbeat_at`` every
:data:`HEARTBEAT_SECONDS`. A run queued, or running without a heartbeat, for longer than
:data:`ABANDONED_AFTER` was abandoned (the process stopped: a deploy, a crash): it is shown as ``failed``
with the reason, and recorded so when the next count of the budget starts.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core.db.base import utcnow
from civicapi.core.db.session import Database
from civicapi.core.errors import NotFound
from civicapi.core.events import Event, EventBus
from civicapi.modules.budgets import audit_helpers as audit
from civicapi.modules.budgets.catalog import places
from civicapi.modules.budgets.catalog.repository import BudgetRepository, ProjectRepository
from civicapi.modules.budgets.exceptions import BudgetConflict
from civicapi.modules.budgets.models import SEALED, BallotExport, Budget, CountRun, Project
from civicapi.modules.budgets.results.outcomes import count_export
from civicapi.modules.budgets.results.repository import CountRunRepository, ExportRepository
from civicapi.modules.budgets.settings import ComponentContext, CountingRule
from civicapi.modules.budgets.voting.schemas import (
    CountCreate,
    CountRunRead,
    ProjectResultRead,
    ResultsRead,
)

log = logging.getLogger(__name__)

BACKGROUND_THRESHOLD = 5000
HEARTBEAT_SECONDS = 10.0
ABANDONED_AFTER = timedelta(minutes=2)
ABANDONED = (
    "abandoned: the process counting this run stopped (no sign of life for "
    f"{int(ABANDONED_AFTER.total_seconds())} s); start another count"
)
RESULTS_PUBLISHED = "budgets.results_published"
"""Event: results of a budget were published; payload ``budget_id``, ``component_id``, ``rule``,
``ballots_sha256`` and ``selected`` (``project_id``, ``code``, ``title``, ``cost``, in selection order)."""


async def get_run(session: AsyncSession, budget: Budget, run_id: uuid.UUID) -> CountRun:
    run = await CountRunRepository(session, budget.commune_id).of_budget(budget.id, run_id)
    if run is None:
        raise NotFound(f"count run {run_id} not found")
    return run


async def list_runs(session: AsyncSession, budget: Budget) -> list[CountRun]:
    return await CountRunRepository(session, budget.commune_id).latest(budget.id, limit=100)


def abandoned(run: CountRun, now: datetime) -> bool:
    """Whether a queued or running run lost the process that was to count it."""
    if run.status == "queued":
        last = run.created_at
    elif run.status == "running":
        last = run.heartbeat_at or run.started_at or run.created_at
    else:
        return False
    return last < now - ABANDONED_AFTER


def run_read(run: CountRun) -> CountRunRead:
    """The run as clients see it: an abandoned one is ``failed``, with the reason."""
    read = CountRunRead.model_validate(run, from_attributes=True)
    if abandoned(run, utcnow()):
        return read.model_copy(update={"status": "failed", "error": ABANDONED})
    return read


async def _record_abandoned(session: AsyncSession, budget: Budget) -> None:
    """Mark the budget's abandoned runs ``failed`` (one statement)."""
    await CountRunRepository(session, budget.commune_id).fail_abandoned(
        budget.id, utcnow() - ABANDONED_AFTER, ABANDONED
    )


async def _export(session: AsyncSession, budget: Budget) -> BallotExport:
    export = await ExportRepository(session, budget.commune_id).of_budget(budget.id)
    if budget.closed_at is None:
        raise BudgetConflict("close the vote before counting it", reason="vote_not_closed")
    if export is None:
        raise BudgetConflict(
            "the urn of this budget is being sealed: count it once sealed", reason="vote_sealing"
        )
    return export


async def start_count(
    session: AsyncSession,
    ctx: ComponentContext,
    budget: Budget,
    data: CountCreate,
    *,
    user_id: uuid.UUID | None,
) -> tuple[CountRun, bool]:
    """Create a run; count it now unless it goes to the background (the second value says so)."""
    export = await _export(session, budget)
    await _record_abandoned(session, budget)
    compare = (
        ctx.settings.compare_with_greedy if data.compare_with_greedy is None else data.compare_with_greedy
    )
    run = CountRun(
        commune_id=ctx.commune_id,
        budget_id=budget.id,
        status="queued",
        rule=(CountingRule(data.rule) if data.rule else ctx.settings.counting_rule).value,
        compare_with_greedy=compare,
        publish=data.publish,
        ballots_sha256=export.sha256,
        requested_by_user_id=user_id,
    )
    session.add(run)
    await session.flush()
    audit.record(
        session,
        commune_id=ctx.commune_id,
        kind="count_run",
        id=run.id,
        verb="create",
        changes={"budget_id": budget.id, "rule": run.rule, "compare_with_greedy": compare},
    )
    ballots = await BudgetRepository(session, ctx.commune_id).ballots_count(budget.id, [SEALED])
    background = data.background if data.background is not None else ballots > BACKGROUND_THRESHOLD
    if not background:
        run.status, run.started_at = "running", utcnow()
        try:
            result = await _compute(run, export.text)
        except Exception as exc:
            _failed(run, exc)
        else:
            await _done(session, budget, run, result)
        await session.flush()
    return run, background


async def _compute(run: CountRun, text: str) -> dict[str, Any]:
    rule = CountingRule(run.rule)
    return await asyncio.to_thread(
        count_export, text, rule, compare_with_greedy_outcome=run.compare_with_greedy
    )


def _failed(run: CountRun, exc: Exception) -> None:
    log.exception("count run %s failed", run.id)
    run.status, run.finished_at, run.error = "failed", utcnow(), f"{type(exc).__name__}: {exc}"[:2000]


async def _done(session: AsyncSession, budget: Budget, run: CountRun, result: dict[str, Any]) -> None:
    projects = await ProjectRepository(session, budget.commune_id).all_of_budget(budget.id)
    by_code = {p.code: p for p in projects}
    for entry in result["projects"]:
        project = by_code[entry["code"]]
        entry["project_id"] = str(project.id)
        entry["title"] = project.title
    result["selected"] = [str(by_code[code].id) for code in result["selected"]]
    run.result = result
    run.status, run.finished_at = "done", utcnow()
    if run.publish:
        await publish_results(session, budget, run)


async def run_in_background(
    db: Database, commune_id: uuid.UUID, budget_id: uuid.UUID, run_id: uuid.UUID
) -> None:
    """Count a queued run in its own units of work (called after the response was sent)."""
    async with db.unit_of_work() as session:
        budget = await BudgetRepository(session, commune_id).get_or_404(budget_id)
        run = await get_run(session, budget, run_id)
        run.status, run.started_at = "running", utcnow()
        run.heartbeat_at = run.started_at
        text = (await _export(session, budget)).text
    beat = asyncio.create_task(_heartbeat(db, commune_id, run_id))
    try:
        result = await _compute(run, text)
    except Exception as exc:
        async with db.unit_of_work() as session:
            budget = await BudgetRepository(session, commune_id).get_or_404(budget_id)
            _failed(await get_run(session, budget, run_id), exc)
        return
    finally:
        beat.cancel()
    async with db.unit_of_work() as session:
        budget = await BudgetRepository(session, commune_id).get_or_404(budget_id)
        await _done(session, budget, await get_run(session, budget, run_id), result)


async def _heartbeat(db: Database, commune_id: uuid.UUID, run_id: uuid.UUID) -> None:
    """Every :data:`HEARTBEAT_SECONDS`, record that the run is still being counted (until cancelled)."""
    while True:
        await asyncio.sleep(HEARTBEAT_SECONDS)
        try:
            async with db.unit_of_work() as session:
                await CountRunRepository(session, commune_id).beat(run_id)
        except Exception:  # a missed beat is not fatal: the next one may pass
            log.warning("count run %s: heartbeat not recorded", run_id, exc_info=True)


async def publish_results(session: AsyncSession, budget: Budget, run: CountRun) -> Budget:
    if run.status != "done" or run.result is None:
        raise BudgetConflict("only a finished count can be published", reason="count_not_done")
    result = dict(run.result)
    result["ballots_sha256"] = run.ballots_sha256
    result["count_run_id"] = str(run.id)
    budget.results = result
    budget.results_published_at = utcnow()
    selected = [uuid.UUID(pid) for pid in result["selected"]]
    repo = ProjectRepository(session, budget.commune_id)
    await repo.set_selected(budget.id, selected)
    await session.flush()
    projects = {str(p.id): p for p in await repo.all_of_budget(budget.id)}
    await places.sync(session, list(projects.values()))
    audit.record(
        session,
        commune_id=budget.commune_id,
        kind="budget",
        id=budget.id,
        verb="publish_results",
        changes={"rule": result["rule"], "selected": len(selected), "total_cost": result["total_cost"]},
        public=True,
    )
    by_id = {entry["project_id"]: entry for entry in result["projects"]}
    EventBus.publish(
        session,
        Event(
            RESULTS_PUBLISHED,
            budget.commune_id,
            {
                "budget_id": str(budget.id),
                "component_id": str(budget.component_id),
                "rule": result["rule"],
                "ballots_sha256": run.ballots_sha256,
                "district": budget.district,
                "selected": [
                    {
                        "project_id": pid,
                        "code": by_id[pid]["code"],
                        "title": by_id[pid]["title"],
                        "cost": by_id[pid]["cost"],
                        **_where(projects.get(pid)),
                    }
                    for pid in result["selected"]
                ],
            },
            source_module="budgets",
        ),
    )
    return budget


def _where(project: Project | None) -> dict[str, Any]:
    """What a selected project carries to the accountability results made from it: its description and
    where it is (address, point, category), so that the results have their place on the map too."""
    if project is None:
        return {}
    return {
        "description": dict(project.description),
        "address": project.address,
        "latitude": project.latitude,
        "longitude": project.longitude,
        "category": project.category,
    }


def results_read(budget: Budget) -> ResultsRead:
    if budget.results is None or budget.results_published_at is None:
        raise NotFound("the results of this budget are not published", reason="results_not_published")
    r = budget.results
    return ResultsRead(
        budget_id=budget.id,
        rule=r["rule"],
        budget=r["budget"],
        total_cost=r["total_cost"],
        leftover=r["leftover"],
        voters=r["voters"],
        satisfied_voters=r["satisfied_voters"],
        satisfied_share=r["satisfied_share"],
        ballots_sha256=r["ballots_sha256"],
        details={**r["details"], "comparison": r.get("comparison")},
        projects=[
            ProjectResultRead(
                project_id=uuid.UUID(p["project_id"]),
                code=p["code"],
                title=p["title"],
                cost=p["cost"],
                votes=p["votes"],
                supporters=p["supporters"],
                selected=p["selected"],
                rank=p["rank"],
                reason=p["reason"],
            )
            for p in r["projects"]
        ],
        published_at=budget.results_published_at,
    )
