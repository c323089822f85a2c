"""The waiting list: a freed place goes to the first in line, at once (``registered``) or, when the meeting
holds places for ``offer_hours``, as an offer to confirm before its deadline (``offered``); an offer past its
deadline is cancelled and the place passes on. Expired offers are passed on whenever the meeting's
registrations are touched, and by a periodic sweep (:func:`sweep`, started by the module's ``on_start``).
Each person moved up is told by mail (after the commit)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.communes.repository import CommuneRepository
from civicapi.core.db.base import utcnow
from civicapi.core.db.session import Database
from civicapi.core.i18n import translate
from civicapi.core.periodic import run_every
from civicapi.identity.service import queue_mail
from civicapi.modules.agenda.models import (
    CANCELLED_REGISTRATION,
    OFFERED,
    REGISTERED_STATUS,
    WAITING,
    Meeting,
    Registration,
)
from civicapi.modules.agenda.registrations.repository import (
    MeetingCounters,
    RegistrationRepository,
    meetings_with_expired_offers,
)
from civicapi.modules.agenda.repository import MeetingRepository
from civicapi.modules.agenda.settings import ComponentContext

log = logging.getLogger(__name__)

SWEEP_SECONDS = 300.0
"""How often a running process passes on the offers left past their deadline."""


class _Where:
    """What the mails need of the meeting's commune (a component context, or the commune alone)."""

    def __init__(self, commune_id: Any, default_locale: str, name: str) -> None:
        self.commune_id = commune_id
        self.default_locale = default_locale
        self.name = name


def _where(ctx: ComponentContext) -> _Where:
    return _Where(ctx.commune_id, ctx.commune.default_locale, ctx.commune.name)


async def fill_free_places(session: AsyncSession, ctx: ComponentContext, meeting: Meeting) -> int:
    """Move the first in line up while places are free; the number of people moved up."""
    return await _fill(session, _where(ctx), meeting)


async def _fill(session: AsyncSession, where: _Where, meeting: Meeting) -> int:
    repo = RegistrationRepository(session, where.commune_id)
    counters = MeetingCounters(session, where.commune_id)
    moved = 0
    while True:
        first = await repo.first_waiting(meeting.id)
        if first is None or not await counters.promote_one(meeting.id):
            return moved
        now = utcnow()
        if meeting.offer_hours:
            until = now + timedelta(hours=meeting.offer_hours)
            done = await repo.move(first.id, from_status=WAITING, to_status=OFFERED, offered_until=until)
        else:
            until = None
            done = await repo.move(
                first.id, from_status=WAITING, to_status=REGISTERED_STATUS, confirmed_at=now
            )
        if not done:  # left the line meanwhile: give the place back and look again
            await counters.demote_one(meeting.id)
            continue
        moved += 1
        await _tell(session, where, meeting, first, until)


async def expire_offers(session: AsyncSession, ctx: ComponentContext, meeting: Meeting, now: datetime) -> int:
    """Cancel the meeting's offers past their deadline and pass their places on; how many expired."""
    return await _expire(session, _where(ctx), meeting, now)


async def _expire(session: AsyncSession, where: _Where, meeting: Meeting, now: datetime) -> int:
    repo = RegistrationRepository(session, where.commune_id)
    counters = MeetingCounters(session, where.commune_id)
    expired = 0
    for offer in await repo.expired_offers(meeting.id, now):
        if await repo.move(offer.id, from_status=OFFERED, to_status=CANCELLED_REGISTRATION, cancelled_at=now):
            await counters.leave(meeting.id, had_place=True)
            expired += 1
    if expired:
        await _fill(session, where, meeting)
    return expired


async def _tell(
    session: AsyncSession, where: _Where, meeting: Meeting, registration: Registration, until: datetime | None
) -> None:
    if registration.user_id is None:
        return
    person = (await RegistrationRepository(session, where.commune_id).people([registration.user_id])).get(
        registration.user_id
    )
    if person is None:
        return
    title = translate(meeting.title, person.locale, where.default_locale)
    when = meeting.start_at.strftime("%Y-%m-%d %H:%M UTC")
    if until is None:
        subject = f"A place is yours: {title}"
        text = "A place became free and it is yours: you are registered."
    else:
        subject = f"A place is offered to you: {title}"
        text = (
            f"A place became free and is held for you until {until.strftime('%Y-%m-%d %H:%M UTC')}. "
            "Confirm it before then, or it passes on to the next person in line."
        )
    queue_mail(
        session,
        person.email,
        subject,
        f"Hello {person.display_name},\n\n{text}\n\n\u201c{title}\u201d ({where.name}), {when}.\n",
    )


async def sweep_once(db: Database, now: datetime | None = None) -> int:
    """Pass on every expired offer, in every commune (one unit of work per meeting); how many expired."""
    now = now or utcnow()
    async with db.unit_of_work(readonly=True) as session:
        found = await meetings_with_expired_offers(session, now)
    expired = 0
    for commune_id, meeting_id in found:
        async with db.unit_of_work() as session:
            commune = await CommuneRepository(session).by_id(commune_id)
            meeting = await MeetingRepository(session, commune_id).get(meeting_id)
            if commune is None or meeting is None:
                continue
            where = _Where(commune.id, commune.default_locale, commune.name)
            expired += await _expire(session, where, meeting, now)
    return expired


async def sweep(state: Any) -> None:
    """``on_start``: :func:`sweep_once` now, then every :data:`SWEEP_SECONDS` until the app stops; a sweep
    that fails is logged and the next one comes all the same."""
    await run_every(SWEEP_SECONDS, [("passing on expired offers", lambda: sweep_once(state.db))], log)
