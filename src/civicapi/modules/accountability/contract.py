"""The events this module publishes and the one it reads, with the exact keys of their payloads.

A *contract by names*: another module subscribes to the event name and reads the payload as a plain
``dict``; it never imports this module (the import-linter contract forbids it). The same contract is
written out in ``docs/modules/accountability.md``. Keys are only ever added (``version`` changes when one is
removed or changes meaning); values are JSON (ids as strings, dates as ISO 8601 strings).

Subscribing, from another module (a notifications or webhooks module)::

    async def on_progress(event: Event, session: AsyncSession) -> None:
        new = event.payload["progress"]  # float, 0-100
        ...

    module = CivicModule(..., subscriptions={"accountability.progress_changed": on_progress})
"""

from __future__ import annotations

from typing import TypedDict

PAYLOAD_VERSION = 1

PROGRESS_CHANGED = "accountability.progress_changed"
"""A result's progress changed: set by someone, by choosing a status, by an import, or rolled up from its
children (``cause``)."""
STATUS_CHANGED = "accountability.status_changed"
"""A result's status changed."""

EVENT_NAMES = (PROGRESS_CHANGED, STATUS_CHANGED)


class ResultEventPayload(TypedDict):
    """Keys common to every event of this module."""

    version: int
    result_id: str
    component_id: str
    process_id: str
    parent_id: str | None
    reference: str | None
    external_id: str | None
    title: dict[str, str]


class ProgressChangedPayload(ResultEventPayload):
    """``accountability.progress_changed``."""

    previous_progress: float
    progress: float
    cause: str
    """``update`` (set directly), ``status`` (the chosen status's progress), ``import`` (CSV),
    ``rollup`` (recomputed from the children)."""


class StatusChangedPayload(ResultEventPayload):
    """``accountability.status_changed``: statuses by key, with the new one's multilingual name."""

    previous_status: str | None
    status: str | None
    status_name: dict[str, str] | None


# --- what this module reads ------------------------------------------------------------------------------

BUDGETS_RESULTS_PUBLISHED = "budgets.results_published"
"""Published by the budgets module when a budget's results are published. Keys read here (others are
ignored; the optional ones are used when present):

* ``budget_id``, ``component_id`` (the budgets component; its process is looked up in ``spaces``);
* ``selected``: the funded projects, in selection order, each with ``project_id``, ``title``
  (multilingual), ``cost`` and, optionally, ``code``, ``description``, ``address``, ``latitude``,
  ``longitude``, ``category``, ``district`` and ``proposal_ids``.

Without ``proposal_ids``, a project's proposals are read from the core resource links
``budgets/project --included_proposals--> proposals/proposal`` that the budgets module keeps."""
BUDGETS_PROPOSAL_LINK = "included_proposals"
"""Name of the budgets module's ``project -> proposal`` links."""
