"""Proposals: calls for ideas, supports, official answers and eligibility review.

Residents submit proposals in a component of a participatory process, support the ones they like, a
commission reviews them against eligibility criteria, and the commune answers each one publicly. See
``docs/modules/proposals.md``; the events other modules may subscribe to are described in ``contract.py``.
"""

from __future__ import annotations

from pathlib import Path

from civicapi.modules.proposals.demo import seed as seed_demo
from civicapi.modules.proposals.discussions.service import SUBSCRIPTIONS
from civicapi.modules.proposals.handlers import erase_personal_data, export_personal_data
from civicapi.modules.proposals.models import MODELS
from civicapi.modules.proposals.permissions import PERMISSIONS
from civicapi.modules.proposals.resources import RESOURCE_TYPES
from civicapi.modules.proposals.router import router
from civicapi.modules.proposals.settings import ProposalsComponentSettings, ProposalsStepSettings
from civicapi.registry import CivicModule

module = CivicModule(
    key="proposals",
    title={"fr": "Propositions", "nl": "Voorstellen", "en": "Proposals", "de": "Vorschläge"},
    description={
        "fr": "Appels à propositions : dépôt, soutiens, examen de recevabilité et réponses officielles.",
        "en": "Calls for proposals: submission, supports, eligibility review and official answers.",
    },
    router=router,
    models=MODELS,
    migrations=Path(__file__).parent / "migrations",
    permissions=PERMISSIONS,
    component_settings_schema=ProposalsComponentSettings,
    step_settings_schema=ProposalsStepSettings,
    subscriptions=SUBSCRIPTIONS,
    export_personal_data=export_personal_data,
    erase_personal_data=erase_personal_data,
    resource_types=RESOURCE_TYPES,
    demo=seed_demo,
    version="1",
)

__all__ = ["module"]
