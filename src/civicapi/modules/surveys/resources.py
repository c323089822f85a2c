"""The surveys' resource type for the shared capabilities (comments, attachments, notifications...): which
surveys a caller may see and how to name them, a page of ids at a time (``registry.ResourceType``), by the
one visibility rule of ``common/reading.py``: drafts for the holders of ``surveys.manage`` only."""

from __future__ import annotations

from sqlalchemy import ColumnElement

from civicapi.modules.surveys import permissions
from civicapi.modules.surveys.models import Survey
from civicapi.modules.surveys.repository import visible_clause
from civicapi.registry import ResourceCaller
from civicapi.spaces import kit


def _readable(caller: ResourceCaller) -> ColumnElement[bool]:
    """As ``GET .../surveys/{id}`` answers (``common.reading.visible_to``)."""
    return visible_clause(caller.can(permissions.MANAGE))


SURVEY = kit.component_resource_type(
    module_key="surveys",
    name="survey",
    title={"fr": "Enquête", "nl": "Enquête", "en": "Survey", "de": "Umfrage"},
    model=Survey,
    path=lambda row: ("surveys", row.id),
    rule=_readable,
)
RESOURCE_TYPES = (SURVEY,)
