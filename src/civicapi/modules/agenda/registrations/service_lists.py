"""Registrations as their readers see them: the person's own (with their place in line and check-in
code), staff's list (personal data), the public list of participants who opted in; and the personal-data
hooks (export, erasure)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core.errors import NotFound
from civicapi.core.pagination import PageParams, keyset_page
from civicapi.forms import service_submission as form_answers
from civicapi.modules.agenda.common.reading import Viewer, sees_details
from civicapi.modules.agenda.models import CANCELLED_REGISTRATION, WAITING, Invite, Meeting, Registration
from civicapi.modules.agenda.registrations.repository import (
    InviteRepository,
    PersonalDataRepository,
    RegistrationRepository,
)
from civicapi.modules.agenda.registrations.schemas import (
    InviteRead,
    ParticipantRead,
    RegistrationListItem,
    RegistrationRead,
)
from civicapi.modules.agenda.settings import ComponentContext


def check_in_url(public_url: str, commune_slug: str, code: str) -> str:
    """What the registrant's QR code holds: short, and the code alone identifies the registration in the
    commune (staff's scanner posts it to the meeting's check-ins)."""
    return f"{public_url}/c/{commune_slug}/{code}"


def present(
    registration: Registration, *, place_in_line: int | None, public_url: str, commune_slug: str
) -> RegistrationRead:
    holds_code = registration.status != CANCELLED_REGISTRATION
    return RegistrationRead(
        id=registration.id,
        meeting_id=registration.meeting_id,
        user_id=registration.user_id,
        status=registration.status,
        number=registration.number,
        place_in_line=place_in_line,
        code=registration.code if holds_code else None,
        check_in_url=check_in_url(public_url, commune_slug, registration.code) if holds_code else None,
        public_participation=registration.public_participation,
        offered_until=registration.offered_until,
        checked_in_at=registration.checked_in_at,
        created_at=registration.created_at,
        cancelled_at=registration.cancelled_at,
    )


async def read(
    session: AsyncSession, ctx: ComponentContext, registration: Registration, *, public_url: str
) -> RegistrationRead:
    """One registration with its place in line (one more query while waiting)."""
    place = None
    if registration.status == WAITING:
        place = await RegistrationRepository(session, ctx.commune_id).place_in_line(
            registration.meeting_id, registration.number
        )
    return present(registration, place_in_line=place, public_url=public_url, commune_slug=ctx.commune.slug)


SORTS = {"number": Registration.number, "created_at": Registration.created_at}


async def staff_page(
    session: AsyncSession,
    ctx: ComponentContext,
    meeting: Meeting,
    params: PageParams,
    *,
    status: str | None,
    public_url: str,
) -> tuple[list[RegistrationListItem], str | None]:
    """A page of the meeting's registrations, with names and addresses (two queries)."""
    repo = RegistrationRepository(session, ctx.commune_id)
    rows, cursor = await keyset_page(
        session,
        repo.listing(meeting.id, status),
        params=params,
        sorts=SORTS,
        default_sort="number",
        id_column=Registration.id,
    )
    people = await repo.people([r.user_id for r in rows if r.user_id is not None])
    items = []
    for row in rows:
        person = people.get(row.user_id) if row.user_id else None
        base = present(row, place_in_line=None, public_url=public_url, commune_slug=ctx.commune.slug)
        items.append(
            RegistrationListItem(
                **base.model_dump(),
                display_name=person.display_name if person else None,
                email=person.email if person else None,
            )
        )
    return items, cursor


async def participants_page(
    session: AsyncSession, ctx: ComponentContext, meeting: Meeting, params: PageParams, *, viewer: Viewer
) -> tuple[list[ParticipantRead], str | None]:
    """Registrants who opted in, by arrival: display names only (two queries). Of a transparent private
    meeting, only those who see its details see who comes (404 for the others)."""
    if not await sees_details(session, ctx, meeting, viewer):
        raise NotFound(f"meeting {meeting.id} not found")
    repo = RegistrationRepository(session, ctx.commune_id)
    rows, cursor = await keyset_page(
        session,
        repo.participants(meeting.id),
        params=params,
        sorts={"number": Registration.number},
        default_sort="number",
        id_column=Registration.id,
    )
    people = await repo.people([r.user_id for r in rows if r.user_id is not None])
    items = [
        ParticipantRead(display_name=people[r.user_id].display_name, registered_at=r.created_at)
        for r in rows
        if r.user_id in people
    ]
    return items, cursor


def invite_read(row: Invite) -> InviteRead:
    return InviteRead(
        id=row.id,
        meeting_id=row.meeting_id,
        user_id=row.user_id,
        email=row.email,
        status=row.status,
        created_at=row.created_at,
        answered_at=row.answered_at,
    )


async def invites_page(
    session: AsyncSession, ctx: ComponentContext, meeting: Meeting, params: PageParams
) -> tuple[list[InviteRead], str | None]:
    rows, cursor = await keyset_page(
        session,
        InviteRepository(session, ctx.commune_id).listing(meeting.id),
        params=params,
        sorts={"created_at": Invite.created_at},
        default_sort="created_at",
        id_column=Invite.id,
    )
    return [invite_read(r) for r in rows], cursor


async def export_personal_data(session: AsyncSession, user_id: uuid.UUID) -> dict[str, Any]:
    """The person's registrations (with the meeting's title and start) and invitations, in every commune."""
    repo = PersonalDataRepository(session)
    user = await repo.user(user_id)
    registrations = [
        {
            "id": str(r.id),
            "meeting_id": str(r.meeting_id),
            "meeting_title": m.title,
            "meeting_start_at": m.start_at.isoformat(),
            "status": r.status,
            "number": r.number,
            "public_participation": r.public_participation,
            "terms_accepted_at": r.terms_accepted_at.isoformat() if r.terms_accepted_at else None,
            "checked_in_at": r.checked_in_at.isoformat() if r.checked_in_at else None,
            "created_at": r.created_at.isoformat(),
            "cancelled_at": r.cancelled_at.isoformat() if r.cancelled_at else None,
        }
        for r, m in await repo.registrations(user_id)
    ]
    invites = [
        invite_read(i).model_dump(mode="json")
        for i in await repo.invites(user_id, user.email if user else None)
    ]
    forms = await form_answers.export_person(session, user_id, owner_module="agenda")
    return {"registrations": registrations, "invitations": invites, "registration_forms": forms["responses"]}


async def erase_personal_data(session: AsyncSession, user_id: uuid.UUID) -> None:
    """Registrations stay (the counts too) without the person; invitations to their address go (those to
    the account go with it)."""
    repo = PersonalDataRepository(session)
    user = await repo.user(user_id)
    await repo.forget(user_id, user.email if user else None)
    await form_answers.erase_person(session, user_id, owner_module="agenda")
