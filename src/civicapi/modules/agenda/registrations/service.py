"""Registering for a meeting and leaving it: the meeting's registration settings, a place taken by a
conditional ``UPDATE`` (else a number in the waiting list), one registration per person and meeting, and
the cancellation that hands the freed place to the first in line (:mod:`.waitlist`)."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core.db.base import utcnow
from civicapi.core.errors import InvalidInput, NotFound, Unauthorized
from civicapi.core.events import Event, EventBus
from civicapi.core.i18n import check_locales
from civicapi.forms import service_definition as form_definitions
from civicapi.forms import service_submission as forms
from civicapi.forms.models import Questionnaire
from civicapi.forms.schemas_submission import SubmissionIn
from civicapi.forms.service_definition import FormOwner
from civicapi.forms.service_submission import Answerer
from civicapi.identity.models import User
from civicapi.modules.agenda.exceptions import AgendaActionForbidden, AgendaConflict
from civicapi.modules.agenda.models import (
    CANCELLED,
    CANCELLED_REGISTRATION,
    DRAFT,
    OFFERED,
    REGISTERED_STATUS,
    REGISTRATION_EXTERNAL,
    REGISTRATION_ON_PLATFORM,
    WAITING,
    WITHDRAWN,
    Meeting,
    Registration,
)
from civicapi.modules.agenda.registrations import waitlist
from civicapi.modules.agenda.registrations.repository import MeetingCounters, RegistrationRepository
from civicapi.modules.agenda.registrations.schemas import (
    CODE_ALPHABET,
    RegistrationCreate,
    RegistrationSettingsUpdate,
)
from civicapi.modules.agenda.settings import ComponentContext
from civicapi.spaces import kit

CODE_LENGTH = 8
ATTEMPTS = 5
"""Tries at a unique check-in code (a collision among 31^8 codes is all but impossible; still retried)."""


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def key_hash(key: str | None) -> str | None:
    return None if key is None else hashlib.sha256(key.encode()).hexdigest()


def _invalid(field: str, message: str, reason: str) -> InvalidInput:
    return InvalidInput(
        message, reason=reason, errors=[{"location": ["body", field], "message": message, "code": reason}]
    )


async def update_settings(
    session: AsyncSession, ctx: ComponentContext, meeting: Meeting, body: RegistrationSettingsUpdate
) -> Meeting:
    """Replace the meeting's registration settings; 422 (nothing written) for an external mode without an
    ``https`` URL, reserved places beyond the available ones, a window that closes before it opens; 409
    ``slots_below_registrations`` when fewer places would remain than are taken."""
    if body.mode == REGISTRATION_EXTERNAL and not (body.url or "").startswith("https://"):
        raise _invalid("url", "registrations on another site need its https URL", "url_not_https")
    if body.reserved_slots > body.available_slots:
        raise _invalid(
            "reserved_slots", "reserved places exceed the available ones", "reserved_exceeds_available"
        )
    if body.open_at and body.close_at and body.close_at <= body.open_at:
        raise _invalid("close_at", "registrations close before they open", "window_inverted")
    if body.terms:
        check_locales(body.terms, ctx.commune.locales, field="terms")
    taken = await MeetingCounters(session, ctx.commune_id).taken(meeting.id)
    if body.available_slots and taken > body.available_slots - body.reserved_slots:
        raise AgendaConflict(
            f"{taken} places are taken: keep at least that many (beyond the reserved ones)",
            reason="slots_below_registrations",
            registrations_count=taken,
        )
    meeting.registration_mode = body.mode
    meeting.registration_url = body.url if body.mode == REGISTRATION_EXTERNAL else None
    meeting.available_slots = body.available_slots
    meeting.reserved_slots = body.reserved_slots
    meeting.registrations_open_at = body.open_at
    meeting.registrations_close_at = body.close_at
    meeting.registration_terms = body.terms or {}
    meeting.waitlist_enabled = body.waitlist_enabled
    meeting.offer_hours = body.offer_hours
    await session.flush()
    await waitlist.fill_free_places(session, ctx, meeting)  # more places: the line moves up
    await session.refresh(meeting)
    return meeting


def _refuse_unless_open(ctx: ComponentContext, meeting: Meeting, now: datetime) -> None:
    if meeting.status == DRAFT:
        raise AgendaConflict("the meeting is not published", reason="not_published")
    if meeting.status in (CANCELLED, WITHDRAWN):
        raise AgendaConflict(f"the meeting was {meeting.status}", reason=meeting.status)
    if meeting.registration_mode != REGISTRATION_ON_PLATFORM:
        raise AgendaConflict(
            "registrations for this meeting are not taken here",
            reason="not_on_platform",
            url=meeting.registration_url,
        )
    if not ctx.step.registrations_enabled:
        raise AgendaActionForbidden(
            "registrations are disabled in this phase", reason="registrations_disabled"
        )
    if now >= meeting.start_at:
        raise AgendaConflict("the meeting has started", reason="already_started")
    if meeting.registrations_open_at is not None and now < meeting.registrations_open_at:
        raise AgendaConflict(
            "registrations are not open yet",
            reason="registrations_not_open",
            open_at=meeting.registrations_open_at.isoformat(),
        )
    if meeting.registrations_close_at is not None and now >= meeting.registrations_close_at:
        raise AgendaConflict("registrations are closed", reason="registrations_closed")


@dataclass(frozen=True, slots=True)
class Outcome:
    registration: Registration
    created: bool
    replayed: bool = False


async def register(
    session: AsyncSession,
    ctx: ComponentContext,
    meeting: Meeting,
    *,
    user: User | None,
    body: RegistrationCreate,
    idempotency_key: str | None = None,
) -> Outcome:
    """The person's registration: a place if one is free, else a number in the waiting list (409 ``full``
    without one). A person registered already gets their registration back (``created`` false): safe to
    retry; with the same ``Idempotency-Key``, the first answer again (``replayed``)."""
    user = person(user)
    repo = RegistrationRepository(session, ctx.commune_id)
    hashed = key_hash(idempotency_key)
    existing = await repo.of_person(meeting.id, user.id)
    if existing is not None and existing.status != CANCELLED_REGISTRATION:
        return _again(existing, body, hashed)
    now = utcnow()
    await waitlist.expire_offers(session, ctx, meeting, now)
    _refuse_unless_open(ctx, meeting, now)
    if meeting.registration_terms and not body.accept_terms:
        raise _invalid("accept_terms", "accept the meeting's registration terms", "terms_not_accepted")
    await _check_requirements(session, ctx, user.id)
    form = await registration_form(session, ctx, meeting)
    if form is None and body.form is not None:
        raise _invalid("form", "the meeting has no registration form", "no_registration_form")
    for _ in range(ATTEMPTS):
        try:
            async with session.begin_nested():
                if form is not None:  # judged before a place is taken: a refused form takes none
                    answers = body.form or SubmissionIn(answers=[])
                    await forms.submit(session, form, answers, Answerer(user_id=user.id))
                registration = await _take(session, ctx, meeting, user.id, body, existing, now)
                registration.idempotency_key = hashed
                await session.flush()
        except IntegrityError:
            again = await repo.of_person(meeting.id, user.id)
            if again is not None and again.status != CANCELLED_REGISTRATION:
                return _again(again, body, hashed)  # the same person, racing
            continue  # a check-in code already given in the commune: another one
        EventBus.publish(
            session,
            Event(
                "agenda.registered",
                ctx.commune_id,
                {
                    "meeting_id": str(meeting.id),
                    "registration_id": str(registration.id),
                    "status": registration.status,
                },
                source_module="agenda",
            ),
        )
        return Outcome(registration, created=True)
    raise AgendaConflict("no free check-in code was found; retry", reason="code_collision")


async def registration_form(
    session: AsyncSession, ctx: ComponentContext, meeting: Meeting
) -> Questionnaire | None:
    """The meeting's registration form (the current version of its questionnaire), if it has one."""
    owner = FormOwner(ctx.commune_id, "agenda", "meeting", meeting.id, tuple(ctx.commune.locales))
    return await form_definitions.current(session, owner)


