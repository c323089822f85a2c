"""The agenda module's route table: who may call each write operation, how to make the resources in its
paths, valid-enough requests, and the resources the tenancy check asks for through another commune.

Each use case keeps its entries in its own block (``# --- <use case> ---``)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from civicapi.modules.agenda import permissions
from civicapi.modules.agenda.models import Meeting, Registration
from civicapi.testing import (
    Authenticated,
    Ctx,
    Owner,
    People,
    Perm,
    Public,
    RouteTable,
    json_body,
    register,
    tenancy_component,
)
from tests.forms.route_factories import FORM_QUESTION, OWNERS, PART, QUESTION, FormOwnerPath, questions
from tests.modules.agenda.helpers import insert_meeting


def _db(world: Any) -> Any:
    return world.app.state.db


async def _meeting(ctx: Ctx) -> str:
    """A published meeting of the kit's agenda component (registrations on the platform, 20 places)."""
    meeting_id = await insert_meeting(
        _db(ctx.world), ctx.ids["component_id"], registration_mode="on_platform", available_slots=20
    )
    return str(meeting_id)


async def _tenancy_meeting(client: httpx.AsyncClient, world: People, ids: dict[str, str]) -> str:
    """A published meeting of an agenda component of alpha's process (the module enabled in both communes)."""
    component = await tenancy_component(client, world, ids, "agenda", name={"fr": "Agenda"})
    ids["agenda_component"] = f"/v1/communes/alpha/agenda/components/{component}"
    meeting_id = await insert_meeting(
        _db(world), component, registration_mode="on_platform", available_slots=20
    )
    return str(meeting_id)


AGENDA_FORBIDDEN = "agenda-action-forbidden"
"""The module's 403 for checks that are not role permissions (``reason``: ``not_the_author``...)."""

RULES: dict[str, Any] = {}
FACTORIES: dict[str, Any] = {"meeting_id": ((), _meeting)}
REQUESTS: dict[str, Any] = {}
TENANCY: dict[str, Any] = {"meeting_id": _tenancy_meeting}

# --- meetings ---
# The path's meeting is the commune's (official) and published: holders of agenda.manage act on it. Creating
# is theirs too while the component keeps participant meetings off (403 `participant_meetings_disabled`).
MANAGE = Perm(permissions.MANAGE)
RULES.update(
    {
        "agenda_meetings_create": Owner(permissions.MANAGE, owner="", problem=AGENDA_FORBIDDEN),
        **{
            f"agenda_meetings_{verb}": MANAGE
            for verb in ("update", "delete", "publish", "withdraw", "cancel")
        },
        **{f"agenda_items_{verb}": MANAGE for verb in ("create", "update", "delete", "reorder")},
    }
)
_START = "2031-05-06T18:00:00+02:00"


async def _agenda_item(ctx: Ctx) -> str:
    """An item of the path's meeting's agenda (10 minutes)."""
    url = f"/agenda/components/{ctx.ids['component_id']}/meetings/{ctx.ids['meeting_id']}/agenda"
    return str(
        (await ctx.call("POST", url, {"title": {"fr": "Accueil"}, "duration_minutes": 10}, ok=201))["id"]
    )


async def _tenancy_agenda_item(client: httpx.AsyncClient, world: People, ids: dict[str, str]) -> str:
    url = f"{ids['agenda_component']}/meetings/{ids['meeting_id']}/agenda"
    body = {"title": {"fr": "Accueil"}, "duration_minutes": 10}
    r = await client.post(url, json=body, headers=world.headers("admin"))
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


FACTORIES["agenda_item_id"] = (("meeting_id",), _agenda_item)
TENANCY["agenda_item_id"] = _tenancy_agenda_item
REQUESTS.update(
    {
        "agenda_meetings_create": json_body(
            {
                "title": {"fr": "Atelier mobilité"},
                "start_at": _START,
                "end_at": "2031-05-06T20:00:00+02:00",
                "address": "Place du Marché 1, 4000 Liège",
            }
        ),
        "agenda_meetings_update": json_body({"title": {"fr": "Atelier mobilité douce"}}),
        "agenda_meetings_cancel": json_body({"reason": {"fr": "La salle est indisponible."}}),
        "agenda_items_create": json_body({"title": {"fr": "Présentation"}, "duration_minutes": 20}),
        "agenda_items_update": json_body({"duration_minutes": 15}),
        "agenda_items_reorder": lambda ctx: {"json": {"item_ids": [ctx.ids.get("agenda_item_id", _NO_ITEM)]}},
    }
)
_NO_ITEM = "00000000-0000-4000-8000-000000000000"

# --- registrations ---

REGISTRATIONS_BLOCK_FORBIDDEN = "agenda-action-forbidden"
"""The agenda's own 403 (``not_the_registrant``) for a registration cancelled by someone else."""


def _meeting_path(ids: dict[str, str]) -> str:
    return f"/agenda/components/{ids['component_id']}/meetings/{ids['meeting_id']}"


async def _registration(ctx: Ctx) -> str:
    """The resident's registration for the factory's meeting."""
    r = await ctx.call("POST", _meeting_path(ctx.ids) + "/registrations", {}, who="resident", ok=201)
    return str(r["id"])


