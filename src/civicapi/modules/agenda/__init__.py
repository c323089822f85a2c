"""Agenda: a commune's public meetings (assemblies, workshops, site visits, online sessions). Meetings with
their agenda, registrations with race-free capacity and a waiting list, check-in at the door, invitations,
the closing report with minutes, calendars (iCalendar) and a directory across processes. See
``docs/modules/agenda.md``."""

from __future__ import annotations

from pathlib import Path

from civicapi.modules.agenda.closing.cli import register as register_cli
from civicapi.modules.agenda.closing.handlers import SUBSCRIPTIONS
from civicapi.modules.agenda.demo import seed as seed_demo
from civicapi.modules.agenda.models import MODELS
from civicapi.modules.agenda.permissions import PERMISSIONS
from civicapi.modules.agenda.registrations.service_lists import erase_personal_data, export_personal_data
from civicapi.modules.agenda.resources import RESOURCE_TYPES
from civicapi.modules.agenda.router import router
from civicapi.modules.agenda.settings import AgendaComponentSettings, AgendaStepSettings
from civicapi.modules.agenda.startup import keep_sweeping
from civicapi.registry import CivicModule

module = CivicModule(
    key="agenda",
    title={"fr": "Agenda", "nl": "Agenda", "en": "Agenda", "de": "Termine"},
    description={
        "fr": "Réunions publiques : ordre du jour, inscriptions avec liste d'attente, procès-verbaux.",
        "en": "Public meetings: agenda, registrations with a waiting list, check-in, minutes, calendars.",
    },
    router=router,
    models=MODELS,
    migrations=Path(__file__).parent / "migrations",
    permissions=PERMISSIONS,
    component_settings_schema=AgendaComponentSettings,
    step_settings_schema=AgendaStepSettings,
    export_personal_data=export_personal_data,
    erase_personal_data=erase_personal_data,
    subscriptions=SUBSCRIPTIONS,
    on_start=keep_sweeping,
    cli=register_cli,
    demo=seed_demo,
    demo_after=("proposals",),
    resource_types=RESOURCE_TYPES,
    version="1",
)

__all__ = ["module"]
