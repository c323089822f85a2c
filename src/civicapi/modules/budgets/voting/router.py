"""HTTP routes of a person's own ballot (build it step by step, or send it whole with an
``Idempotency-Key``; withdraw or replace it while the vote is open), of paper ballots entered by staff, and
of reminders to people whose ballot is unfinished."""

from __future__ import annotations

from fastapi import Response, status

from civicapi.core.deps import IdempotencyKey, SessionDep
from civicapi.core.errors import problem_responses
from civicapi.core.routing import GuardedRouter
from civicapi.identity.verification.dependencies import IdentityHasherDep
from civicapi.modules.budgets.dependencies import (
    BALLOT,
    BUDGET,
    COMPONENT,
    CurrentBudget,
    CurrentContext,
    ManageBudgets,
    PaperBallots,
    ProjectId,
    Voting,
)
from civicapi.modules.budgets.reminders import service as service_reminders
from civicapi.modules.budgets.voting import service as service_ballots
from civicapi.modules.budgets.voting import service_cast
from civicapi.modules.budgets.voting.idempotency import REPLAYED_HEADER, Answer, IdempotentRequest
from civicapi.modules.budgets.voting.schemas import (
    BallotProjectAdd,
    BallotRead,
    BallotSubmit,
    PaperBallotCreate,
    PaperBallotRead,
    VoteRemindersRead,
)
from civicapi.modules.budgets.voting.service_voters import desk_identity, online_identity

router = GuardedRouter()

VOTE_ERRORS = problem_responses(401, 403, 404, 409, 422)


def _respond(answer: Answer, response: Response) -> Response:
    headers = {REPLAYED_HEADER: "true"} if answer.replayed else {}
    return Response(
        answer.body, status_code=answer.status_code, headers=headers, media_type="application/json"
    )


@router.get(
    BALLOT,
    operation_id="budgets_ballot_get",
    summary="My ballot in this budget, with the money left and what checkout would refuse",
    responses=problem_responses(401, 403, 404),
)
async def get_ballot(vote: Voting, session: SessionDep) -> BallotRead:
    return await service_ballots.read_own(session, vote.ctx, vote.budget, vote.user.id)


@router.post(
    BALLOT,
    operation_id="budgets_ballot_submit",
    summary="Cast a whole ballot in one request",
    status_code=status.HTTP_201_CREATED,
    response_model=BallotRead,
    responses=VOTE_ERRORS,
)
async def submit_ballot(
    vote: Voting,
    body: BallotSubmit,
    session: SessionDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Every rule is checked before anything is written (422 `budgets-ballot-invalid` listing them all).
    A person who already voted in this budget (with any account, or on paper) gets 409 `already_voted`;
    `PUT` replaces one's own ballot. A draft built step by step is replaced and cast."""
    user, ctx, budget = vote.user, vote.ctx, vote.budget
    identity = await online_identity(session, ctx, user.id)
    idem = service_cast.submission(idempotency_key, ctx, budget, user.id, body)
    answer = await service_cast.submit(
        session,
        ctx,
        budget,
        identity,
        projects=body.projects,
        points=body.points,
        replace=False,
        idempotency=idem,
    )
    return _respond(answer, response)


@router.put(
    BALLOT,
    operation_id="budgets_ballot_replace",
    summary="Replace my ballot with this one (or cast it), while the vote is open",
    response_model=BallotRead,
    responses=VOTE_ERRORS,
)
async def replace_ballot(
    vote: Voting, body: BallotSubmit, session: SessionDep, response: Response
) -> Response:
    identity = await online_identity(session, vote.ctx, vote.user.id)
    answer = await service_cast.submit(
        session,
        vote.ctx,
        vote.budget,
        identity,
        projects=body.projects,
        points=body.points,
        replace=True,
        idempotency=None,
    )
    return _respond(answer, response)


@router.delete(
    BALLOT,
    operation_id="budgets_ballot_withdraw",
    summary="Withdraw my ballot (draft or cast) while the vote is open",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 404),
)
async def withdraw_ballot(vote: Voting, session: SessionDep) -> None:
    await service_cast.withdraw(session, vote.ctx, vote.budget, vote.user.id)