async def _tenancy_registration(client: httpx.AsyncClient, world: People, ids: dict[str, str]) -> str:
    """A registration for the tenancy meeting of alpha (written straight to the table: the tenancy
    component is not published)."""
    async with _db(world).unit_of_work() as session:
        meeting = await session.get(Meeting, uuid.UUID(ids["meeting_id"]))
        assert meeting is not None
        registration = Registration(
            commune_id=meeting.commune_id,
            meeting_id=meeting.id,
            status="registered",
            number=1,
            code="TENANCY2",
        )
        session.add(registration)
        await session.flush()
        return str(registration.id)


RULES.update(
    {
        "agenda_registration_settings_update": Perm(permissions.MANAGE),
        "agenda_registrations_create": Authenticated(),
        "agenda_registrations_cancel_mine": Authenticated(),
        "agenda_registrations_confirm": Authenticated(),
        "agenda_registrations_cancel": Owner(
            override=permissions.REGISTRATIONS, owner="resident", problem=REGISTRATIONS_BLOCK_FORBIDDEN
        ),
        "agenda_check_ins_create": Perm(permissions.CHECK_IN),
        "agenda_invites_create": Perm(permissions.REGISTRATIONS),
        "agenda_invites_answer_mine": Authenticated(),
        "agenda_invites_answer_by_token": Public(),
    }
)
FACTORIES["registration_id"] = (("meeting_id",), _registration)
REQUESTS.update(
    {
        "agenda_registration_settings_update": json_body({"mode": "on_platform", "available_slots": 30}),
        "agenda_check_ins_create": json_body({"code": "ABCDEFGH"}),
        "agenda_invites_create": json_body({"email": "invitee@example.org"}),
        "agenda_invites_answer_mine": json_body({"accept": False}),
        "agenda_invites_answer_by_token": json_body({"accept": True, "token": "inv_not-a-real-secret"}),
    }
)
TENANCY["registration_id"] = _tenancy_registration

# --- closing ---
# The path's meeting is the commune's own (no author), not yet started: who may close it is let through
# to a 409 ``not_started``; the others get the module's 403 ``not_the_author`` (authors: test_closing.py).
RULES["agenda_closing_put"] = Owner(
    permissions.MANAGE, owner="(no author)", problem="agenda-action-forbidden"
)
REQUESTS["agenda_closing_put"] = json_body({"minutes": {"fr": "Procès-verbal"}})

# --- registration form (the forms capability under a meeting) ---
OWNERS["agenda"] = FormOwnerPath(
    "meeting_id", _meeting, lambda ids: _meeting_path(ids) + "/registration-form"
)


async def _tenancy_form_question(client: httpx.AsyncClient, world: People, ids: dict[str, str]) -> str:
    form = f"{ids['agenda_component']}/meetings/{ids['meeting_id']}/registration-form"
    r = await client.put(form, json={"title": {"fr": "Inscription"}}, headers=world.headers("admin"))
    assert r.status_code in (200, 201), r.text
    r = await client.post(form + "/questions", json=FORM_QUESTION, headers=world.headers("admin"))
    assert r.status_code == 201, r.text
    question = questions(r.json())[-1]
    ids["form_question_options"] = str(question["options"][0]["id"])
    return str(question["id"])


async def _tenancy_form_option(client: httpx.AsyncClient, world: People, ids: dict[str, str]) -> str:
    return ids["form_question_options"]


_FORM_WRITES = [
    "put",
    "new_version",
    *(
        f"{part}_{verb}"
        for part in ("questions", "options", "rows")
        for verb in ("create", "update", "delete", "order")
    ),
]
RULES.update({f"agenda_meeting_form_{op}": Perm(permissions.MANAGE) for op in _FORM_WRITES})
FACTORIES["question_id"] = QUESTION  # (shared with every module's questionnaire editor)
FACTORIES["part_id"] = PART
TENANCY["question_id"] = _tenancy_form_question
TENANCY["part_id"] = _tenancy_form_option
REQUESTS.update(
    {
        "agenda_meeting_form_put": json_body({"title": {"fr": "Inscription"}}),
        "agenda_meeting_form_questions_create": json_body(
            {"question_type": "short_answer", "body": {"fr": "Nom ?"}}
        ),
        "agenda_meeting_form_questions_update": json_body({"mandatory": True}),
        "agenda_meeting_form_questions_order": lambda ctx: {
            "json": {"ids": [ctx.ids.get("question_id", _NO_ITEM)]}
        },
        "agenda_meeting_form_options_create": json_body({"body": {"fr": "En train"}}),
        "agenda_meeting_form_options_update": json_body({"body": {"fr": "En tram"}}),
        "agenda_meeting_form_options_order": lambda ctx: {
            "json": {"ids": [ctx.ids.get("part_id", _NO_ITEM)]}
        },
        "agenda_meeting_form_rows_create": json_body({"body": {"fr": "Retour"}}),
        "agenda_meeting_form_rows_update": json_body({"body": {"fr": "Aller simple"}}),
        "agenda_meeting_form_rows_order": lambda ctx: {"json": {"ids": [_NO_ITEM]}},
    }
)

# --- calendars ---
RULES["agenda_calendar_token_rotate"] = Authenticated()
RULES["agenda_calendar_token_revoke"] = Authenticated()

TABLE = register(
    RouteTable(
        key="agenda",
        rules=RULES,
        factories=FACTORIES,
        requests=REQUESTS,
        tenancy=TENANCY,
        resource_types={"meeting": "meeting_id"},
    )
)
