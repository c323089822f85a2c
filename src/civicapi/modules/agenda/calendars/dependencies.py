"""What the calendars' and exports' routes share: the caller as a :class:`Viewer` at the commune's level
(routes without a component), the feeds' filters, and how a format is rendered (language, public URL)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from typing import Annotated, Literal

from fastapi import Depends, Header, Query, Request
from pydantic import AwareDatetime

from civicapi.communes.dependencies import CallerDep
from civicapi.core.errors import Unauthorized
from civicapi.core.i18n import negotiate
from civicapi.modules.agenda.calendars.formats import Rendering, now
from civicapi.modules.agenda.calendars.repository import MeetingFilters
from civicapi.modules.agenda.common.reading import Viewer, viewer_of
from civicapi.modules.agenda.dependencies import CurrentContext, CurrentMeeting, ViewerDep
from civicapi.modules.agenda.exceptions import AgendaActionForbidden
from civicapi.modules.agenda.models import Meeting
from civicapi.modules.agenda.settings import ComponentContext

FromQuery = Annotated[
    AwareDatetime | None,
    Query(alias="from", description="Meetings ending after this instant (ISO 8601 with offset)."),
]
ToQuery = Annotated[
    AwareDatetime | None, Query(description="Meetings starting before this instant (ISO 8601 with offset).")
]
TypeQuery = Annotated[
    Literal["in_person", "online", "hybrid"] | None, Query(alias="type", description="The meeting type.")
]
DistrictQuery = Annotated[str | None, Query(min_length=1, max_length=60, description="The district.")]
CategoryQuery = Annotated[str | None, Query(min_length=1, max_length=60, description="The category.")]


async def component_filters(
    from_: FromQuery = None,
    to: ToQuery = None,
    meeting_type: TypeQuery = None,
    district: DistrictQuery = None,
    category: CategoryQuery = None,
) -> MeetingFilters:
    return MeetingFilters(
        start=from_, end=to, meeting_type=meeting_type, district=district, category=category
    )


async def commune_filters(
    base: Annotated[MeetingFilters, Depends(component_filters)],
    component_id: Annotated[uuid.UUID | None, Query(description="Meetings of this component only.")] = None,
) -> MeetingFilters:
    return replace(base, component_id=component_id)


ComponentFilters = Annotated[MeetingFilters, Depends(component_filters)]
CommuneFilters = Annotated[MeetingFilters, Depends(commune_filters)]


async def commune_viewer(caller: CallerDep) -> Viewer:
    return viewer_of(caller)


CommuneViewer = Annotated[Viewer, Depends(commune_viewer)]
"""Who calls, for routes of the whole commune (no component in the path)."""


async def rendering(
    request: Request,
    caller: CallerDep,
    locale: Annotated[str | None, Query(max_length=10, description="Language of the texts.")] = None,
    accept_language: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Rendering:
    commune = caller.commune
    return Rendering(
        commune=commune,
        locale=negotiate(locale, accept_language, commune.locales, commune.default_locale),
        public_url=request.app.state.settings.public_url,
        now=now(),
    )


RenderingDep = Annotated[Rendering, Depends(rendering)]


async def person(caller: CallerDep) -> uuid.UUID:
    """The account calling (a personal feed belongs to a person): 401 without credentials, 403
    ``not_a_person`` for an API key."""
    if caller.user is not None:
        return caller.user.id
    if not caller.authenticated:
        raise Unauthorized("authentication required")
    raise AgendaActionForbidden(
        "a personal calendar belongs to a person, not to an API key", reason="not_a_person"
    )


Person = Annotated[uuid.UUID, Depends(person)]


@dataclass(frozen=True, slots=True)
class MeetingScope:
    """A meeting of the path (visible to the caller), its component, who looks and how to write it."""

    meeting: Meeting
    ctx: ComponentContext
    viewer: Viewer
    rendering: Rendering


async def meeting_scope(
    meeting: CurrentMeeting, ctx: CurrentContext, viewer: ViewerDep, r: RenderingDep
) -> MeetingScope:
    return MeetingScope(meeting=meeting, ctx=ctx, viewer=viewer, rendering=r)


MeetingScopeDep = Annotated[MeetingScope, Depends(meeting_scope)]
