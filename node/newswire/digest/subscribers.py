"""E-mail subscribers, double opt-in.

Subscribing stores the address as ``pending`` with the SHA-256 of a one-time token and
mails the token as a link; only following it (a POST from the page the link opens, so
a mail scanner that fetches links does not subscribe anyone) makes the address
``confirmed``, and only confirmed addresses are queued for a digest. Asking again within
:data:`RESEND_AFTER` sends nothing, so the form cannot be used to flood a mailbox, and
the page says the same whether the address was new, pending or confirmed (nobody learns
who subscribes).

Unsubscribe links carry an HMAC of the subscriber's id under the node's secret key, so
every mail has a working link without storing a second token (RFC 8058 one-click: a POST
to that URL unsubscribes).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, func, insert, select, update

from node.clock import as_utc
from node.messages import N_, Text
from node.newswire.digest.models import NewsSubscriber
from node.newswire.errors import NewsError
from node.newswire.submissions.service import count_attempt, retry_after

RESEND_AFTER = timedelta(minutes=10)
SUBSCRIBE_LIMIT = 5
TOO_MANY = N_("too many subscriptions from your address: try again in an hour")
TOKEN_LIFETIME = timedelta(days=7)
MAX_EMAIL = 254
BAD_ADDRESS = N_("that e-mail address is not valid")
BAD_TOKEN = N_("this confirmation link is unknown, used or expired; subscribe again")
UNKNOWN = N_("no subscriber has that address")
_ADDRESS = re.compile(r"^[^@\s<>\"',;()\[\]\\]+@[A-Za-z0-9.-]+\.[A-Za-z0-9-]{2,}$")

_sub = NewsSubscriber.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Subscriber:
    id: int
    email: str
    lang: str
    state: str
    created_at: datetime


def check_address(value: str) -> str:
    """The address, trimmed and lower-cased (one row per mailbox), or a refusal."""
    address = value.strip().lower()
    # ASCII only: an internationalised address needs SMTPUTF8 (RFC 6531) all the way
    if not address.isascii() or len(address) > MAX_EMAIL or not _ADDRESS.match(address):
        raise NewsError(Text(BAD_ADDRESS))
    return address


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def subscribe(conn: Connection, email: str, lang: str, now: datetime,
              client: str | None = None) -> str | None:
    """Record the wish; the token to mail, or ``None`` when no mail should go out.
    ``client`` (the form's address) may ask :data:`SUBSCRIBE_LIMIT` times an hour."""
    address = check_address(email)
    if client is not None:
        counted = f"subscribe:{client}"
        if retry_after(conn, counted, now, SUBSCRIBE_LIMIT):
            raise NewsError(Text(TOO_MANY))
        count_attempt(conn, counted, now)
    row = conn.execute(select(_sub).where(_sub.c.email == address)).first()
    if row is not None and (row.state == "confirmed" or (
            row.confirm_sent_at is not None
            and as_utc(row.confirm_sent_at) > as_utc(now) - RESEND_AFTER)):
        return None
    token = secrets.token_urlsafe(32)
    values = {"state": "pending", "confirm_hash": token_hash(token), "confirm_sent_at": now,
              "lang": lang[:16], "unsubscribed_at": None}
    if row is None:
        conn.execute(insert(_sub).values(email=address, created_at=now, **values))
    else:
        conn.execute(update(_sub).where(_sub.c.id == row.id).values(**values))
    return token


def pending_for(conn: Connection, token: str, now: datetime) -> Subscriber | None:
    """The pending subscriber a confirmation token belongs to, while it is valid."""
    row = conn.execute(select(_sub).where(_sub.c.confirm_hash == token_hash(token),
                                          _sub.c.state == "pending")).first()
    if row is None or as_utc(row.confirm_sent_at) < as_utc(now) - TOKEN_LIFETIME:
        return None
    return Subscriber(row.id, row.email, row.lang, row.state, row.created_at)


def confirm(conn: Connection, token: str, now: datetime) -> Subscriber:
    """Confirm the address; the token is spent (its hash is cleared)."""
    found = pending_for(conn, token, now)
    if found is None:
        raise NewsError(Text(BAD_TOKEN))
    conn.execute(update(_sub).where(_sub.c.id == found.id, _sub.c.state == "pending")
                 .values(state="confirmed", confirm_hash=None, confirmed_at=now))
    return found


def unsubscribe_signature(secret: str, subscriber_id: int) -> str:
    mac = hmac.new(secret.encode(), f"news-unsubscribe:{subscriber_id}".encode(), "sha256")
    return mac.hexdigest()[:32]


def unsubscribe_url(base_url: str, secret: str, subscriber_id: int) -> str:
    return (f"{base_url}/news/unsubscribe/{subscriber_id}/"
            f"{unsubscribe_signature(secret, subscriber_id)}")


def signed_subscriber(conn: Connection, secret: str, subscriber_id: int,
                      signature: str) -> Subscriber | None:
    """The subscriber an unsubscribe link names, if its signature is right."""
    if not hmac.compare_digest(unsubscribe_signature(secret, subscriber_id), signature):
        return None
    row = conn.execute(select(_sub).where(_sub.c.id == subscriber_id)).first()
    return None if row is None else Subscriber(row.id, row.email, row.lang, row.state,
                                               row.created_at)


def unsubscribe(conn: Connection, subscriber_id: int, now: datetime) -> bool:
    """No more mail to this address (queued mails of earlier digests are skipped too)."""
    done = conn.execute(update(_sub).where(_sub.c.id == subscriber_id,
                                           _sub.c.state != "unsubscribed")
                        .values(state="unsubscribed", confirm_hash=None,
                                unsubscribed_at=now))
    return done.rowcount == 1


def unsubscribe_address(conn: Connection, email: str, now: datetime) -> None:
    """The operator's removal (``ionode news subscribers remove``)."""
    row = conn.execute(select(_sub.c.id).where(_sub.c.email == check_address(email))).first()
    if row is None:
        raise NewsError(Text(UNKNOWN))
    unsubscribe(conn, row.id, now)


def subscriber_counts(conn: Connection) -> Counter[str]:
    rows = conn.execute(select(_sub.c.state, func.count()).group_by(_sub.c.state))
    return Counter({state: count for state, count in rows})


def subscribers(conn: Connection, state: str | None = None,
                limit: int = 1000) -> list[Subscriber]:
    query = select(_sub).order_by(_sub.c.id).limit(limit)
    if state:
        query = query.where(_sub.c.state == state)
    return [Subscriber(r.id, r.email, r.lang, r.state, r.created_at)
            for r in conn.execute(query)]
