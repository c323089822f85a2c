"""Meetings in the formats of other tools, built from :class:`MeetingRead` (so a reader never sees more of a
meeting than the JSON shows them): iCalendar (RFC 5545, written by the ``icalendar`` library, never by
string concatenation) and schema.org ``Event`` JSON-LD. Pure functions."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from icalendar import Calendar, Conference, Event
from icalendar.enums import STATUS

from civicapi.communes.models import Commune
from civicapi.core.i18n import translate
from civicapi.modules.agenda.models import CANCELLED, DRAFT, HYBRID, IN_PERSON, ONLINE, WAITING, WITHDRAWN
from civicapi.modules.agenda.schemas import MeetingRead

PRODID = "-//civicapi//agenda//EN"
ICS_MEDIA_TYPE = "text/calendar"
JSONLD_MEDIA_TYPE = "application/ld+json"


@dataclass(frozen=True, slots=True)
class Rendering:
    """How meetings are written for one answer: the commune, the language, the deployment's public URL (the
    host of the stable UIDs, the base of the meetings' links), and the time of the request."""

    commune: Commune
    locale: str
    public_url: str
    now: datetime

    @property
    def host(self) -> str:
        return urlsplit(self.public_url).hostname or self.commune.slug

    def local(self, value: dict[str, str] | None) -> str:
        return translate(value, self.locale, self.commune.default_locale)

    def url_of(self, meeting: MeetingRead) -> str:
        base = self.public_url.rstrip("/")
        return (
            f"{base}/v1/communes/{self.commune.slug}/agenda/components/{meeting.component_id}"
            f"/meetings/{meeting.id}"
        )

    def uid_of(self, meeting: MeetingRead) -> str:
        """Stable across feeds and changes: a calendar app updates the event instead of adding another."""
        return f"{meeting.id}@{self.host}"


def _status(meeting: MeetingRead, registration_status: str | None) -> STATUS:
    if meeting.status in (CANCELLED, WITHDRAWN):
        return STATUS.CANCELLED
    if meeting.status == DRAFT or registration_status == WAITING:
        return STATUS.TENTATIVE
    return STATUS.CONFIRMED


def _place(meeting: MeetingRead, r: Rendering) -> str:
    return ", ".join(p for p in (r.local(meeting.location), meeting.address or "") if p)


@dataclass(frozen=True, slots=True)
class Version:
    """What tells a calendar app that a meeting changed: ``Meeting.sequence`` (SEQUENCE) and the time of
    its last change (DTSTAMP: without a METHOD, RFC 5545 makes it the last revision in the store)."""

    sequence: int
    changed_at: datetime


def _event(meeting: MeetingRead, r: Rendering, *, version: Version, registration_status: str | None) -> Event:
    tz = ZoneInfo(meeting.time_zone)
    notes = [r.local(meeting.description)]
    if meeting.status in (CANCELLED, WITHDRAWN) and meeting.cancel_reason:
        notes.insert(0, r.local(meeting.cancel_reason))
    if meeting.online_url:
        notes.append(meeting.online_url)
    if registration_status == WAITING:
        notes.insert(0, "(waiting list)")
    event = Event.new(
        uid=r.uid_of(meeting),
        summary=r.local(meeting.title),
        start=meeting.start_at.astimezone(tz),
        end=meeting.end_at.astimezone(tz),
        stamp=version.changed_at.astimezone(UTC),
        sequence=version.sequence,
        status=_status(meeting, registration_status),
        url=r.url_of(meeting),
        description="\n\n".join(n for n in notes if n) or None,
        location=_place(meeting, r) or (meeting.online_url if meeting.meeting_type == ONLINE else None),
        categories=[meeting.category] if meeting.category else (),
    )
    if meeting.online_url:
        event.conferences = [Conference(meeting.online_url, feature=["VIDEO", "AUDIO"])]
    if meeting.latitude is not None and meeting.longitude is not None:
        event.add("geo", (meeting.latitude, meeting.longitude))
    return event


def calendar(
    meetings: Sequence[MeetingRead],
    r: Rendering,
    *,
    name: str,
    versions: dict[Any, Version],
    registrations: dict[Any, str] | None = None,
) -> bytes:
    """An iCalendar document of the meetings (times in the commune's time zone, with its VTIMEZONE).
    ``versions``: each meeting's :class:`Version`; ``registrations``: the reader's registration status per
    meeting (a place in the waiting list is TENTATIVE). The same meetings give the same bytes (an ETag)."""
    # A stable UID for the calendar too (the library would draw a random one): the same feed, the same bytes.
    cal = Calendar.new(
        prodid=PRODID, name=name, uid=uuid.uuid5(uuid.NAMESPACE_URL, r.public_url + "/" + name)
    )
    cal.add("x-wr-timezone", r.commune.timezone)
    for meeting in meetings:
        status = (registrations or {}).get(meeting.id)
        cal.add_component(_event(meeting, r, version=versions[meeting.id], registration_status=status))
    cal.add_missing_timezones()
    body: bytes = cal.to_ical()
    return body


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _attendance_mode(meeting: MeetingRead) -> str:
    return {
        IN_PERSON: "https://schema.org/OfflineEventAttendanceMode",
        ONLINE: "https://schema.org/OnlineEventAttendanceMode",
        HYBRID: "https://schema.org/MixedEventAttendanceMode",
    }[meeting.meeting_type]


def event_jsonld(meeting: MeetingRead, r: Rendering) -> dict[str, Any]:
    """The meeting as a schema.org ``Event``: the place and the online link only where the reader may see
    them (what :class:`MeetingRead` shows them)."""
    tz = ZoneInfo(meeting.time_zone)
    locations: list[dict[str, Any]] = []
    if meeting.address or meeting.location:
        place: dict[str, Any] = {"@type": "Place", "name": r.local(meeting.location) or meeting.address}
        if meeting.address:
            place["address"] = {"@type": "PostalAddress", "streetAddress": meeting.address}
        if meeting.latitude is not None and meeting.longitude is not None:
            place["geo"] = {
                "@type": "GeoCoordinates",
                "latitude": meeting.latitude,
                "longitude": meeting.longitude,
            }
        locations.append(place)
    if meeting.online_url:
        locations.append({"@type": "VirtualLocation", "url": meeting.online_url})
    cancelled = meeting.status in (CANCELLED, WITHDRAWN)
    document: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Event",
        "@id": r.url_of(meeting),
        "identifier": str(meeting.id),
        "name": r.local(meeting.title),
        "description": r.local(meeting.description) or None,
        "startDate": meeting.start_at.astimezone(tz).isoformat(),
        "endDate": meeting.end_at.astimezone(tz).isoformat(),
        "eventStatus": "https://schema.org/EventCancelled"
        if cancelled
        else "https://schema.org/EventScheduled",
        "eventAttendanceMode": _attendance_mode(meeting),
        "organizer": {"@type": "GovernmentOrganization", "name": r.commune.name},
        "url": r.url_of(meeting),
        "inLanguage": r.locale,
    }
    if locations:
        document["location"] = locations[0] if len(locations) == 1 else locations
    if meeting.category:
        document["keywords"] = meeting.category
    return {k: v for k, v in document.items() if v is not None}


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def jsonld_bytes(document: dict[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
