"""The events this module publishes on the core event bus, and the exact keys of their payloads.

This is a *contract by names*: another module (budgets importing accepted proposals, a map, webhooks)
subscribes to the event name and reads the payload as a plain ``dict`` with the keys below; it never
imports this module (the import-linter contract forbids it). The same contract is written out in
``docs/modules/proposals.md``. Keys are only ever added (``version`` changes when one is removed or changes
meaning); every value is JSON (ids as strings, times as ISO 8601 strings, amounts as integers).

Subscribing, from another module::

    async def on_answered(event: Event, session: AsyncSession) -> None:
        if event.payload["accepted"]:
            cost = event.payload["cost"]  # int | None, in the commune's currency unit
            ...

    module = CivicModule(..., subscriptions={"proposals.answered": on_answered})
"""

from __future__ import annotations

from typing import TypedDict

PAYLOAD_VERSION = 1

PUBLISHED = "proposals.published"
"""A proposal was published (by its authors, an administrator, or an import)."""
ANSWERED = "proposals.answered"
"""An answer to a proposal was published (immediately or in a bulk publication)."""
WITHDRAWN = "proposals.withdrawn"
"""An author withdrew a published proposal."""

EVENT_NAMES = (PUBLISHED, ANSWERED, WITHDRAWN)


class ProposalEventPayload(TypedDict):
    """Keys common to every event of this module."""

    version: int
    proposal_id: str
    reference: str | None
    component_id: str
    process_id: str
    title: dict[str, str]
    """Multilingual: ``{"fr": ..., "nl": ...}``."""
    category: str | None
    district: str | None
    address: str | None
    latitude: float | None
    longitude: float | None
    official: bool
    author_names: list[str]
    """Public names only (no ids, no emails); ``[]`` for an official proposal."""


class ProposalPublishedPayload(ProposalEventPayload):
    """``proposals.published``."""

    body: dict[str, str]
    published_at: str


class ProposalAnsweredPayload(ProposalEventPayload):
    """``proposals.answered``: the published answer."""

    state: str
    """The state's token: ``evaluating``, ``accepted``, ``rejected`` or a custom token."""
    state_name: dict[str, str]
    accepted: bool
    """True for ``accepted`` and for custom states marked as accepted: what budgets may import."""
    answer: dict[str, str] | None
    cost: int | None
    """In the commune's currency unit (integers, as Decidim and Pabulib)."""
    cost_explanation: dict[str, str] | None
    execution_period: dict[str, str] | None
    answered_at: str
    published_at: str
    supports_count: int


class ProposalWithdrawnPayload(ProposalEventPayload):
    """``proposals.withdrawn``."""

    withdrawn_at: str
