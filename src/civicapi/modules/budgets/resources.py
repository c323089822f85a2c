"""The budgets' resource types for the shared capabilities (comments, places, notifications ...): budgets
and their projects, seen wherever their component is (``registry.ResourceType``)."""

from __future__ import annotations

from civicapi.modules.budgets.catalog.places import PLACES
from civicapi.modules.budgets.models import Budget, Project
from civicapi.spaces import kit

BUDGET = kit.component_resource_type(
    module_key="budgets",
    name="budget",
    title={"fr": "Budget", "nl": "Begroting", "en": "Budget", "de": "Budget"},
    model=Budget,
    path=lambda row: ("budgets", row.id),
)
PROJECT = kit.component_resource_type(
    module_key="budgets",
    name="project",
    title={"fr": "Projet", "nl": "Project", "en": "Project", "de": "Projekt"},
    model=Project,
    path=lambda row: ("budgets", row.budget_id, "projects", row.id),
    columns=(Project.budget_id,),
    places=PLACES,
)
RESOURCE_TYPES = (BUDGET, PROJECT)
