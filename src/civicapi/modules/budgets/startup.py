"""What the budgets module resumes when a process starts (``CivicModule.on_start``), and then looks for
again every :data:`SWEEP_SECONDS` while it runs:

* the sealing of votes closed but not sealed, because the process sealing them after the response stopped
  (a deploy, a crash) or the sealing failed (the database went away for a moment). Until sealed such a
  vote's ballots are still linked to the register: it should not wait for an admin to close it again. A
  budget another process is sealing (its row is held) is left to that process;
* the reminders that are due, in the published components whose ``vote_reminders`` setting is on and
  whose vote is open (:mod:`.reminders.service`; every process sweeps, and a reminder is claimed once)."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from civicapi.communes.repository import CommuneRepository
from civicapi.core.db.session import Database
from civicapi.core.errors import ProblemError
from civicapi.core.periodic import run_every
from civicapi.modules.budgets.catalog.repository import unsealed
from civicapi.modules.budgets.dependencies import KEY, make_context
from civicapi.modules.budgets.reminders import service as service_reminders
from civicapi.modules.budgets.reminders.repository import components_with_unfinished
from civicapi.modules.budgets.results import service_close
from civicapi.modules.budgets.settings import ComponentContext, VotesState
from civicapi.registry import ModuleRegistry
from civicapi.spaces.service import current_phase
from civicapi.spaces.service_components import get_component
from civicapi.spaces.settings import resolve_settings

log = logging.getLogger(__name__)

SWEEP_SECONDS = 300.0
"""How often a running process looks again for votes left closed and unsealed."""


async def keep_sealing(state: Any) -> None:
    """``on_start``: :func:`resume_sealings` and :func:`send_due_reminders` now, then every
    :data:`SWEEP_SECONDS` until the app stops (the task is cancelled at shutdown); a sweep that fails is
    logged and the next one comes all the same."""
    jobs = [
        ("looking for votes left unsealed", lambda: resume_sealings(state)),
        ("sending the reminders that are due", lambda: send_due_reminders(state)),
    ]
    await run_every(SWEEP_SECONDS, jobs, log)


async def send_due_reminders(state: Any) -> int:
    """Send the reminders that are due in every published component with ``vote_reminders`` on and its
    vote open; the number of accounts reminded."""
    db: Database = state.db
    async with db.unit_of_work(readonly=True) as session:
        candidates = await components_with_unfinished(session)
    reminded = 0
    for commune_id, component_id in candidates:
        ctx = await _context(db, state.registry, commune_id, component_id)
        if ctx is None or not _reminds_now(ctx):
            continue
        async with db.unit_of_work() as session:
            result = await service_reminders.send_reminders(session, ctx)
        if result.reminded:
            log.info("component %s: %d reminders sent", component_id, result.reminded)
        reminded += result.reminded
    return reminded


def _reminds_now(ctx: ComponentContext) -> bool:
    return ctx.public and ctx.settings.vote_reminders and ctx.step.votes is VotesState.enabled


async def resume_sealings(state: Any) -> int:
    """Seal every vote left closed and unsealed; the number of votes this process tried to seal."""
    db: Database = state.db
    async with db.unit_of_work(readonly=True) as session:
        pending = await unsealed(session)
    for commune_id, component_id, budget_id in pending:
        ctx = await _context(db, state.registry, commune_id, component_id)
        if ctx is None:
            log.warning("budget %s: closed and not sealed, but its component cannot be loaded", budget_id)
            continue
        log.info("budget %s: closed and not sealed; sealing it", budget_id)
        await service_close.seal_in_background(db, ctx, budget_id, wait=False)
    return len(pending)


async def _context(
    db: Database, registry: ModuleRegistry, commune_id: uuid.UUID, component_id: uuid.UUID
) -> ComponentContext | None:
    """The budgets component's context, as a request to it would resolve it (hidden ones included)."""
    module = registry.get(KEY)
    async with db.unit_of_work(readonly=True) as session:
        commune = await CommuneRepository(session).by_id(commune_id, with_modules=True)
        if commune is None or module is None:
            return None
        try:
            component = await get_component(
                session,
                commune,
                registry,
                component_id,
                include_hidden=True,
                module_key=KEY,
                with_process=True,
            )
        except ProblemError:
            return None
        resolved = resolve_settings(component, current_phase(component.process, commune.timezone), module)
        return make_context(commune, component, component.process, resolved.settings, resolved.step_settings)
