"""The reply with the outcome to a fediverse submitter (issue 10 item 3).

When a moderator decides on news sent by mention, ``@news`` answers the sender in the
same transaction as the decision: a ``Create{Note}`` ``inReplyTo`` the submitted object,
addressed to the sender only (``to`` = [sender], no Public, no followers: Mastodon
shows it as a private mention), with a ``Mention`` tag of the sender, saying it was
published (with the Article's link) or rejected citing the clause as the Code of
Conduct has it. It is delivered to the sender's own inbox through the delivery table
(:meth:`node.activitypub.outbox.Outbox.publish`, followers left out); being not public,
the Note is not served at its id nor listed in the outbox collection.
"""

from __future__ import annotations

import html
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from node.activitypub.models import LocalActor
from node.activitypub.outbox import Outbox
from node.activitypub.vocab import ACTIVITY_CONTEXT, activity, isoformat


def _mention(actor: str, handle: str) -> str:
    user = html.escape(handle.lstrip("@").split("@")[0])
    return (f'<span class="h-card"><a href="{html.escape(actor)}" class="u-url mention">'
            f"@<span>{user}</span></a></span>")


def outcome_text(*, title: str, article_uri: str | None, citation: str,
                 merged: bool = False) -> str:
    """The sentence after the mention (HTML): published with its link, rejected, or
    merged into news the newswire already has (``title``/``article_uri`` are then that
    item's)."""
    name = html.escape(title)
    if merged:
        where = (f': <a href="{html.escape(article_uri)}">{html.escape(article_uri)}</a>'
                 if article_uri else "")
        return f"Your news was merged as a duplicate into “{name}”{where}"
    if article_uri:
        link = html.escape(article_uri)
        return (f"Your news “{name}” was approved and published: "
                f'<a href="{link}">{link}</a>')
    return (f"Your news “{name}” was not published: the moderators rejected it under "
            f"{html.escape(citation)}")


def reply_note(*, object_id: str, news_uri: str, submitter: str, handle: str,
               in_reply_to: str, text_html: str, now: datetime) -> dict[str, Any]:
    """The direct Note to the submitter (pure)."""
    return {
        "@context": list(ACTIVITY_CONTEXT), "id": object_id, "type": "Note",
        "attributedTo": news_uri, "inReplyTo": in_reply_to,
        "content": f"<p>{_mention(submitter, handle)} {text_html}</p>",
        "tag": [{"type": "Mention", "href": submitter, "name": handle}],
        "published": isoformat(now), "to": [submitter], "cc": [],
    }


def send_reply(conn: Connection, outbox: Outbox, news: LocalActor, row: Any, *, title: str,
               article_uri: str | None, citation: str, now: datetime,
               merged: bool = False) -> int:
    """Queue the reply to the sender of news item ``row``; the deliveries queued (0 for
    news not from the fediverse)."""
    if not row.submitter_actor or not row.submitter_inbox:
        return 0
    note = reply_note(object_id=outbox.new_id("objects"), news_uri=news.uri,
                      submitter=row.submitter_actor, handle=row.submitter_handle,
                      in_reply_to=row.submitted_object or row.source_url,
                      text_html=outcome_text(title=title, article_uri=article_uri,
                                             citation=citation, merged=merged),
                      now=now)
    create = activity("Create", id=outbox.new_id("activities"), actor=news.uri,
                      object=note["id"], published=now, to=[row.submitter_actor], cc=[])
    return outbox.publish(conn, actor=news, activity=create, obj=note, now=now,
                          to_followers=False, inboxes=[row.submitter_inbox]).deliveries
