"""The operator's SMTP server, from ``IONODE_SMTP_URL``, and the messages sent to it.

``smtp://user:pass@host:587`` submits with STARTTLS (required: credentials and
addresses never cross the network in clear), ``smtps://user:pass@host:465`` with
implicit TLS (RFC 8314 prefers it). A loopback host (a local relay, the tests' aiosmtpd)
may do without TLS. The user and password are percent-decoded. Certificates are
verified by aiosmtplib with the system's trust store.

Each digest mail carries ``List-Unsubscribe`` with the one-click URL and
``List-Unsubscribe-Post: List-Unsubscribe=One-Click`` (RFC 8058 section 3.1); RFC 8058
also wants those headers covered by a DKIM signature, which is the operator's server's
job. Its ``Message-ID`` is derived from (digest, subscriber), so it is the same on every
attempt and receivers that dedupe by it drop a copy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from node.clock import as_utc
from node.messages import N_, Text
from node.newswire.errors import NewsError
from node.services import RenderedMail
from node.settings import Settings, is_loopback_host

if TYPE_CHECKING:  # imported where a mail is made or sent: see SmtpServer.client
    from email.message import EmailMessage

    import aiosmtplib

NO_SMTP = N_("no SMTP server is set: set IONODE_SMTP_URL (smtp://user:pass@host:587 or "
             "smtps://user:pass@host:465)")
BAD_SMTP = N_("IONODE_SMTP_URL must look like smtp://user:pass@host:587 or "
              "smtps://user:pass@host:465")
TIMEOUT = 60.0


@dataclass(frozen=True)
class SmtpServer:
    hostname: str
    port: int
    username: str | None
    password: str | None
    use_tls: bool
    start_tls: bool | None  # None: only if offered (loopback hosts)
    sender: str

    def client(self) -> aiosmtplib.SMTP:
        # Imported here, not at the top: aiosmtplib (and the email modules it loads) stays
        # out of the memory of a node that sends no mail (issue 7, item 1.14).
        import aiosmtplib

        return aiosmtplib.SMTP(hostname=self.hostname, port=self.port,
                               username=self.username, password=self.password,
                               use_tls=self.use_tls, start_tls=self.start_tls,
                               timeout=TIMEOUT)


def smtp_server(settings: Settings) -> SmtpServer:
    """The server of ``settings``, or a refusal saying what to set."""
    if not settings.smtp_url:
        raise NewsError(Text(NO_SMTP))
    parts = urlsplit(settings.smtp_url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise NewsError(Text(BAD_SMTP))
    try:
        port = parts.port or (465 if parts.scheme == "smtps" else 587)
    except ValueError as exc:
        raise NewsError(Text(BAD_SMTP)) from exc
    loopback = is_loopback_host(parts.hostname)
    return SmtpServer(
        hostname=parts.hostname, port=port,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        use_tls=parts.scheme == "smtps",
        start_tls=False if parts.scheme == "smtps" else (None if loopback else True),
        sender=settings.mail_from or f"news@{urlsplit(settings.url).hostname}")


def message(rendered: RenderedMail, *, sender: str, to: str, now: datetime,
            message_id: str, unsubscribe: str | None = None,
            cte: str | None = None) -> EmailMessage:
    """The MIME message: a plain-text part and its HTML alternative (RFC 2046 5.1.4)."""
    # Imported here: email.message with its policies and header parser is about 0.5 MB
    # resident, needed only when a mail is made (issue 7, item 1.14).
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["Subject"] = rendered.subject
    msg["From"] = sender
    msg["To"] = to
    msg["Date"] = format_datetime(as_utc(now))
    msg["Message-ID"] = message_id
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies wanted
    if unsubscribe:
        msg["List-Unsubscribe"] = f"<{unsubscribe}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg.set_content(rendered.text, cte=cte)
    msg.add_alternative(rendered.html, subtype="html", cte=cte)
    return msg


#: Stand-ins in a digest's message template, swapped for each recipient's values.
TO_MARK = "recipient@ionode.invalid"
ID_MARK = "<message@ionode.invalid>"
MAX_8BIT_LINE = 990  # RFC 5321 4.5.3.1.6: 998 octets a line, CRLF excluded


def template(rendered: RenderedMail, *, sender: str, now: datetime,
             unsubscribe_mark: str) -> bytes | None:
    """The digest's message as bytes, once per digest and language, with stand-ins for
    the recipient, the Message-ID and the unsubscribe link: each copy is then a few byte
    replacements instead of a MIME encoding (about 0.1 s for a 500-item digest). The
    parts are ``8bit`` (RFC 6152), so the stand-ins are never split by an encoding;
    ``None`` when a line is too long for 8bit, and the message is then built whole."""
    if any(len(line.encode()) > MAX_8BIT_LINE
           for part in (rendered.text, rendered.html) for line in part.splitlines()):
        return None
    from email import policy  # only when a mail is made: see message()

    msg = message(rendered, sender=sender, to=TO_MARK, now=now, message_id=ID_MARK,
                  unsubscribe=unsubscribe_mark, cte="8bit")
    return msg.as_bytes(policy=policy.SMTP)


def personal(template_bytes: bytes, *, to: str, message_id: str, unsubscribe_mark: str,
             unsubscribe: str) -> bytes:
    """One recipient's copy of a :func:`template` (addresses are ASCII, see
    :func:`node.newswire.digest.subscribers.check_address`)."""
    return (template_bytes.replace(TO_MARK.encode(), to.encode())
            .replace(ID_MARK.encode(), message_id.encode())
            .replace(unsubscribe_mark.encode(), unsubscribe.encode()))


async def send_one(server: SmtpServer, msg: EmailMessage) -> None:
    """One message on its own connection (the confirmation mail)."""
    import aiosmtplib  # only when a mail is sent: see SmtpServer.client

    await aiosmtplib.send(msg, hostname=server.hostname, port=server.port,
                          username=server.username, password=server.password,
                          use_tls=server.use_tls, start_tls=server.start_tls,
                          timeout=TIMEOUT)
