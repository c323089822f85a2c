"""Reminders of the agenda, sent by a sweep that every process runs (``on_start``: every
:data:`SWEEP_SECONDS`) and that ``civicapi agenda reminders`` runs once:

* **registrants** of a meeting are reminded ``reminder_hours_before`` it starts (component setting; 0:
  never), once (``reminders_sent_at``);
* **organisers** are told once when the places taken pass ``fill_alert_percent`` of the places offered
  (``fill_alert_sent_at``);
* the **author** of a meeting that ended ``close_reminder_days`` ago and is not closed is reminded to
  publish its closing (``close_reminder_sent_at``), within :data:`CLOSE_GRACE` after that (a meeting long
  past is not reminded of when reminders are switched on).

Organisers are the author of a participant's meeting; for the commune's own meetings, the commune's contact
address, or without one its admins and staff. Each reminder is claimed by a conditional ``UPDATE`` of its
column in its own transaction, with the mails it sends: of any number of sweeps racing in any number of
processes exactly one sends it, and a sweep that fails sends nothing and leaves it due. Mail leaves through
the event outbox after the commit, only to active accounts with a confirmed address.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from civicapi.communes.models import Commune
from civicapi.core.db.base import utcnow
from civicapi.core.db.session import Database
from civicapi.core.i18n import translate
from civicapi.core.periodic import run_every
from civicapi.identity.service import queue_mail
from civicapi.modules.agenda.closing.repository_reminders import Candidate, Recipient, ReminderRepository
from civicapi.modules.agenda.common.presenting import places_left
from civicapi.modules.agenda.models import Meeting
from civicapi.modules.agenda.settings import AgendaComponentSettings

log = logging.getLogger(__name__)

SWEEP_SECONDS = 300.0
"""How often each running process looks for reminders that are due."""
CLOSE_GRACE = timedelta(days=30)
AHEAD = timedelta(days=14)
"""The longest ``reminder_hours_before`` allows."""
BEHIND = timedelta(days=90) + CLOSE_GRACE
"""The longest ``close_reminder_days`` allows, and the grace after it."""
TEAM_ROLES = ("admin", "staff")


@dataclass(frozen=True, slots=True)
class Kind:
    name: str
    column: Any
    due: Callable[[Meeting, AgendaComponentSettings, datetime], bool]
    to_registrants: bool
    mail: Callable[[Meeting, Commune, Recipient], tuple[str, str]]


@dataclass
class SweepResult:
    sent: Counter[str] = field(default_factory=Counter)
    """Meetings by kind of reminder sent (``reminder``, ``fill_alert``, ``close_reminder``)."""
    mails: int = 0


def _reminder_due(m: Meeting, s: AgendaComponentSettings, now: datetime) -> bool:
    hours = s.reminder_hours_before
    return (
        m.reminders_sent_at is None and hours > 0 and m.start_at - timedelta(hours=hours) <= now < m.start_at
    )


def _fill_due(m: Meeting, s: AgendaComponentSettings, now: datetime) -> bool:
    offered = m.available_slots - m.reserved_slots
    percent = s.fill_alert_percent
    return (
        m.fill_alert_sent_at is None
        and percent > 0
        and offered > 0
        and now < m.start_at
        and m.registrations_count * 100 >= percent * offered
    )


def _close_due(m: Meeting, s: AgendaComponentSettings, now: datetime) -> bool:
    due_at = m.end_at + timedelta(days=s.close_reminder_days)
    return (
        m.close_reminder_sent_at is None
        and m.closed_at is None
        and s.close_reminder_days > 0
        and due_at <= now < due_at + CLOSE_GRACE
    )


def _when(m: Meeting, commune: Commune) -> str:
    return m.start_at.astimezone(ZoneInfo(commune.timezone)).strftime("%Y-%m-%d %H:%M")


def _title(m: Meeting, commune: Commune, to: Recipient) -> str:
    return translate(m.title, to.locale or commune.default_locale, commune.default_locale)


def _reminder_mail(m: Meeting, commune: Commune, to: Recipient) -> tuple[str, str]:
    title = _title(m, commune, to)
    where = [translate(m.location, to.locale or commune.default_locale, commune.default_locale), m.address]
    lines = [f"Where: {', '.join(w for w in where if w)}"] if any(where) else []
    if m.online_url:
        lines.append(f"Online: {m.online_url}")
    return (
        f"Reminder: {title}, {_when(m, commune)}",
        f"Hello {to.name},\n\nYou registered for \u201c{title}\u201d ({commune.name}), on "
        f"{_when(m, commune)} ({commune.timezone}).\n" + "".join(f"{line}\n" for line in lines) + "\n"
        "If you cannot come, please cancel your registration: someone on the waiting list gets your place.\n",
    )


def _fill_mail(m: Meeting, commune: Commune, to: Recipient) -> tuple[str, str]:
    title = _title(m, commune, to)
    offered = m.available_slots - m.reserved_slots
    return (
        f"{title}: {m.registrations_count} of {offered} places taken",
        f"Hello {to.name},\n\n\u201c{title}\u201d ({_when(m, commune)}) has {m.registrations_count} "
        f"registrations for {offered} places; {places_left(m) or 0} left, {m.waiting_count} on the waiting "
        "list. You may want a larger room, or more places.\n",
    )


def _close_mail(m: Meeting, commune: Commune, to: Recipient) -> tuple[str, str]:
    title = _title(m, commune, to)
    return (
        f"{title}: publish what was decided",
        f"Hello {to.name},\n\n\u201c{title}\u201d took place on {_when(m, commune)} and has no closing yet. "
        "Publish its minutes, the attendance and the proposals discussed, so that participants see what "
        "became of the meeting.\n",
    )


KINDS = (
    Kind("reminder", Meeting.reminders_sent_at, _reminder_due, True, _reminder_mail),
    Kind("fill_alert", Meeting.fill_alert_sent_at, _fill_due, False, _fill_mail),
    Kind("close_reminder", Meeting.close_reminder_sent_at, _close_due, False, _close_mail),
)


def _settings(candidate: Candidate) -> AgendaComponentSettings | None:
    try:
        return AgendaComponentSettings.model_validate(candidate.component_settings)
    except ValidationError:
        log.warning("meeting %s: its component's settings are not valid; no reminder", candidate.meeting.id)
        return None


async def _organisers(repo: ReminderRepository, m: Meeting, commune: Commune) -> list[Recipient]:
    if not m.official and m.author_id is not None:
        author = await repo.account(m.author_id)
        return [author] if author is not None else []
    if commune.contact_email:
        return [Recipient(commune.contact_email, commune.name, None)]
    return await repo.team(commune.id, TEAM_ROLES)


async def sweep(db: Database, *, now: datetime | None = None) -> SweepResult:
    """Send every reminder that is due now, in every commune where the agenda is enabled."""
    now = now or utcnow()
    async with db.unit_of_work(readonly=True) as session:
        candidates = await ReminderRepository(session).candidates(now, ahead=AHEAD, behind=BEHIND)
    result = SweepResult()
    for candidate in candidates:
        settings = _settings(candidate)
        if settings is None:
            continue
        meeting, commune = candidate.meeting, candidate.commune
        for kind in KINDS:
            if not kind.due(meeting, settings, now):
                continue
            async with db.unit_of_work() as session:
                repo = ReminderRepository(session)
                if not await repo.claim(meeting.id, kind.column, now):
                    continue  # another sweep sent it
                recipients = await (
                    repo.registrants(meeting.id)
                    if kind.to_registrants
                    else _organisers(repo, meeting, commune)
                )
                for to in recipients:
                    queue_mail(session, to.email, *kind.mail(meeting, commune, to))
            result.sent[kind.name] += 1
            result.mails += len(recipients)
    return result


async def keep_reminding(state: Any) -> None:
    """``on_start``: :func:`sweep` now, then every :data:`SWEEP_SECONDS` until the app stops; a sweep that
    fails is logged and the next one comes all the same."""

    async def remind() -> None:
        done = await sweep(state.db)
        if done.mails:
            log.info("agenda reminders: %s", done)

    await run_every(SWEEP_SECONDS, [("the agenda's reminders", remind)], log)
