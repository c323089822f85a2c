"""Surveys: consultations of residents ("enquêtes") on the forms capability. Surveys per component with a
questionnaire of every question type, published and open between dates in the phases that allow it; one
answer per person, race-free (or several where allowed), anonymous surveys whose register of who answered
is kept apart from the answers, answers without an account through one-time tokens; results computed in
SQL with small-group suppression; streamed exports. See ``docs/modules/surveys.md``."""

from __future__ import annotations

from pathlib import Path

from civicapi.modules.surveys.answering.personal_data import erase_personal_data, export_personal_data
from civicapi.modules.surveys.management.sweep import keep_closing
from civicapi.modules.surveys.models import MODELS
from civicapi.modules.surveys.permissions import PERMISSIONS
from civicapi.modules.surveys.resources import RESOURCE_TYPES
from civicapi.modules.surveys.results.demo import seed as seed_demo
from civicapi.modules.surveys.router import router
from civicapi.modules.surveys.settings import SurveysComponentSettings, SurveysStepSettings
from civicapi.registry import CivicModule

module = CivicModule(
    key="surveys",
    title={"fr": "Enquêtes", "nl": "Enquêtes", "en": "Surveys", "de": "Umfragen"},
    description={
        "fr": "Enquêtes et consultations : questionnaires, une réponse par personne, résultats, exports.",
        "en": "Surveys: questionnaires, one answer per person, anonymous answers, results and exports.",
    },
    router=router,
    models=MODELS,
    migrations=Path(__file__).parent / "migrations",
    permissions=PERMISSIONS,
    component_settings_schema=SurveysComponentSettings,
    step_settings_schema=SurveysStepSettings,
    resource_types=RESOURCE_TYPES,
    on_start=keep_closing,
    export_personal_data=export_personal_data,
    erase_personal_data=erase_personal_data,
    version="1",
    demo=seed_demo,
)

__all__ = ["module"]
