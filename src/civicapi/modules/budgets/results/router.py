"""HTTP routes of counting and results: participation (admins), count runs (admins), published results,
and the anonymised ballots as a Pabulib file (public once the vote is closed, with its SHA-256)."""

from __future__ import annotations

from typing import Annotated

from fastapi import BackgroundTasks, Depends, Request, Response, status

from civicapi.core.cache import PUBLIC_WHEN_ANONYMOUS
from civicapi.core.deps import DatabaseDep, SessionDep
from civicapi.core.errors import NotFound, problem_responses
from civicapi.core.pagination import NEWEST_FIRST, Page, PageParams, in_order, memory_page
from civicapi.core.routing import GuardedRouter
from civicapi.modules.budgets.catalog import service_pabulib, service_read
from civicapi.modules.budgets.dependencies import (
    BUDGET,
    RUN,
    RUNS,
    CountBudgets,
    CurrentBudget,
    CurrentContext,
    CurrentRun,
    ManageBudgets,
    budget_url,
)
from civicapi.modules.budgets.results import service as service_count
from civicapi.modules.budgets.voting.schemas import CountCreate, CountRunRead, ParticipationRead, ResultsRead

router = GuardedRouter()

PB_HEADERS = {"X-Content-SHA256": {"description": "SHA-256 (hex) of the body, as published at close."}}


@router.get(
    BUDGET + "/participation",
    operation_id="budgets_participation",
    summary="How many take part: ballots cast (by channel, by day) and being built",
    responses=problem_responses(401, 403, 404),
)
async def participation(
    caller: ManageBudgets, budget: CurrentBudget, ctx: CurrentContext, session: SessionDep
) -> ParticipationRead:
    """For the commune's team while the vote runs and after (counts only: never who, never what). Drafts are
    deleted when the vote closes, so `in_progress` is then 0."""
    return await service_read.participation(session, ctx, budget)


@router.post(
    RUNS,
    operation_id="budgets_count",
    summary="Count a closed vote (in the background for large elections) and publish the results",
    status_code=status.HTTP_201_CREATED,
    responses={**problem_responses(401, 403, 404, 409, 422), 202: {"description": "Queued: poll the run."}},
)
async def start_count(
    caller: CountBudgets,
    body: CountCreate,
    budget: CurrentBudget,
    ctx: CurrentContext,
    session: SessionDep,
    db: DatabaseDep,
    response: Response,
    background: BackgroundTasks,
) -> CountRunRead:
    """201 with the finished run (`done` or `failed`) when counted within the request; 202 with a
    `queued` run otherwise: `GET .../count-runs/{run_id}` until it is `done` or `failed`."""
    user_id = caller.user.id if caller.user is not None else None
    run, queued = await service_count.start_count(session, ctx, budget, body, user_id=user_id)
    response.headers["Location"] = f"{budget_url(ctx, budget.id)}/count-runs/{run.id}"
    if queued:
        response.status_code = status.HTTP_202_ACCEPTED
        background.add_task(service_count.run_in_background, db, ctx.commune_id, budget.id, run.id)
    return service_count.run_read(run)


@router.get(
    RUNS,
    operation_id="budgets_count_runs_list",
    dependencies=[PUBLIC_WHEN_ANONYMOUS],
    summary="The latest count runs of a budget",
    responses=problem_responses(401, 403, 404),
)
async def list_runs(
    caller: CountBudgets,
    budget: CurrentBudget,
    ctx: CurrentContext,
    session: SessionDep,
    page: Annotated[PageParams, Depends(in_order(NEWEST_FIRST))],
    request: Request,
    response: Response,
) -> Page[CountRunRead]:
    """Newest first (`sort=-created_at`)."""
    rows = [service_count.run_read(r) for r in await service_count.list_runs(session, budget)]
    return memory_page(request, response, rows, page, NEWEST_FIRST)


@router.get(
    RUN,
    operation_id="budgets_count_runs_get",
    dependencies=[PUBLIC_WHEN_ANONYMOUS],
    summary="One count run",
    responses=problem_responses(401, 403, 404),
)
async def get_run(caller: CountBudgets, run: CurrentRun) -> CountRunRead:
    return service_count.run_read(run)


@router.post(
    RUN + "/publish",
    operation_id="budgets_count_runs_publish",
    summary="Publish the results of a finished count run",
    responses=problem_responses(401, 403, 404, 409),
)
async def publish_run(
    caller: CountBudgets, run: CurrentRun, budget: CurrentBudget, session: SessionDep
) -> ResultsRead:
    budget = await service_count.publish_results(session, budget, run)
    return service_count.results_read(budget)


@router.get(
    BUDGET + "/results",
    operation_id="budgets_results_get",
    dependencies=[PUBLIC_WHEN_ANONYMOUS],
    summary="The published results, project by project, with why each was funded or not",
    responses=problem_responses(404),
)
async def get_results(budget: CurrentBudget) -> ResultsRead:
    return service_count.results_read(budget)


@router.get(
    BUDGET + "/ballots.pb",
    operation_id="budgets_ballots_export",
    summary="The anonymised ballots and projects as a Pabulib file (once the vote is closed)",
    responses={
        **problem_responses(404),
        200: {"content": {"text/plain": {"schema": {"type": "string"}}}, "headers": PB_HEADERS},
    },
)
async def export_ballots(budget: CurrentBudget, session: SessionDep) -> Response:
    export = await service_pabulib.get_export(session, budget)
    if export is None:
        raise NotFound("the ballots are published when the vote closes", reason="vote_not_closed")
    return Response(
        export.text,
        media_type="text/plain; charset=utf-8",
        headers={
            "X-Content-SHA256": export.sha256,
            "ETag": f'"{export.sha256}"',
            "Content-Disposition": f'attachment; filename="budget-{budget.id}.pb"',
        },
    )
