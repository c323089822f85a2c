"""Delivering the mail units of work queue (:func:`civicapi.identity.service.queue_mail`): the mailer the
settings choose, and the one subscriber that sends each mail event after its commit. The app wires it, and
so does a command that queues mail outside the app (``civicapi agenda reminders``)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.config import Environment, MailBackend, Settings
from civicapi.core.events import Event, EventBus
from civicapi.core.mail import Mail, Mailer, OutboxMailer, SmtpMailer
from civicapi.identity.service import MAIL_EVENT

MAIL_SENDER_KEY = "platform:civicapi.main._mail_sender.<locals>.send"
"""The sender's name in the event outbox, as it was when the app defined it: mail already waiting in an
outbox is sent once, not again."""


def build_mailer(settings: Settings) -> Mailer:
    if settings.mail_backend is MailBackend.smtp:
        return SmtpMailer(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.mail_from,
            username=settings.smtp_username,
            password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
            starttls=settings.smtp_starttls,
        )
    return OutboxMailer(log_bodies=settings.env is Environment.development)


def subscribe_mail_sender(bus: EventBus, mailer: Mailer) -> None:
    """Send every mail event published on ``bus`` through ``mailer`` (after the commit that queued it)."""

    async def send(event: Event, session: AsyncSession) -> None:
        await mailer.send(
            Mail(to=event.payload["to"], subject=event.payload["subject"], body=event.payload["body"])
        )

    bus.subscribe(MAIL_EVENT, send, key=MAIL_SENDER_KEY)
