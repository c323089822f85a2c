"""The proposals' resource type for the shared capabilities (comments, places, notifications ...): which
proposals a caller may see and how to name them, a page of ids at a time (``registry.ResourceType``)."""

from __future__ import annotations

from sqlalchemy import ColumnElement

from civicapi.modules.proposals.common.places import PLACES
from civicapi.modules.proposals.models import Proposal
from civicapi.modules.proposals.permissions import OFFICIAL
from civicapi.modules.proposals.repository import readable_by
from civicapi.registry import ResourceCaller
from civicapi.spaces import kit


def _readable(caller: ResourceCaller) -> ColumnElement[bool]:
    """As ``GET .../proposals/{id}`` answers: drafts only to their authors (official drafts to holders of
    ``proposals.official``)."""
    return readable_by(caller.user_id, may_official=caller.can(OFFICIAL))


PROPOSAL = kit.component_resource_type(
    module_key="proposals",
    name="proposal",
    title={"fr": "Proposition", "nl": "Voorstel", "en": "Proposal", "de": "Vorschlag"},
    model=Proposal,
    path=lambda row: ("proposals", row.id),
    rule=_readable,
    places=PLACES,
)
RESOURCE_TYPES = (PROPOSAL,)
