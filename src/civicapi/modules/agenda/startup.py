"""What the agenda keeps doing while a process runs (``CivicModule.on_start``): passing expired waiting-list
offers on, and sending the reminders that are due. Each loop logs its own failures and goes on."""

from __future__ import annotations

import asyncio
from typing import Any

from civicapi.modules.agenda.closing.reminders import keep_reminding
from civicapi.modules.agenda.registrations.waitlist import sweep


async def keep_sweeping(state: Any) -> None:
    await asyncio.gather(sweep(state), keep_reminding(state))