def _again(registration: Registration, body: RegistrationCreate, hashed: str | None) -> Outcome:
    replayed = hashed is not None and registration.idempotency_key == hashed
    if replayed and registration.public_participation != body.public_participation:
        raise InvalidInput(
            "this Idempotency-Key was used with a different request; use a new key", reason="key_reused"
        )
    return Outcome(registration, created=False, replayed=replayed)


async def _check_requirements(session: AsyncSession, ctx: ComponentContext, user_id: uuid.UUID) -> None:
    await kit.require_verifications(
        session, ctx, user_id, ctx.settings.registration_requirements, forbidden=AgendaActionForbidden
    )


async def _take(
    session: AsyncSession,
    ctx: ComponentContext,
    meeting: Meeting,
    user_id: uuid.UUID,
    body: RegistrationCreate,
    cancelled: Registration | None,
    now: datetime,
) -> Registration:
    counters = MeetingCounters(session, ctx.commune_id)
    status = REGISTERED_STATUS
    number = await counters.take_place(meeting.id)
    if number is None:
        status = WAITING
        number = await counters.join_queue(meeting.id)
        if number is None:
            raise AgendaConflict("the meeting is full and has no waiting list", reason="full")
    registration = cancelled or RegistrationRepository(session, ctx.commune_id).add(
        Registration(commune_id=ctx.commune_id, meeting_id=meeting.id, user_id=user_id)
    )
    registration.status = status
    registration.number = number
    registration.code = new_code()
    registration.public_participation = body.public_participation
    registration.terms_accepted_at = now if meeting.registration_terms else None
    registration.offered_until = registration.confirmed_at = registration.checked_in_at = None
    registration.checked_in_by_id = registration.cancelled_at = None
    return registration


