"""Filing a report and reading reports back: the queue, one report, a reporter's view.

A report is stored and, when it is about remote content, its ``Flag`` is written with
one delivery row to the origin's inbox in the SAME transaction
(:meth:`node.activitypub.outbox.Outbox.publish`), so the report and its forwarding
commit or fail together. The Flag's actor is the node's own ``/actor`` (Mastodon sends
its instance actor the same way): the reporter is named only if they ticked "include
my identity". The web form is limited per client address like news submissions
(:func:`node.newswire.submissions.service.retry_after`, keyed ``report:<address>``).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from node.accounts.models import Account
from node.activitypub.local_actors import find_by_kind
from node.activitypub.models import LocalActor
from node.activitypub.outbox import Outbox
from node.newswire.conduct.rules import cite
from node.newswire.conduct.service import in_force
from node.newswire.errors import NewsError
from node.newswire.reports.models import NewsReport
from node.newswire.reports.rules import CONDUCT_PREFIX, Reporter, build_flag
from node.newswire.reports.targets import Target
from node.newswire.submissions.service import count_attempt, retry_after, token_hash

REPORT_LIMIT = 5
TOO_MANY = "too many reports from your address: try again in an hour"
NO_SUCH_REPORT = "there is no such report"
LIST_LIMIT = 200

_report = NewsReport.__table__  # type: ignore[attr-defined]
_account = Account.__table__  # type: ignore[attr-defined]
_actor = LocalActor.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Filed:
    id: int
    token: str
    flag_uri: str | None  # the Flag sent to the origin, for remote content


@dataclass(frozen=True)
class ReportRow:
    """A report as moderators see it (the reporter only as an account name or a server)."""

    id: int
    source: str
    kind: str
    label: str
    local: bool
    account_uri: str
    object_uris: list[str]
    reason: str
    comment: str
    reporter: str  # @name of a local reporter, a Flag's sender, or ""
    include_identity: bool
    flag_uri: str | None
    forwarded_to: str
    state: str  # open | dismissed | acted
    action: str
    note: str
    created_at: datetime
    decided_at: datetime | None


def reason_text(conn: Connection, key: str) -> str:
    """``spam``/``illegal``/``other`` as they are, a ``conduct:N`` key as its citation."""
    if not key.startswith(CONDUCT_PREFIX):
        return key
    conduct = in_force(conn, "conduct")
    return cite(conduct.markdown if conduct else None, conduct.version if conduct else 0,
                key[len(CONDUCT_PREFIX):])


def reporter_of(conn: Connection, account_id: int, host: str) -> Reporter:
    row = conn.execute(select(_actor.c.uri, _actor.c.username)
                       .join(_account, _account.c.actor_id == _actor.c.id)
                       .where(_account.c.id == account_id)).one()
    return Reporter(row.uri, f"@{row.username}@{host}")


def _send_flag(conn: Connection, outbox: Outbox, target: Target, *, inbox: str,
               comment: str, reason: str, reporter: Reporter | None, now: datetime) -> str:
    node_actor = find_by_kind(conn, "node")
    if node_actor is None:
        raise NewsError("this node has no node actor yet: run `ionode migrate`")
    flag = build_flag(flag_id=outbox.new_id("activities"), actor_uri=node_actor.uri,
                      account_uri=target.account_uri, object_uris=target.object_uris,
                      comment=comment, reason=reason, reporter=reporter)
    outbox.publish(conn, actor=node_actor, activity=flag, now=now, to_followers=False,
                   inboxes=[inbox])
    return str(flag["id"])


def file_report(conn: Connection, outbox: Outbox, target: Target, *, reason_key: str,
                comment: str, now: datetime, source: str, host: str, inbox: str = "",
                reporter_account_id: int | None = None, include_identity: bool = False,
                client: str | None = None) -> Filed:
    """Store a checked report; forward it as a Flag to ``inbox`` for remote content."""
    reason = reason_text(conn, reason_key)
    if client is not None:
        key = f"report:{client}"
        if retry_after(conn, key, now, REPORT_LIMIT):
            raise NewsError(TOO_MANY)
        count_attempt(conn, key, now)
    named = include_identity and reporter_account_id is not None
    reporter = reporter_of(conn, reporter_account_id, host) if named and \
        reporter_account_id is not None else None
    flag_uri = None
    if not target.local and inbox:
        flag_uri = _send_flag(conn, outbox, target, inbox=inbox, comment=comment,
                              reason=reason, reporter=reporter, now=now)
    token = secrets.token_urlsafe(24)
    new_id = conn.execute(insert(_report).values(
        token_hash=token_hash(token), source=source, account_uri=target.account_uri,
        object_uris=list(target.object_uris), kind=target.kind, label=target.label,
        local=target.local, reason=reason, comment=comment,
        reporter_account_id=reporter_account_id, reporter_actor="",
        include_identity=named, flag_uri=flag_uri,
        forwarded_to=inbox if flag_uri else "", state="open", action="", note="",
        created_at=now)).inserted_primary_key
    assert new_id is not None
    return Filed(int(new_id[0]), token, flag_uri)


def _row(conn: Connection, row: Any) -> ReportRow:
    reporter = row.reporter_actor
    if row.reporter_account_id is not None:
        name = conn.execute(select(_actor.c.username)
                            .join(_account, _account.c.actor_id == _actor.c.id)
                            .where(_account.c.id == row.reporter_account_id)).scalar()
        reporter = f"@{name}" if name else ""
    return ReportRow(row.id, row.source, row.kind, row.label, row.local, row.account_uri,
                     list(row.object_uris or []), row.reason, row.comment, reporter,
                     row.include_identity, row.flag_uri, row.forwarded_to, row.state,
                     row.action, row.note, row.created_at, row.decided_at)


def reports(conn: Connection, *, open_only: bool = True,
            limit: int = LIST_LIMIT) -> list[ReportRow]:
    """Open reports oldest first, or every report newest first."""
    query = select(_report).limit(limit)
    query = (query.where(_report.c.state == "open").order_by(_report.c.id) if open_only
             else query.order_by(_report.c.id.desc()))
    return [_row(conn, row) for row in conn.execute(query)]


def report(conn: Connection, report_id: int) -> ReportRow:
    row = conn.execute(select(_report).where(_report.c.id == report_id)).first()
    if row is None:
        raise NewsError(NO_SUCH_REPORT)
    return _row(conn, row)


@dataclass(frozen=True)
class Outcome:
    """What a reporter may see of their report: never who decided, never the others'."""

    label: str
    reason: str
    state: str
    action: str
    note: str
    forwarded: bool
    created_at: datetime
    decided_at: datetime | None


