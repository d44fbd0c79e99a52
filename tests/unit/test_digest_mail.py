"""The digest's SMTP settings and messages (pure): what ``IONODE_SMTP_URL`` means, and
that a recipient's copy made from the once-encoded template reads as the whole message
would (same headers, same parts), so the fast path changes nothing a reader sees."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from email import message_from_bytes, policy

import pytest

from node.newswire.digest.claims import backoff
from node.newswire.digest.smtp import message, personal, smtp_server, template
from node.newswire.errors import NewsError
from node.services import RenderedMail
from node.settings import Settings

SETTINGS = Settings(url="https://philly.example", database="sqlite://", secret_key="k")
MARK = "https://unsubscribe.invalid/mark"
NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)


def test_smtp_urls_choose_starttls_or_tls_and_decode_credentials() -> None:
    server = smtp_server(dataclasses.replace(
        SETTINGS, smtp_url="smtp://news%40philly.example:p%3Ass@mail.example"))
    assert (server.hostname, server.port, server.use_tls, server.start_tls) == (
        "mail.example", 587, False, True)
    assert (server.username, server.password) == ("news@philly.example", "p:ss")
    assert server.sender == "news@philly.example"
    tls = smtp_server(dataclasses.replace(SETTINGS, smtp_url="smtps://mail.example",
                                          mail_from="digest@philly.example"))
    assert (tls.port, tls.use_tls, tls.start_tls, tls.sender) == (
        465, True, False, "digest@philly.example")
    local = smtp_server(dataclasses.replace(SETTINGS, smtp_url="smtp://127.0.0.1:2525"))
    assert local.start_tls is None  # a loopback relay may offer no TLS
    for bad in ("", "http://mail.example", "smtp://mail.example:port"):
        with pytest.raises(NewsError):
            smtp_server(dataclasses.replace(SETTINGS, smtp_url=bad))


def test_a_copy_from_the_template_reads_as_the_whole_message() -> None:
    body = RenderedMail("Noticias de la semana", f"Hola ñ\nBaja: {MARK}\n",
                        f'<p>Hola ñ</p><a href="{MARK}">Baja</a>')
    link = "https://philly.example/news/unsubscribe/7/abc"
    made = template(body, sender="news@philly.example", now=NOW, unsubscribe_mark=MARK)
    assert made is not None
    copy = message_from_bytes(personal(made, to="ana@example.org", message_id="<d-1-7@p>",
                                       unsubscribe_mark=MARK, unsubscribe=link),
                              policy=policy.default)
    whole = message(RenderedMail(body.subject, body.text.replace(MARK, link),
                                 body.html.replace(MARK, link)),
                    sender="news@philly.example", to="ana@example.org", now=NOW,
                    message_id="<d-1-7@p>", unsubscribe=link)
    for header in ("Subject", "From", "To", "Date", "Message-ID", "List-Unsubscribe",
                   "List-Unsubscribe-Post"):
        assert str(copy[header]).strip() == str(whole[header]).strip(), header
    for kind in ("plain", "html"):  # CRLF on the wire either way (aiosmtplib's data())
        assert copy.get_body((kind,)).get_content().replace("\r\n", "\n") == \
            whole.get_body((kind,)).get_content()


def test_a_line_too_long_for_8bit_falls_back_to_the_whole_message() -> None:
    body = RenderedMail("s", "x" * 1000, "<p>y</p>")
    assert template(body, sender="a@b.example", now=NOW, unsubscribe_mark=MARK) is None


def test_backoff_grows_and_is_capped() -> None:
    waits = [backoff(n).total_seconds() for n in range(1, 12)]
    assert waits == sorted(waits) and waits[0] == 120 and waits[-1] == 6 * 3600
