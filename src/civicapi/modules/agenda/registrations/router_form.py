"""The meeting's registration form, built with the forms capability: staff (``agenda.manage``) define the
questions; whoever may see the meeting reads them; a registration answers them
(``RegistrationCreate.form``)."""

from __future__ import annotations

from civicapi.forms.router_factory import definition_router
from civicapi.modules.agenda import permissions
from civicapi.modules.agenda.dependencies import MEETING, valid_meeting

FORM = MEETING + "/registration-form"

router = definition_router(valid_meeting, permissions.MANAGE, "agenda", "meeting")
