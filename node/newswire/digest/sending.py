"""Sending the digest mails at the SMTP server's pace, each subscriber at most once.

A worker claims a batch of queued mails (:mod:`node.newswire.digest.claims`), opens one
connection and, for each mail, runs ``MAIL FROM``, ``RCPT TO`` and ``DATA``:

* before ``DATA`` it records ``data_at`` (only if the claim is still its own), and right
  after the server's 250 to ``DATA`` it records ``sent``: the server's acceptance and
  our record are one step apart, with nothing but the write between them;
* a 5xx answer (to ``RCPT`` or ``DATA``) is a permanent refusal: ``bounced``; a 4xx is
  temporary: queued again with exponential backoff, ``failed`` after eight tries;
* a connection that breaks before ``DATA`` puts the mail back (it was not sent); one
  that breaks during ``DATA`` may or may not have delivered it: ``failed``, not resent.

The remaining window, honestly: if the worker is killed after the server's 250 and
before ``sent`` is written (a database round trip), or the connection breaks during
``DATA`` after the server kept the message, the mail was delivered but is recorded as
``failed`` and is never sent again. That is the price of never sending twice: a
subscriber may miss one digest in that case, and never gets one twice. A worker killed
at any other point leaves its claims to expire; they are then taken again and sent.
The ``Message-ID`` is the same on every attempt (:mod:`node.newswire.digest.smtp`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import anyio
from aiosmtplib import SMTP, SMTPException, SMTPResponseException
from sqlalchemy import select
from sqlalchemy.engine import Engine

from node.newswire.digest import claims
from node.newswire.digest.models import DigestMail, NewsDigest, NewsSubscriber
from node.newswire.digest.smtp import SmtpServer, message, personal, template
from node.newswire.digest.subscribers import unsubscribe_url
from node.newswire.digest.withdrawn import live, withdrawn
from node.runtime import Node
from node.services import MailRenderer, RenderedMail

CLAIM_TTL = timedelta(minutes=5)
BATCH = 50
#: Stands for the unsubscribe URL in a digest rendered once per (digest, language).
MARK = "https://unsubscribe.invalid/ionode-mark"
GONE = "the subscriber unsubscribed before this digest went out"

_mail = DigestMail.__table__  # type: ignore[attr-defined]
_sub = NewsSubscriber.__table__  # type: ignore[attr-defined]
_digest = NewsDigest.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Recipient:
    mail_id: int
    digest_id: int
    subscriber_id: int
    email: str
    lang: str
    subscribed: bool
    attempts: int


def recipients(engine: Engine, ids: Sequence[int]) -> list[Recipient]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(_mail.c.id, _mail.c.digest_id, _mail.c.subscriber_id, _sub.c.email,
                   _sub.c.lang, _sub.c.state, _mail.c.attempts)
            .join(_sub, _sub.c.id == _mail.c.subscriber_id)
            .where(_mail.c.id.in_(list(ids))).order_by(_mail.c.id))
        return [Recipient(r[0], r[1], r[2], r[3], r[4], r[5] == "confirmed", r[6])
                for r in rows]


def digest_context(engine: Engine, digest_id: int, base_url: str) -> dict[str, Any]:
    with engine.connect() as conn:
        row = conn.execute(select(_digest).where(_digest.c.id == digest_id)).one()
        entries = live(conn, list(row.entries or []))
    return {"title": row.title, "entries": entries,
            "period_start": row.period_start, "period_end": row.period_end,
            "page_url": f"{base_url}/news/digests/{digest_id}", "unsubscribe_url": MARK}


class DigestSender:
    """One sending worker: ``run_once`` sends one batch; ``run`` until stopped."""

    def __init__(self, node: Node, server: SmtpServer, render: MailRenderer,
                 worker: str, batch: int = BATCH) -> None:
        self.node, self.server, self.render = node, server, render
        self.worker, self.batch = worker, batch
        self._bodies: dict[tuple[int, str], RenderedMail] = {}
        self._templates: dict[tuple[int, str], bytes | None] = {}
        self._eight_bit = False  # the server takes BODY=8BITMIME (RFC 6152)
        self._gone: dict[int, frozenset[str]] = {}  # withdrawn entries, when rendered
        self._stop: anyio.Event | None = None

    async def run(self, stop: anyio.Event, idle: float = 10.0) -> None:
        """Until ``stop``: a stopping worker ends its batch after the mail in hand and
        puts the rest back, rather than being cancelled in the middle of a DATA."""
        self._stop = stop
        while not stop.is_set():
            if await self.run_once() == 0:
                with anyio.move_on_after(idle):
                    await stop.wait()

    async def run_once(self) -> int:
        """Send one claimed batch; the number of mails that reached an outcome."""
        engine, now = self.node.engine, self.node.clock()
        await anyio.to_thread.run_sync(claims.sweep_interrupted, engine, now)
        ids = await anyio.to_thread.run_sync(lambda: claims.claim_mails(
            engine, now=now, ttl=CLAIM_TTL, limit=self.batch, worker=self.worker))
        if not ids:
            return 0
        batch = await anyio.to_thread.run_sync(recipients, engine, ids)
        await anyio.to_thread.run_sync(self._forget_changed, {r.digest_id for r in batch})
        smtp = self.server.client()
        try:
            await smtp.connect()
            self._eight_bit = smtp.supports_extension("8bitmime")
        except (SMTPException, OSError) as exc:
            for r in batch:
                await self._db(claims.retry_later, r.mail_id, self.worker, now, r.attempts,
                               f"cannot reach the SMTP server: {exc}")
            return 0
        return await self._send_batch(smtp, batch)

    async def _send_batch(self, smtp: SMTP, batch: list[Recipient]) -> int:
        done = 0
        try:
            for index, r in enumerate(batch):
                try:
                    usable = await self._send(smtp, r)
                except (SMTPException, OSError) as exc:  # broke before DATA: not sent
                    await self._db(claims.retry_later, r.mail_id, self.worker,
                                   self.node.clock(), r.attempts, str(exc))
                    usable = False
                done += 1
                if not usable or (self._stop is not None and self._stop.is_set()):
                    rest = [x.mail_id for x in batch[index + 1:]]
                    await self._db(claims.put_back, rest, self.worker)
                    break
            else:
                with contextlib.suppress(SMTPException, OSError):  # all recorded already
                    await smtp.quit()
        finally:
            smtp.close()
        return done

    async def _send(self, smtp: SMTP, r: Recipient) -> bool:
        """One mail; whether the connection can carry the next one."""
        worker, engine = self.worker, self.node.engine
        if not r.subscribed:
            await self._db(claims.finish, r.mail_id, worker, state="failed", error=GONE)
            return True
        msg, options = await self._compose(r)
        try:
            await smtp.mail(self.server.sender, options=options)
            await smtp.rcpt(r.email)
        except SMTPResponseException as exc:
            await self._refused(r, exc)
            await smtp.rset()
            return True
        started = await anyio.to_thread.run_sync(lambda: claims.start_data(
            engine, r.mail_id, worker, self.node.clock(), CLAIM_TTL))
        if not started:  # our claim expired and another worker has the mail
            await smtp.rset()
            return True
        try:
            await smtp.data(msg)
        except SMTPResponseException as exc:  # refused: the server did not keep it
            await self._refused(r, exc)
            return True
        except (SMTPException, OSError) as exc:  # no answer: kept or not, unknowable
            await self._db(claims.finish, r.mail_id, worker, state="failed",
                           error=f"{claims.INTERRUPTED} ({exc})"[:1000])
            return False
        await self._db(claims.finish, r.mail_id, worker, state="sent",
                       sent_at=self.node.clock(), error="")
        return True

    async def _refused(self, r: Recipient, exc: SMTPResponseException) -> None:
        error = f"{exc.code} {exc.message}"[:1000]
        if 500 <= exc.code < 600:
            await self._db(claims.finish, r.mail_id, self.worker, state="bounced",
                           error=error, data_at=None)
        else:
            await self._db(claims.retry_later, r.mail_id, self.worker, self.node.clock(),
                           r.attempts, error)

    async def _db(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        engine = self.node.engine
        return await anyio.to_thread.run_sync(lambda: fn(engine, *args, **kwargs))

    def _forget_changed(self, digest_ids: set[int]) -> None:
        """Drop the rendered mails of a digest one of whose entries was withdrawn since
        they were rendered, so the rest of its subscribers never get that entry."""
        with self.node.engine.connect() as conn:
            for digest_id in digest_ids:
                entries = conn.execute(select(_digest.c.entries)
                                       .where(_digest.c.id == digest_id)).scalar()
                gone = withdrawn(conn, list(entries or []))
                if self._gone.get(digest_id, gone) != gone:
                    self._bodies = {k: v for k, v in self._bodies.items() if k[0] != digest_id}
                    self._templates = {k: v for k, v in self._templates.items()
                                       if k[0] != digest_id}
                self._gone[digest_id] = gone

    async def _body(self, r: Recipient) -> RenderedMail:
        """The digest rendered once per (digest, language), the unsubscribe link a mark."""
        key = (r.digest_id, r.lang)
        body = self._bodies.get(key)
        if body is None:
            context = await anyio.to_thread.run_sync(
                digest_context, self.node.engine, r.digest_id, self.node.settings.url)
            body = await anyio.to_thread.run_sync(self.render, "digest", r.lang, context)
            if len(self._bodies) >= 8:  # a few digests x languages: bounded memory
                self._bodies.clear()
                self._templates.clear()
                self._gone.clear()
            self._bodies[key] = body
        return body

    async def _compose(self, r: Recipient) -> tuple[bytes, list[str]]:
        """This recipient's message and the ``MAIL FROM`` options it needs."""
        body, settings = await self._body(r), self.node.settings
        link = unsubscribe_url(settings.url, settings.secret_key, r.subscriber_id)
        message_id = f"<digest-{r.digest_id}-{r.subscriber_id}@{settings.host.split(':')[0]}>"
        key = (r.digest_id, r.lang)
        if self._eight_bit and key not in self._templates:
            self._templates[key] = await anyio.to_thread.run_sync(lambda: template(
                body, sender=self.server.sender, now=self.node.clock(),
                unsubscribe_mark=MARK))
        made = self._templates.get(key) if self._eight_bit else None
        if made is not None:
            return personal(made, to=r.email, message_id=message_id, unsubscribe_mark=MARK,
                            unsubscribe=link), ["BODY=8BITMIME"]
        rendered = RenderedMail(body.subject, body.text.replace(MARK, link),
                                body.html.replace(MARK, link))
        msg = message(rendered, sender=self.server.sender, to=r.email,
                      now=self.node.clock(), unsubscribe=link, message_id=message_id)
        return msg.as_bytes(), []
