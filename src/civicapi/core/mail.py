"""Outgoing email behind one interface: SMTP in production, a recorded outbox in tests and the demo.

Mail is sent after the unit of work commits (through the event bus), so a rolled-back registration never
sends a confirmation."""

from __future__ import annotations

import asyncio
import logging
import smtplib
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Protocol

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Mail:
    to: str
    subject: str
    body: str


class Mailer(Protocol):
    async def send(self, mail: Mail) -> None: ...


@dataclass
class OutboxMailer:
    """Keeps every message in memory (and logs it); nothing leaves the process."""

    outbox: list[Mail] = field(default_factory=list)
    limit: int = 1000
    log_bodies: bool = False
    """Development only: log each message's text too, so that a confirmation or reset code can be read in
    the server's log (the demo has no mailbox)."""

    async def send(self, mail: Mail) -> None:
        self.outbox.append(mail)
        del self.outbox[: -self.limit]
        # Never the address: a log outlives the account it belongs to (erasure), and is read by operators.
        log.info("mail recorded in the outbox: subject=%s", mail.subject)
        if self.log_bodies:
            log.info("development mail %r, its text:\n%s", mail.subject, mail.body)


class MailNotSent(Exception):
    """Sending failed. Its message names the failure (SMTP codes), never an address: it reaches the log and
    the event outbox's ``last_error``, which outlive an erased account (SMTP errors quote the recipient)."""


def _failure(exc: Exception) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = sorted({code for code, _ in exc.recipients.values()})
        return f"SMTPRecipientsRefused: {', '.join(map(str, codes))}"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{type(exc).__name__}: {exc.smtp_code}"
    return type(exc).__name__


@dataclass
class SmtpMailer:
    host: str
    port: int
    sender: str
    username: str | None = None
    password: str | None = None
    starttls: bool = True
    timeout: float = 10.0

    def _send_sync(self, mail: Mail) -> None:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = mail.to
        message["Subject"] = mail.subject
        message.set_content(mail.body)
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.username and self.password:
                smtp.login(self.username, self.password)
            smtp.send_message(message)

    async def send(self, mail: Mail) -> None:
        try:
            await asyncio.to_thread(self._send_sync, mail)
        except (smtplib.SMTPException, OSError) as exc:
            raise MailNotSent(_failure(exc)) from None
