"""``civicapi agenda reminders``: send the reminders that are due now, once (what every running process
also does every few minutes); a scheduler may call it where no server runs the sweep."""

from __future__ import annotations

import argparse
import asyncio

from civicapi.config import get_settings
from civicapi.core.db.session import Database, create_engine
from civicapi.identity.mailing import build_mailer, subscribe_mail_sender
from civicapi.modules.agenda.closing.reminders import SweepResult, sweep


async def run_reminders(database_url: str) -> SweepResult:
    db = Database(create_engine(database_url))
    subscribe_mail_sender(db.bus, build_mailer(get_settings()))
    try:
        return await sweep(db)
    finally:
        await db.dispose()


def _cmd_reminders(_args: argparse.Namespace) -> int:
    result = asyncio.run(run_reminders(get_settings().database_url))
    kinds = ", ".join(f"{n} {k}" for k, n in sorted(result.sent.items())) or "nothing due"
    print(f"agenda reminders: {kinds}; {result.mails} mail(s) sent")
    return 0


def register(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="agenda_command", required=True)
    rem = sub.add_parser(
        "reminders",
        help="send the agenda's reminders that are due (registrants, fill alerts, closings)",
        description="Send, once, every reminder that is due now in every commune: registrants before "
        "their meeting, organisers when registrations pass the fill threshold, authors of past meetings "
        "not closed. Each reminder is claimed once, whatever else runs at the same time.",
    )
    rem.set_defaults(func=_cmd_reminders)
