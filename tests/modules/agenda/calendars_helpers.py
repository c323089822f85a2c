"""Builders and probes for the calendars' tests: feeds parsed back with the icalendar library, a
registration written straight to the table."""

from __future__ import annotations

from typing import Any

import httpx
from icalendar import Calendar, Event
from sqlalchemy import event

from civicapi.core.db.session import Database


def parse(r: httpx.Response) -> Calendar:
    """The answer, checked to be an iCalendar document, parsed by the library."""
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/calendar"), r.headers["content-type"]
    cal = Calendar.from_ical(r.content)
    assert isinstance(cal, Calendar)
    return cal


def events(r: httpx.Response) -> dict[str, Event]:
    """The feed's events by their meeting's id (the UID's left part)."""
    return {str(e["UID"]).split("@", 1)[0]: e for e in parse(r).events}


def text(event: Event, name: str) -> Any:
    value = event.get(name)
    return None if value is None else str(value)


class Statements:
    """Counts the SQL statements sent while it is open (``with Statements(db) as seen: ... seen.count``)."""

    def __init__(self, db: Database) -> None:
        self.engine = db.engine.sync_engine
        self.count = 0

    def _seen(self, *_: Any) -> None:
        self.count += 1

    def __enter__(self) -> Statements:
        event.listen(self.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *_: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._seen)
