"""The event the closing publishes, with the exact keys of its payload (a *contract by names*: another
module subscribes to the name and reads a plain ``dict``; it never imports this module). Written out in
``docs/modules/agenda.md`` too. Keys are only ever added (``version`` changes when one is removed or changes
meaning); ids are strings, times ISO 8601 strings.

Subscribing, from the proposals module (to show "discussed at")::

    async def on_meeting_closed(event: Event, session: AsyncSession) -> None:
        for proposal_id in event.payload["proposal_ids"]:  # every proposal discussed, not only new ones
            ...

    module = CivicModule(..., subscriptions={"agenda.meeting_closed": on_meeting_closed})
"""

from __future__ import annotations

from typing import TypedDict

PAYLOAD_VERSION = 1

MEETING_CLOSED = "agenda.meeting_closed"
"""A meeting's closing was written: the first time (``first``) or edited later. ``proposal_ids`` is the
whole list of proposals discussed now; ``removed_proposal_ids`` those an edit took off the list."""

DISCUSSED = "discussed"
"""Name of the core resource links ``agenda/meeting/<id> --discussed--> proposals/proposal/<id>``."""


class MeetingClosedPayload(TypedDict):
    version: int
    meeting_id: str
    component_id: str
    process_id: str
    title: dict[str, str]
    start_at: str
    end_at: str
    closed_at: str
    first: bool
    public: bool
    """The closing may be shown to everyone (published, not private, closing visible)."""
    proposal_ids: list[str]
    removed_proposal_ids: list[str]