@router.post(
    BALLOT + "/projects",
    operation_id="budgets_ballot_add",
    summary="Add a project to my ballot in progress (starts it if needed)",
    responses=VOTE_ERRORS,
)
async def add_project(vote: Voting, body: BallotProjectAdd, session: SessionDep) -> BallotRead:
    """Refused (422 `over_budget`, `too_many_projects`, `too_many_points` ...) when the project does not
    fit: the database checks the ballot's totals, so concurrent additions never pass the budget."""
    identity = await online_identity(session, vote.ctx, vote.user.id)
    return await service_ballots.add_project(
        session, vote.ctx, vote.budget, identity, project_id=body.project_id, points=body.points
    )


@router.delete(
    BALLOT + "/projects/{project_id}",
    operation_id="budgets_ballot_remove",
    summary="Remove a project from my ballot in progress",
    responses=problem_responses(401, 403, 404, 409),
)
async def remove_project(vote: Voting, project_id: ProjectId, session: SessionDep) -> BallotRead:
    return await service_ballots.remove_project(session, vote.ctx, vote.budget, vote.user.id, project_id)


@router.post(
    BALLOT + "/checkout",
    operation_id="budgets_ballot_checkout",
    summary="Cast my ballot in progress, once every rule holds",
    responses=VOTE_ERRORS,
)
async def checkout(vote: Voting, session: SessionDep) -> BallotRead:
    identity = await online_identity(session, vote.ctx, vote.user.id)
    return await service_ballots.checkout(session, vote.ctx, vote.budget, identity)


@router.post(
    BUDGET + "/paper-ballots",
    operation_id="budgets_paper_ballots_create",
    summary="Record the paper ballot of a person whose identity document was checked at the desk",
    status_code=status.HTTP_201_CREATED,
    response_model=PaperBallotRead,
    responses=VOTE_ERRORS,
)
async def record_paper_ballot(
    staff: PaperBallots,
    body: PaperBallotCreate,
    budget: CurrentBudget,
    ctx: CurrentContext,
    session: SessionDep,
    hasher: IdentityHasherDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """The identity is keyed like the census and desk verifications: a person who voted online cannot
    vote on paper, nor the reverse. The audit trail records the staff member; the receipt holds no
    choices."""
    staff_id = staff.user.id if staff.user is not None else None
    identity = await desk_identity(
        session,
        ctx,
        hasher,
        identifier=body.identifier,
        district=body.district,
        birth_year=body.birth_year,
        staff_user_id=staff_id,
    )
    # the identifier never reaches storage, not even hashed plainly: the request digest uses its keyed hash
    payload = {**body.model_dump(mode="json", exclude={"identifier"}), "voter": identity.voter_key}
    idem = IdempotentRequest.of(
        idempotency_key,
        commune_id=ctx.commune_id,
        budget_id=budget.id,
        owner=f"user:{staff_id}" if staff_id else f"key:{staff.api_key.id if staff.api_key else ''}",
        operation="paper",
        payload=payload,
    )
    answer = await service_cast.submit(
        session,
        ctx,
        budget,
        identity,
        projects=body.projects,
        points=body.points,
        replace=False,
        idempotency=idem,
    )
    return _respond(answer, response)


@router.post(
    COMPONENT + "/reminders",
    operation_id="budgets_remind",
    summary="Mail the reminders that are due to people whose ballot is not cast",
    responses=problem_responses(401, 403, 404, 409),
)
async def send_reminders(
    caller: ManageBudgets, ctx: CurrentContext, session: SessionDep
) -> VoteRemindersRead:
    """While voting is open (`409 voting_not_open` otherwise). Each account with a ballot built step by
    step and not checked out gets one mail naming the budgets concerned: the first 2 hours after it
    started its oldest unfinished ballot, the second after a week, the third after two weeks, never two
    within 24 hours. Call it whenever you like (by hand, or hourly from a scheduler): only what has become
    due is sent, and racing calls never mail an account twice."""
    return await service_reminders.send_reminders(session, ctx)
