"""A mail that cannot be sent fails without naming its recipient: the error reaches the log and the event
outbox, which outlive an erased account."""

from __future__ import annotations

import smtplib
import traceback
from typing import Any

import pytest

from civicapi.core import mail
from civicapi.core.mail import Mail, SmtpMailer

ADDRESS = "refused.person@example.org"


class _RefusingServer:
    """Answers like a server refusing the recipient, quoting the address (as Postfix does)."""

    def __init__(self, *_: Any, **__: Any) -> None:
        pass

    def __enter__(self) -> _RefusingServer:
        return self

    def __exit__(self, *_: Any) -> None:
        pass

    def starttls(self) -> None:
        pass

    def send_message(self, message: Any) -> None:
        refusal = (550, f"5.1.1 <{message['To']}>: Recipient address rejected".encode())
        raise smtplib.SMTPRecipientsRefused({message["To"]: refusal})


class _DownServer(_RefusingServer):
    def send_message(self, message: Any) -> None:
        raise smtplib.SMTPDataError(554, f"transaction failed for {message['To']}".encode())


@pytest.mark.parametrize("server", [_RefusingServer, _DownServer])
async def test_a_failed_smtp_send_never_names_the_address(
    monkeypatch: pytest.MonkeyPatch, server: type[_RefusingServer]
) -> None:
    monkeypatch.setattr(mail.smtplib, "SMTP", server)
    mailer = SmtpMailer(host="mail.invalid", port=25, sender="civicapi@example.org")
    try:
        await mailer.send(Mail(to=ADDRESS, subject="Reset", body="code"))
    except Exception as exc:  # what the event bus logs and keeps as the outbox's last error
        failure = exc
    else:
        raise AssertionError("the refused mail was not reported")
    text = "".join(traceback.format_exception(failure))
    assert ADDRESS not in text and "refused.person" not in text, text
    assert type(failure).__name__ == "MailNotSent"
    assert ("550" if server is _RefusingServer else "554") in str(failure)
