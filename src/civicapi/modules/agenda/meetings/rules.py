"""Rules of meetings: what a meeting may hold (times, place, links, labels, locales), who may change it,
and its searchable text. Plain functions: the services call them before writing anything."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core.errors import Forbidden, Unauthorized
from civicapi.core.i18n import fold
from civicapi.modules.agenda.common.reading import Viewer
from civicapi.modules.agenda.exceptions import AgendaActionForbidden, AgendaConflict, AgendaInvalid
from civicapi.modules.agenda.models import CANCELLED, HYBRID, IN_PERSON, ONLINE, WITHDRAWN, Meeting
from civicapi.modules.agenda.permissions import MANAGE
from civicapi.modules.agenda.settings import ComponentContext
from civicapi.spaces import kit

MULTILINGUAL = ("title", "description", "location", "location_hints")
CALENDAR_FIELDS = (
    *MULTILINGUAL,
    "start_at",
    "end_at",
    "meeting_type",
    "address",
    "latitude",
    "longitude",
    "online_url",
    "online_url_visibility",
    "embed_url",
    "private",
    "transparent",
)
"""What a calendar reader sees of a meeting: a change to any of them bumps ``sequence``."""
AUDIT_FIELDS = (*CALENDAR_FIELDS, "category", "district", "status")


def search_text(meeting: Meeting) -> str:
    parts = [*meeting.title.values(), *(meeting.description or {}).values()]
    return fold(" ".join(p for p in parts if p))


def require_editor(meeting: Meeting, viewer: Viewer) -> None:
    """The author of a participant's meeting, or a holder of ``agenda.manage`` (who alone acts on the
    commune's own meetings)."""
    if viewer.user_id is None and not viewer.manages:
        raise Unauthorized("log in first")
    if viewer.manages:
        return
    if meeting.official:
        raise Forbidden(f"missing permission {MANAGE!r} in this commune", permission=MANAGE)
    if not viewer.is_author(meeting):
        raise AgendaActionForbidden("only the meeting's author may do this", reason="not_the_author")


def require_manager(viewer: Viewer) -> None:
    """Holders of ``agenda.manage`` only."""
    if viewer.user_id is None and not viewer.manages:
        raise Unauthorized("log in first")
    if not viewer.manages:
        raise Forbidden(f"missing permission {MANAGE!r} in this commune", permission=MANAGE)


def require_changeable(meeting: Meeting) -> None:
    """A withdrawn or cancelled meeting no longer changes (409)."""
    if meeting.status == CANCELLED:
        raise AgendaConflict("the meeting is cancelled", reason="cancelled")
    if meeting.status == WITHDRAWN:
        raise AgendaConflict("the meeting was withdrawn", reason="withdrawn")


async def require_participant_creation(
    session: AsyncSession, ctx: ComponentContext, user_id: uuid.UUID
) -> None:
    """A participant organises a meeting where the component and its current phase allow it, once they
    meet the component's ``create_requirements`` (403 with a ``reason`` otherwise)."""
    if not ctx.settings.participant_meetings_enabled:
        raise AgendaActionForbidden(
            "participants do not organise meetings in this component", reason="participant_meetings_disabled"
        )
    if not ctx.step.creation_enabled:
        raise AgendaActionForbidden(
            "the current phase does not accept new meetings", reason="creation_disabled"
        )
    await kit.require_verifications(
        session, ctx, user_id, ctx.settings.create_requirements, forbidden=AgendaActionForbidden
    )


def _error(field: str | list[str], message: str, code: str) -> dict[str, Any]:
    location = ["body", *(field if isinstance(field, list) else [field])]
    return {"location": location, "message": message, "code": code}


def locale_errors(ctx: ComponentContext, field: str, text: Mapping[str, str] | None) -> list[dict[str, Any]]:
    """A multilingual text's locales that the commune does not offer."""
    locales = set(ctx.commune.locales)
    message = f"this commune offers {', '.join(sorted(locales))}"
    return [
        _error([field, locale], message, "unknown_locale") for locale in sorted(set(text or {}) - locales)
    ]


def url_errors(field: str, url: str | None, *, hosts: list[str] | None = None) -> list[dict[str, Any]]:
    """An ``https`` URL with a host and no credentials; with ``hosts``, one of those hosts."""
    if url is None:
        return []
    try:
        parts = urlsplit(url)
        host = parts.hostname
        credentials = parts.username is not None or parts.password is not None
    except ValueError:
        return [_error(field, "not a URL", "url_not_https")]
    if parts.scheme.lower() != "https" or not host:
        return [_error(field, "an https:// link is required", "url_not_https")]
    if credentials:
        return [_error(field, "a link may not carry a user name or password", "url_has_credentials")]
    if hosts is not None and host.lower() not in {h.lower() for h in hosts}:
        allowed = ", ".join(hosts) or "none"
        return [_error(field, f"hosts allowed here: {allowed}", "embed_host_not_allowed")]
    return []


def meeting_errors(ctx: ComponentContext, values: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Everything wrong with a meeting's fields (``values``: the meeting as it would be after the
    change)."""
    errors: list[dict[str, Any]] = []
    for field in MULTILINGUAL:
        errors += locale_errors(ctx, field, values.get(field))
    if values["end_at"] <= values["start_at"]:
        errors.append(_error("end_at", "a meeting ends after it starts", "ends_before_start"))
    kind = values["meeting_type"]
    if kind in (IN_PERSON, HYBRID) and not values.get("address"):
        errors.append(_error("address", f"an address is required for {kind} meetings", "address_required"))
    if kind in (ONLINE, HYBRID) and not values.get("online_url"):
        errors.append(_error("online_url", f"a link is required for {kind} meetings", "online_url_required"))
    errors += url_errors("online_url", values.get("online_url"))
    errors += url_errors("embed_url", values.get("embed_url"), hosts=ctx.settings.embed_hosts)
    for field, allowed in (("category", ctx.settings.categories), ("district", ctx.settings.districts)):
        value = values.get(field)
        if value is not None and allowed and value not in allowed:
            errors.append(_error(field, f"one of: {', '.join(allowed)}", f"{field}_not_allowed"))
    if (values.get("latitude") is None) != (values.get("longitude") is None):
        errors.append(_error("latitude", "give latitude and longitude together, or neither", "coordinates"))
    return errors


def raise_invalid(errors: list[dict[str, Any]]) -> None:
    """422 ``agenda-invalid``, its ``reason`` the first error's code, when there are errors."""
    if errors:
        detail = "; ".join(f"{'.'.join(map(str, e['location'][1:]))}: {e['message']}" for e in errors)
        raise AgendaInvalid(detail, reason=errors[0]["code"], errors=errors)


def minutes_of(meeting: Meeting) -> int:
    return int((meeting.end_at - meeting.start_at).total_seconds() // 60)
