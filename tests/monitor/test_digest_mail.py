"""Mailing the digest to a real SMTP server (aiosmtpd on 127.0.0.1): plain, STARTTLS, TLS, login."""

from __future__ import annotations

import email
import email.policy
import socket
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import lxml.html
import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

from monitor.digest.mail import MailError, send_digest
from tests.monitor.test_digest_render import XSS_TITLE, empty_digest, make_digest

USER, PASSWORD = "digest-bot", "s3cret pass"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Received:
    envelope: Envelope
    tls: bool
    authenticated: bool

    @property
    def message(self) -> EmailMessage:
        raw = self.envelope.original_content or b""
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class Inbox:
    """An aiosmtpd handler that keeps what it receives; addresses in ``refuse`` get a 550."""

    received: list[Received] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)

    async def handle_RCPT(
        self, server: Any, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        self.received.append(Received(envelope, session.ssl is not None, session.authenticated))
        return "250 Message accepted"


def check_login(
    server: Any, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=ok, handled=False)


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def server_tls(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    return context


@pytest.fixture(scope="module")
def client_tls(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context


@pytest.fixture
def start_server() -> Iterator[Callable[..., tuple[Inbox, int]]]:
    """Start an SMTP server with the given aiosmtpd options; give back its inbox and port."""
    controllers: list[Controller] = []

    def start(**options: Any) -> tuple[Inbox, int]:
        inbox, port = Inbox(), free_port()
        controller = Controller(inbox, hostname="127.0.0.1", port=port, **options)
        controller.start()
        controllers.append(controller)
        return inbox, port

    yield start
    for controller in controllers:
        controller.stop()


def smtp_settings(port: int, **overrides: Any) -> dict[str, Any]:
    return {
        "host": "127.0.0.1",
        "port": port,
        "security": "none",
        "user": "",
        "password_env": "MONITOR_SMTP_PASSWORD",
        "sender": "Press Monitor <monitor@example.org>",
        "timeout": 5,
        **overrides,
    }


def test_digest_arrives_as_text_and_html(start_server: Callable[..., tuple[Inbox, int]]) -> None:
    inbox, port = start_server()
    digest = make_digest()
    send_digest(digest, to=["ana@example.org", "ben@example.org"], smtp=smtp_settings(port))

    (received,) = inbox.received
    assert received.envelope.mail_from == "monitor@example.org"
    assert received.envelope.rcpt_tos == ["ana@example.org", "ben@example.org"]
    message = received.message
    assert message["Subject"] == "Press-release changes for Friday, September 20, 2024"
    assert message["From"] == "Press Monitor <monitor@example.org>"
    assert message["To"] == "ana@example.org, ben@example.org"
    assert message["Message-ID"].endswith("@example.org>")
    assert message.get_content_type() == "multipart/alternative"
    plain, html = message.iter_parts()
    assert plain.get_content_type() == "text/plain"
    assert html.get_content_type() == "text/html"

    text = plain.get_content()
    assert "Thread updates" in text and "Sources that need attention" in text
    assert XSS_TITLE in text  # plain text shows it as typed
    assert "[-declined-] {+rejected+}" in text

    page = html.get_content()
    assert "<script" not in page and "<img" not in page
    assert "Governor signs &lt;script&gt;alert(1)&lt;/script&gt; order" in page
    tree = lxml.html.document_fromstring(page)
    assert not tree.xpath("//script | //img | //@onerror")
    assert tree.findtext(".//h1") == digest.title
    assert [e.text for e in tree.iter("ins")][:2] == ["rejects", "2024-09-19"]


def test_empty_digest_is_mailed_too(start_server: Callable[..., tuple[Inbox, int]]) -> None:
    inbox, port = start_server()
    send_digest(empty_digest(), to=["ana@example.org"], smtp=smtp_settings(port))
    plain, html = inbox.received[0].message.iter_parts()
    assert "No changes between Sep 20 and Sep 21" in plain.get_content()
    assert "No changes between Sep 20 and Sep 21" in html.get_content()


def test_starttls_and_login(
    start_server: Callable[..., tuple[Inbox, int]],
    server_tls: ssl.SSLContext,
    client_tls: ssl.SSLContext,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    inbox, port = start_server(
        tls_context=server_tls,
        require_starttls=True,
        authenticator=check_login,
        auth_required=True,
    )
    monkeypatch.setenv("DIGEST_SMTP_PASSWORD", PASSWORD)
    settings = smtp_settings(
        port, security="starttls", user=USER, password_env="DIGEST_SMTP_PASSWORD"
    )
    send_digest(make_digest(), to=["ana@example.org"], smtp=settings, ssl_context=client_tls)
    (received,) = inbox.received
    assert received.tls and received.authenticated
    assert received.message["Subject"] == make_digest().title


def test_wrong_password_is_one_clear_line(
    start_server: Callable[..., tuple[Inbox, int]],
    server_tls: ssl.SSLContext,
    client_tls: ssl.SSLContext,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    inbox, port = start_server(
        tls_context=server_tls, require_starttls=True, authenticator=check_login
    )
    monkeypatch.setenv("MONITOR_SMTP_PASSWORD", "wrong")
    settings = smtp_settings(port, security="starttls", user=USER)
    with pytest.raises(MailError) as error:
        send_digest(make_digest(), to=["ana@example.org"], smtp=settings, ssl_context=client_tls)
    message = str(error.value)
    assert message.startswith(f"cannot send digest via 127.0.0.1:{port}: login as 'digest-bot' ")
    assert "535" in message and "\n" not in message
    assert not inbox.received


def test_starttls_rejects_an_untrusted_certificate(
    start_server: Callable[..., tuple[Inbox, int]], server_tls: ssl.SSLContext
) -> None:
    inbox, port = start_server(tls_context=server_tls, require_starttls=True)
    with pytest.raises(MailError, match=r"TLS certificate not trusted \(.*certificate") as error:
        send_digest(
            make_digest(), to=["ana@example.org"], smtp=smtp_settings(port, security="starttls")
        )
    assert str(error.value).startswith(f"cannot send digest via 127.0.0.1:{port}: ")
    assert not inbox.received


def test_server_that_requires_starttls_refuses_plain_mail(
    start_server: Callable[..., tuple[Inbox, int]], server_tls: ssl.SSLContext
) -> None:
    inbox, port = start_server(tls_context=server_tls, require_starttls=True)
    with pytest.raises(MailError, match=r"^cannot send digest via .*: 530 .*STARTTLS"):
        send_digest(make_digest(), to=["ana@example.org"], smtp=smtp_settings(port))
    assert not inbox.received


def test_implicit_tls(
    start_server: Callable[..., tuple[Inbox, int]],
    server_tls: ssl.SSLContext,
    client_tls: ssl.SSLContext,
) -> None:
    inbox, port = start_server(ssl_context=server_tls)
    settings = smtp_settings(port, security="tls")
    send_digest(make_digest(), to=["ana@example.org"], smtp=settings, ssl_context=client_tls)
    assert inbox.received[0].message["Subject"] == make_digest().title


def test_connection_refused_is_one_clear_line() -> None:
    port = free_port()  # nothing listens there
    with pytest.raises(MailError) as error:
        send_digest(make_digest(), to=["ana@example.org"], smtp=smtp_settings(port))
    assert str(error.value) == f"cannot send digest via 127.0.0.1:{port}: Connection refused"


def test_missing_password_is_reported_before_connecting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MONITOR_SMTP_PASSWORD", raising=False)
    settings = smtp_settings(free_port(), security="starttls", user=USER)
    with pytest.raises(MailError) as error:
        send_digest(make_digest(), to=["ana@example.org"], smtp=settings)
    assert str(error.value) == "SMTP user is set but $MONITOR_SMTP_PASSWORD is empty"


def test_refused_recipients(start_server: Callable[..., tuple[Inbox, int]]) -> None:
    inbox, port = start_server()
    inbox.refuse = {"gone@example.org"}
    with pytest.raises(MailError, match=r"^cannot send digest via .*every recipient was refused"):
        send_digest(make_digest(), to=["gone@example.org"], smtp=smtp_settings(port))
    with pytest.raises(MailError) as error:
        send_digest(
            make_digest(), to=["ana@example.org", "gone@example.org"], smtp=smtp_settings(port)
        )
    assert str(error.value) == (
        f"digest sent, but 127.0.0.1:{port} refused some recipients: "
        "gone@example.org (550 5.1.1 no such mailbox)"
    )
    assert [r.envelope.rcpt_tos for r in inbox.received] == [["ana@example.org"]]


@pytest.mark.parametrize(
    ("to", "overrides", "expected"),
    [
        ([], {}, "no recipients given for the digest"),
        ([" "], {}, "no recipients given for the digest"),
        (["ana@example.org"], {"security": "ssl"}, "unknown SMTP security 'ssl'"),
        (
            ["ana@example.org"],
            {"sender": "monitor@example.org\nBcc: all@example.org"},
            "cannot address the digest e-mail",
        ),
    ],
)
def test_bad_settings_fail_before_sending(
    to: list[str], overrides: dict[str, Any], expected: str
) -> None:
    with pytest.raises(MailError, match=f"^{expected}"):
        send_digest(make_digest(), to=to, smtp=smtp_settings(free_port(), **overrides))
