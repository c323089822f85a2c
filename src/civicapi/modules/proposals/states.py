"""Answer states of a component: three built-in ones (evaluating, accepted, rejected) that every component
has without storing them, plus the custom states its administrators add."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.modules.proposals.models import CustomState
from civicapi.modules.proposals.repository_review import StateRepository


@dataclass(frozen=True, slots=True)
class StateInfo:
    token: str
    name: dict[str, str]
    allows_supports: bool
    accepted: bool
    builtin: bool
    position: int

    @classmethod
    def of(cls, state: CustomState) -> StateInfo:
        return cls(
            token=state.token,
            name=dict(state.name),
            allows_supports=state.allows_supports,
            accepted=state.accepted,
            builtin=False,
            position=state.position,
        )


EVALUATING = "evaluating"
ACCEPTED = "accepted"
REJECTED = "rejected"

BUILTIN_STATES: tuple[StateInfo, ...] = (
    StateInfo(
        EVALUATING,
        {"fr": "En évaluation", "nl": "In behandeling", "en": "Evaluating", "de": "In Prüfung"},
        allows_supports=True,
        accepted=False,
        builtin=True,
        position=0,
    ),
    StateInfo(
        ACCEPTED,
        {"fr": "Acceptée", "nl": "Aanvaard", "en": "Accepted", "de": "Angenommen"},
        allows_supports=True,
        accepted=True,
        builtin=True,
        position=1,
    ),
    StateInfo(
        REJECTED,
        {"fr": "Rejetée", "nl": "Verworpen", "en": "Rejected", "de": "Abgelehnt"},
        allows_supports=False,
        accepted=False,
        builtin=True,
        position=2,
    ),
)
BUILTIN_TOKENS = frozenset(s.token for s in BUILTIN_STATES)
FIRST_CUSTOM_POSITION = len(BUILTIN_STATES)


async def catalogue(
    session: AsyncSession,
    commune_id: uuid.UUID,
    component_id: uuid.UUID,
    *,
    needed: Iterable[str | None] | None = None,
) -> dict[str, StateInfo]:
    """token -> state, built-in states first, then the custom ones by position (one query). With
    ``needed`` (the tokens about to be shown), no query when they are all built-in."""
    if needed is not None and all(t is None or t in BUILTIN_TOKENS for t in needed):
        return {s.token: s for s in BUILTIN_STATES}
    custom = await StateRepository(session, commune_id).of_component(component_id)
    states = {s.token: s for s in BUILTIN_STATES}
    states.update({c.token: StateInfo.of(c) for c in custom})
    return states
