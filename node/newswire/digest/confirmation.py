"""The confirmation mail of a new subscription (double opt-in), sent at once on its own
connection: it carries a one-time link whose token is stored only as a hash. A mail
that cannot be sent is not retried: the page already told the person to ask again if
nothing arrives, and asking again after :data:`RESEND_AFTER` sends a fresh link."""

from __future__ import annotations

import logging

from node.newswire.digest.smtp import message, send_one, smtp_server
from node.newswire.digest.subscribers import RESEND_AFTER as RESEND_AFTER
from node.newswire.errors import NewsError
from node.runtime import Node

log = logging.getLogger(__name__)


def confirm_url(base_url: str, token: str) -> str:
    return f"{base_url}/news/subscribe/confirm/{token}"


async def send_confirmation(node: Node, email: str, token: str, lang: str) -> bool:
    """Mail the confirmation link; False (logged) when it could not be handed over."""
    render = node.services.mail
    try:
        server = smtp_server(node.settings)
    except NewsError as exc:
        log.warning("newswire: no confirmation mail sent: %s", exc)
        return False
    if render is None:
        log.warning("newswire: no confirmation mail sent: no mail templates")
        return False
    link = confirm_url(node.settings.url, token)
    rendered = render("confirm", lang, {"confirm_url": link})
    host = node.settings.host.split(":")[0]
    msg = message(rendered, sender=server.sender, to=email, now=node.clock(),
                  message_id=f"<confirm-{token[:16]}@{host}>")
    # Imported here: a node without an SMTP server never loads aiosmtplib (issue 7, 1.14).
    from aiosmtplib import SMTPException

    try:
        await send_one(server, msg)
    except (SMTPException, OSError) as exc:
        log.warning("newswire: the confirmation mail to a subscriber failed: %s", exc)
        return False
    return True
