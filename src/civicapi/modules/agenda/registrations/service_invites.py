"""Invitations: staff invite an account or an e-mail address (told by mail; an address gets a secret link,
of which only the hash is kept); the invitee accepts or declines. Accepting registers an account where the
meeting takes registrations on the platform. Invitees see private meetings (``common.reading``)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core.db.base import utcnow
from civicapi.core.errors import InvalidInput, NotFound
from civicapi.core.i18n import translate
from civicapi.identity.models import User
from civicapi.identity.service import queue_mail
from civicapi.identity.tokens import hash_token, new_secret
from civicapi.modules.agenda.exceptions import AgendaConflict
from civicapi.modules.agenda.models import (
    ACCEPTED,
    DECLINED,
    PENDING,
    REGISTRATION_ON_PLATFORM,
    Invite,
    Meeting,
)
from civicapi.modules.agenda.registrations import service
from civicapi.modules.agenda.registrations.repository import InviteRepository
from civicapi.modules.agenda.registrations.schemas import InviteAnswer, InviteCreate, RegistrationCreate
from civicapi.modules.agenda.repository import MeetingRepository
from civicapi.modules.agenda.settings import ComponentContext


async def invite(
    session: AsyncSession,
    ctx: ComponentContext,
    meeting: Meeting,
    body: InviteCreate,
    *,
    by: User | None,
    public_url: str,
) -> Invite:
    """422 for neither or both addressees, an unknown account; 409 ``already_invited``."""
    if (body.user_id is None) == (body.email is None):
        raise InvalidInput(
            "invite an account (user_id) or an e-mail address (email): exactly one",
            errors=[{"location": ["body"], "message": "give user_id or email", "code": "exactly_one"}],
        )
    repo = InviteRepository(session, ctx.commune_id)
    email = body.email.lower() if body.email else None
    person = await repo.user(body.user_id) if body.user_id else None
    if body.user_id is not None and person is None:
        raise InvalidInput(
            "no such account",
            errors=[{"location": ["body", "user_id"], "message": "no such account", "code": "unknown_user"}],
        )
    if await repo.addressed(meeting.id, body.user_id, email):
        raise AgendaConflict("this person is invited already", reason="already_invited")
    token = new_secret("inv_") if email is not None else None
    row = repo.add(
        Invite(
            commune_id=ctx.commune_id,
            meeting_id=meeting.id,
            user_id=body.user_id,
            email=email,
            token_hash=hash_token(token) if token else None,
            status=PENDING,
            invited_by_id=by.id if by else None,
        )
    )
    await session.flush()
    title = translate(
        meeting.title, person.locale if person else ctx.commune.default_locale, ctx.commune.default_locale
    )
    if person is not None:
        link = f"{public_url}/meetings/{meeting.id}"
        name, to = person.display_name, person.email
    else:
        assert email is not None and token is not None
        link = f"{public_url}/invitations?component={ctx.component_id}&token={token}"
        name, to = "", email
    queue_mail(
        session,
        to,
        f"You are invited: {title}",
        f"Hello {name},\n\n{ctx.commune.name} invites you to \u201c{title}\u201d "
        f"({meeting.start_at.strftime('%Y-%m-%d %H:%M UTC')}).\nAccept or decline: {link}\n",
    )
    return row


async def answer_as_person(
    session: AsyncSession, ctx: ComponentContext, meeting: Meeting, body: InviteAnswer, *, user: User | None
) -> Invite:
    """The signed-in invitee's answer (404 when not invited)."""
    user = service.person(user, "log in first, or answer with the secret of the invitation's link")
    row = await InviteRepository(session, ctx.commune_id).of_person(meeting.id, user.id)
    if row is None:
        raise NotFound("you are not invited to this meeting")
    return await _answer(session, ctx, meeting, row, body, user)


async def answer_with_token(session: AsyncSession, ctx: ComponentContext, body: InviteAnswer) -> Invite:
    """The answer of an invitee by e-mail, with the secret of the link (404 for an unknown secret)."""
    row = await InviteRepository(session, ctx.commune_id).by_token(hash_token(body.token or ""))
    meeting = await MeetingRepository(session, ctx.commune_id).get(row.meeting_id) if row else None
    if row is None or meeting is None or meeting.component_id != ctx.component_id:
        raise NotFound("no such invitation")
    return await _answer(session, ctx, meeting, row, body, None)


async def _answer(
    session: AsyncSession,
    ctx: ComponentContext,
    meeting: Meeting,
    row: Invite,
    body: InviteAnswer,
    user: User | None,
) -> Invite:
    if row.status != PENDING and row.status != (ACCEPTED if body.accept else DECLINED):
        raise AgendaConflict(f"the invitation was {row.status} already", reason="invite_answered")
    if row.status == PENDING:
        row.status = ACCEPTED if body.accept else DECLINED
        row.answered_at = utcnow()
        await session.flush()
    if body.accept and user is not None and meeting.registration_mode == REGISTRATION_ON_PLATFORM:
        await service.register(
            session, ctx, meeting, user=user, body=RegistrationCreate(accept_terms=body.accept_terms)
        )
    return row
