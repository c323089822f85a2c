"""The agenda's resource type for the shared capabilities (comments, places, attachments, notifications
...): which meetings a caller may see and how to name them, a page of ids at a time
(``registry.ResourceType``), by the one visibility rule of ``common/reading.py``."""

from __future__ import annotations

from sqlalchemy import ColumnElement

from civicapi.modules.agenda import permissions
from civicapi.modules.agenda.common.reading import Viewer
from civicapi.modules.agenda.meetings.places import PLACES
from civicapi.modules.agenda.meetings.repository_directory import visible_to
from civicapi.modules.agenda.models import Meeting
from civicapi.registry import ResourceCaller
from civicapi.spaces import kit


def _readable(caller: ResourceCaller) -> ColumnElement[bool]:
    """As ``GET .../meetings/{id}`` answers: drafts to their author and staff, private meetings to their
    guests (transparent ones, in outline, to everyone)."""
    viewer = Viewer(
        user_id=caller.user_id,
        manages=caller.can(permissions.MANAGE),
        sees_registrations=caller.can(permissions.REGISTRATIONS),
    )
    return visible_to(viewer)


MEETING = kit.component_resource_type(
    module_key="agenda",
    name="meeting",
    title={"fr": "Réunion", "nl": "Bijeenkomst", "en": "Meeting", "de": "Versammlung"},
    model=Meeting,
    path=lambda row: ("meetings", row.id),
    rule=_readable,
    places=PLACES,
)
RESOURCE_TYPES = (MEETING,)
