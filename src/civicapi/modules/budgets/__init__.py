"""Participatory budgets: budgets and projects, ballots (knapsack, approval, cumulative) cast online or on
paper with one vote per verified person, secret once the vote closes, counted by a published rule (greedy
or the Method of Equal Shares, the pure ``counting`` package) with results anyone can recount from the
published Pabulib export. See ``docs/modules/budgets.md``."""

from __future__ import annotations

from pathlib import Path

from civicapi.modules.budgets.cli import register as register_cli
from civicapi.modules.budgets.demo import seed as seed_demo
from civicapi.modules.budgets.handlers import SUBSCRIPTIONS, erase_personal_data, export_personal_data
from civicapi.modules.budgets.models import MODELS
from civicapi.modules.budgets.permissions import PERMISSIONS
from civicapi.modules.budgets.resources import RESOURCE_TYPES
from civicapi.modules.budgets.router import router
from civicapi.modules.budgets.settings import BudgetsComponentSettings, BudgetsStepSettings
from civicapi.modules.budgets.startup import keep_sealing
from civicapi.modules.budgets.voting.lane.lane import BallotLane
from civicapi.registry import CivicModule

module = CivicModule(
    key="budgets",
    title={
        "fr": "Budgets participatifs",
        "nl": "Burgerbegrotingen",
        "en": "Participatory budgets",
        "de": "Bürgerhaushalte",
    },
    description={
        "fr": "Vote sur des projets dans un budget, dépouillement public et vérifiable.",
        "en": "Voting on projects within a budget, with a public and verifiable count.",
    },
    router=router,
    models=MODELS,
    migrations=Path(__file__).parent / "migrations",
    cli=register_cli,
    permissions=PERMISSIONS,
    component_settings_schema=BudgetsComponentSettings,
    step_settings_schema=BudgetsStepSettings,
    subscriptions=SUBSCRIPTIONS,
    export_personal_data=export_personal_data,
    erase_personal_data=erase_personal_data,
    resource_types=RESOURCE_TYPES,
    demo=seed_demo,
    demo_after=("proposals",),  # last year's projects link the demo's proposals
    version="1",
    lane=lambda state: BallotLane(state.db, state.registry, state.tokens),
    on_start=keep_sealing,
    # Ballots only show publicly as vote totals (and only once the step setting shows them): casting one
    # leaves the public pages kept by the response cache valid; totals may lag by its max-age.
    cache_quiet_tables=("budgets_ballot", "budgets_ballot_item", "budgets_voter", "budgets_idempotency_key"),
)

__all__ = ["module"]
