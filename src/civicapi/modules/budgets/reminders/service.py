"""Reminders to people who started a ballot and did not cast it (Decidim's "vote reminders").

A ballot built step by step stays a draft until it is checked out, and a draft is not counted. While the
component's current phase has voting open, an administrator (or a scheduler calling the API) asks for the
reminders that are due; each account gets one mail naming the budgets where its ballot is unfinished.

* The ``n``-th reminder of an account is due once its oldest unfinished ballot in the component was
  started :data:`REMINDER_AGES` ``[n]`` ago (2 hours, a week, two weeks), and
  :data:`MIN_INTERVAL` after the previous one; there are never more than three. Asking again, or often
  (an hourly scheduler), sends only what has become due.
* Only active accounts with a confirmed address, and only ballots of budgets whose vote is not closed.
* Racing requests never remind an account twice: each reminder is claimed by a conditional upsert on the
  unique ``(component, account)`` row (:meth:`ReminderRepository.claim`).
* The mail leaves through the event outbox after the commit (nothing is sent if the request fails); it
  names the budgets, never the projects chosen. The reminder row names neither (it says that an account
  was reminded, and when); erasing the account deletes it.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core.db.base import utcnow
from civicapi.core.i18n import translate
from civicapi.identity.service import queue_mail
from civicapi.modules.budgets import audit_helpers as audit
from civicapi.modules.budgets.exceptions import BudgetConflict
from civicapi.modules.budgets.reminders.repository import ReminderRepository, Unfinished
from civicapi.modules.budgets.settings import ComponentContext, VotesState
from civicapi.modules.budgets.voting.schemas import VoteRemindersRead
from civicapi.spaces.service import current_phase

REMINDER_AGES = (timedelta(hours=2), timedelta(days=7), timedelta(days=14))
"""How long ago an account's oldest unfinished ballot was started for its 1st, 2nd and 3rd reminder."""
MIN_INTERVAL = timedelta(hours=24)
"""The least time between two reminders to one account."""


async def send_reminders(session: AsyncSession, ctx: ComponentContext) -> VoteRemindersRead:
    """Remind every account whose reminder is due (409 ``voting_not_open`` unless the current phase has
    voting open); the counts say who was reminded, who may be later and who has had every reminder."""
    if ctx.step.votes is not VotesState.enabled:
        raise BudgetConflict("reminders are sent while voting is open", reason="voting_not_open")
    now = utcnow()
    repo = ReminderRepository(session, ctx.commune_id, ctx.component_id)
    people: dict[uuid.UUID, list[Unfinished]] = {}
    for ballot in await repo.unfinished():  # oldest first
        people.setdefault(ballot.user_id, []).append(ballot)
    sent = await repo.sent()
    due: list[tuple[uuid.UUID, int]] = []
    later: list[datetime] = []
    done = 0
    for user_id, ballots in people.items():
        previous = sent.get(user_id)
        had = previous.count if previous else 0
        if had >= len(REMINDER_AGES):
            done += 1
            continue
        when = ballots[0].started_at + REMINDER_AGES[had]
        if previous is not None:
            when = max(when, previous.last_at + MIN_INTERVAL)
        if when <= now:
            due.append((user_id, had))
        else:
            later.append(when)
    claimed = await repo.claim(due, now, now - MIN_INTERVAL) if due else set()
    for user_id in claimed:
        _mail(session, ctx, people[user_id])
    if claimed:
        audit.record(
            session,
            commune_id=ctx.commune_id,
            kind="component",
            id=ctx.component_id,
            verb="remind",
            changes={"reminded": len(claimed)},
        )
    return VoteRemindersRead(
        reminded=len(claimed),
        waiting=len(later),
        done=done,
        next_due_at=min(later, default=None),
    )


def _mail(session: AsyncSession, ctx: ComponentContext, ballots: list[Unfinished]) -> None:
    first = ballots[0]
    locale, default = first.locale, ctx.commune.default_locale
    process = translate(ctx.process.title, locale, default)
    lines = "".join(f"- {translate(b.budget_title, locale, default)}\n" for b in ballots)
    phase = current_phase(ctx.process, ctx.commune.timezone, today=ctx.today)
    until = f" by {phase.end_date.isoformat()}" if phase is not None else ""
    where = f" on {ctx.commune.website_url}" if ctx.commune.website_url else ""
    queue_mail(
        session,
        first.email,
        f"Your vote is not finished: {process}",
        f"Hello {first.display_name},\n\n"
        f"You started a ballot in \u201c{process}\u201d ({ctx.commune.name}) and have not cast it yet:\n"
        f"{lines}\n"
        f"A ballot that is not cast is not counted. Your choices are kept: finish it{where}{until}.\n",
    )
