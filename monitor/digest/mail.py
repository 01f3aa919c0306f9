"""Sending the digest by e-mail: an HTML part with a plain-text alternative, over SMTP.

``smtp`` is the ``[smtp]`` settings table (see :data:`monitor.settings.SMTP_SETTINGS`): host, port,
security (``starttls``, ``tls`` for implicit TLS, or ``none``), user (``""`` for no login),
password_env (the environment variable holding the password), sender and timeout.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from .model import Digest
from .render_html import render_html
from .render_text import render_text

DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}


class MailError(Exception):
    """The digest could not be sent; the message is one line meant for the user."""


def build_message(digest: Digest, *, to: list[str], sender: str) -> EmailMessage:
    """The digest as ``multipart/alternative``: plain text first, then HTML."""
    message = EmailMessage()
    try:
        message["Subject"] = digest.title
        message["From"] = sender
        message["To"] = ", ".join(to)
    except ValueError as exc:  # a header with a line break, or an address that does not parse
        raise MailError(f"cannot address the digest e-mail: {_one_line(str(exc))}") from exc
    message["Date"] = formatdate(localtime=True)
    domain = sender.rpartition("@")[2].strip(" <>") or None
    message["Message-ID"] = make_msgid("digest", domain=domain)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(render_text(digest), cte="quoted-printable")
    message.add_alternative(render_html(digest), subtype="html", cte="quoted-printable")
    return message


def send_digest(
    digest: Digest,
    *,
    to: list[str],
    smtp: Mapping[str, Any],
    ssl_context: ssl.SSLContext | None = None,
) -> None:
    """Mail the digest to ``to``; any failure raises :class:`MailError` with a one-line reason.

    ``ssl_context`` replaces ``ssl.create_default_context()`` for ``tls`` and ``starttls``
    (tests pass one that trusts their own certificate authority).
    """
    recipients = [address.strip() for address in to if address.strip()]
    if not recipients:
        raise MailError("no recipients given for the digest")
    security = str(smtp.get("security", "starttls")).lower()
    if security not in DEFAULT_PORTS:
        raise MailError(f"unknown SMTP security {security!r}: use starttls, tls or none")
    host = str(smtp.get("host", "localhost"))
    port = int(smtp.get("port") or DEFAULT_PORTS[security])
    timeout = float(smtp.get("timeout") or 30)
    user = str(smtp.get("user") or "")
    password = ""
    if user:
        variable = str(smtp.get("password_env") or "MONITOR_SMTP_PASSWORD")
        password = os.environ.get(variable, "")
        if not password:
            raise MailError(f"SMTP user is set but ${variable} is empty")
    sender = str(smtp.get("sender") or "press-monitor@localhost")
    message = build_message(digest, to=recipients, sender=sender)

    where = f"cannot send digest via {host}:{port}"
    context = None
    if security != "none":
        context = ssl_context or ssl.create_default_context()
    try:
        client = (
            smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
            if security == "tls"
            else smtplib.SMTP(host, port, timeout=timeout)
        )
        with client:
            if security == "starttls":
                client.starttls(context=context)
            if user:
                client.login(user, password)
            refused = client.send_message(message)
    except smtplib.SMTPAuthenticationError as exc:
        raise MailError(f"{where}: login as {user!r} refused ({_reply(exc)})") from exc
    except smtplib.SMTPRecipientsRefused as exc:
        raise MailError(
            f"{where}: every recipient was refused: {_refusals(exc.recipients)}"
        ) from exc
    except smtplib.SMTPResponseException as exc:
        raise MailError(f"{where}: {_reply(exc)}") from exc
    except smtplib.SMTPException as exc:
        raise MailError(f"{where}: {_one_line(str(exc))}") from exc
    except ssl.SSLCertVerificationError as exc:
        reason = exc.verify_message or exc.reason or str(exc)
        raise MailError(f"{where}: TLS certificate not trusted ({_one_line(reason)})") from exc
    except OSError as exc:  # refused, unreachable, unknown host, timeout, TLS failure
        raise MailError(
            f"{where}: {_one_line(exc.strerror or str(exc) or type(exc).__name__)}"
        ) from exc
    if refused:
        raise MailError(
            f"digest sent, but {host}:{port} refused some recipients: {_refusals(refused)}"
        )


def _reply(exc: smtplib.SMTPResponseException) -> str:
    error: bytes | str = exc.smtp_error
    text = error.decode("utf-8", "replace") if isinstance(error, bytes) else str(error)
    return _one_line(f"{exc.smtp_code} {text}")


def _refusals(refused: Mapping[str, tuple[int, bytes]]) -> str:
    return "; ".join(
        f"{address} ({code} {_one_line(reply.decode('utf-8', 'replace'))})"
        for address, (code, reply) in refused.items()
    )


def _one_line(text: str) -> str:
    return " ".join(text.split())
