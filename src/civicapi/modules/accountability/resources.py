"""The accountability's resource type for the shared capabilities (comments, places, notifications ...):
results, seen wherever their component is (``registry.ResourceType``)."""

from __future__ import annotations

from civicapi.modules.accountability.models import Result
from civicapi.modules.accountability.places import PLACES
from civicapi.spaces import kit

RESULT = kit.component_resource_type(
    module_key="accountability",
    name="result",
    title={"fr": "Résultat", "nl": "Resultaat", "en": "Result", "de": "Ergebnis"},
    model=Result,
    path=lambda row: ("results", row.id),
    places=PLACES,
)
RESOURCE_TYPES = (RESULT,)