def _outcome(row: Any) -> Outcome:
    return Outcome(row.label, row.reason, row.state, row.action, row.note,
                   row.flag_uri is not None, row.created_at, row.decided_at)


def track(conn: Connection, token: str) -> Outcome | None:
    """The outcome behind a report's private tracking token; None for an unknown one."""
    if not token or len(token) > 100:
        return None
    row = conn.execute(select(_report).where(_report.c.token_hash == token_hash(token))).first()
    return _outcome(row) if row is not None else None


def reports_by(conn: Connection, account_id: int, limit: int = 50) -> list[Outcome]:
    """A signed-in reporter's own reports, newest first (their account page)."""
    rows = conn.execute(select(_report).where(_report.c.reporter_account_id == account_id)
                        .order_by(_report.c.id.desc()).limit(limit))
    return [_outcome(row) for row in rows]


def close(conn: Connection, report_id: int, *, state: str, action: str, note: str,
          now: datetime) -> ReportRow:
    """Mark an open report decided; a report decided meanwhile is refused."""
    found = report(conn, report_id)
    done = conn.execute(update(_report).where(_report.c.id == report_id,
                                              _report.c.state == "open")
                        .values(state=state, action=action, note=note, decided_at=now))
    if done.rowcount != 1:
        raise NewsError("this report is already decided")
    return found
