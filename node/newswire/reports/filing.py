"""Filing a report from the form or the command line, as one flow: check what was
typed, find the target, look up the origin's inbox (remote content only), then store
the report and its Flag in one transaction (:func:`service.file_report`).

The origin's inbox is looked up outside any transaction (the actor cache may fetch
and store the actor). Mastodon forwards a report to the reported account's
``inbox_url`` (``ReportForwardingService#forward_to_origin!``); we use the account's
shared inbox when it has one, as all our deliveries do, else its inbox. When the origin
cannot be reached the report is still kept here, unforwarded, and says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import anyio

from node.activitypub.actors import ActorCache, LookupFailed
from node.newswire.reports.rules import check_comment, reason_key
from node.newswire.reports.service import Filed, file_report
from node.newswire.reports.targets import Target, find_target
from node.runtime import Node


@dataclass(frozen=True)
class Typed:
    """A report as typed: the target's URI, the reason key, the comment, the honeypot."""

    object_uri: str = ""
    account_uri: str = ""
    reason: str = ""
    comment: str = ""
    honeypot: str = ""
    include_identity: bool = False


async def origin_inbox(actors: ActorCache, target: Target) -> str:
    """Where the Flag about remote ``target`` goes; "" for ours or an unreachable origin."""
    if target.local or not target.account_uri:
        return ""
    found = await actors.actor(target.account_uri)
    if isinstance(found, LookupFailed):
        return ""
    return found.shared_inbox or found.inbox


def target_of(node: Node, typed: Typed) -> Target:
    with node.engine.connect() as conn:
        return find_target(conn, object_uri=typed.object_uri, account_uri=typed.account_uri,
                           base_url=node.settings.url, host=node.settings.host)


async def submit_report(node: Node, typed: Typed, *, source: str,
                        reporter_account_id: int | None = None,
                        client: str | None = None) -> Filed:
    """Check, resolve, forward and store one report; :class:`NewsError` names a refusal
    and then nothing is stored."""
    comment = check_comment(typed.comment, typed.honeypot)
    key = reason_key(typed.reason)
    target = await anyio.to_thread.run_sync(target_of, node, typed)
    inbox = await origin_inbox(node.services.actors, target)

    def store() -> Filed:
        with node.engine.begin() as conn:
            return file_report(conn, node.services.outbox, target, reason_key=key,
                               comment=comment, now=node.clock(), source=source,
                               host=node.settings.host, inbox=inbox,
                               reporter_account_id=reporter_account_id,
                               include_identity=typed.include_identity, client=client)

    return await anyio.to_thread.run_sync(store)
