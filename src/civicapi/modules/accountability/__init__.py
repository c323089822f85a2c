"""Accountability: public tracking of how voted projects are carried out. Results (a tree per component:
a project and its sub-works) with statuses, progress rolled up from children, dated milestones, amounts
and places; a public history built from the audit trail; CSV import and open-data exports; results
imported from the selected projects of a budgets component and linked to their proposals. See
``docs/modules/accountability.md``."""

from __future__ import annotations

from pathlib import Path

from civicapi.modules.accountability.demo import seed as seed_demo
from civicapi.modules.accountability.handlers import SUBSCRIPTIONS
from civicapi.modules.accountability.models import MODELS
from civicapi.modules.accountability.permissions import PERMISSIONS
from civicapi.modules.accountability.resources import RESOURCE_TYPES
from civicapi.modules.accountability.router import router
from civicapi.modules.accountability.settings import (
    AccountabilityComponentSettings,
    AccountabilityStepSettings,
)
from civicapi.registry import CivicModule

module = CivicModule(
    key="accountability",
    title={
        "fr": "Suivi des projets",
        "nl": "Opvolging van projecten",
        "en": "Accountability",
        "de": "Rechenschaft",
    },
    description={
        "fr": "Suivi public de la réalisation des projets votés : statuts, avancement, jalons, budgets.",
        "en": "Public tracking of how voted projects are carried out: statuses, progress, milestones, budgets.",
    },
    router=router,
    models=MODELS,
    migrations=Path(__file__).parent / "migrations",
    permissions=PERMISSIONS,
    component_settings_schema=AccountabilityComponentSettings,
    step_settings_schema=AccountabilityStepSettings,
    subscriptions=SUBSCRIPTIONS,
    resource_types=RESOURCE_TYPES,
    demo=seed_demo,
    demo_after=("budgets",),  # its results come from the budgets' published results
    version="1",
)

__all__ = ["module"]