async def cancel(
    session: AsyncSession, ctx: ComponentContext, meeting: Meeting, registration: Registration
) -> None:
    """Cancel a registration (a place, an offer or a wait); a freed place goes to the first in line."""
    if registration.status == CANCELLED_REGISTRATION:
        return  # cancelled already: nothing to do (a retried DELETE)
    repo = RegistrationRepository(session, ctx.commune_id)
    had_place = registration.status in (REGISTERED_STATUS, OFFERED)
    moved = await repo.move(
        registration.id,
        from_status=registration.status,
        to_status=CANCELLED_REGISTRATION,
        cancelled_at=utcnow(),
        offered_until=None,
    )
    if not moved:  # cancelled (or moved on) meanwhile by a concurrent request: nothing left to do
        return
    await MeetingCounters(session, ctx.commune_id).leave(meeting.id, had_place=had_place)
    EventBus.publish(
        session,
        Event(
            "agenda.registration_cancelled",
            ctx.commune_id,
            {"meeting_id": str(meeting.id), "registration_id": str(registration.id)},
            source_module="agenda",
        ),
    )
    if had_place:
        await waitlist.fill_free_places(session, ctx, meeting)


async def confirm(
    session: AsyncSession, ctx: ComponentContext, meeting: Meeting, registration: Registration
) -> Registration:
    """Take the place offered to the person before its deadline (409 ``no_offer`` / ``offer_expired``)."""
    repo = RegistrationRepository(session, ctx.commune_id)
    now = utcnow()
    if registration.status == REGISTERED_STATUS:
        return registration
    if registration.status != OFFERED:
        raise AgendaConflict("no place is offered to this registration", reason="no_offer")
    if registration.offered_until is not None and registration.offered_until < now:
        # Refused, nothing written: the next write to the meeting's registrations (or the sweep) passes
        # the place on.
        raise AgendaConflict("the offer expired: the place passes on", reason="offer_expired")
    moved = await repo.move(
        registration.id,
        from_status=OFFERED,
        to_status=REGISTERED_STATUS,
        confirmed_at=now,
        offered_until=None,
    )
    if not moved:
        raise AgendaConflict("the offer is no longer open", reason="no_offer")
    await session.refresh(registration)
    return registration


def person(user: User | None, why: str = "log in first: a person registers") -> User:
    """The signed-in person (401 for an API key: registrations and invitations are a person's)."""
    if user is None:
        raise Unauthorized(why)
    return user


async def registration_of(
    session: AsyncSession, ctx: ComponentContext, meeting: Meeting, user: User | None
) -> Registration:
    user = person(user)
    found = await RegistrationRepository(session, ctx.commune_id).of_person(meeting.id, user.id)
    if found is None:
        raise NotFound("you have no registration for this meeting")
    return found
