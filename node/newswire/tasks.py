"""The newswire's periodic work, run beside the workers (see node/periodic.py)."""

from __future__ import annotations

from datetime import timedelta

from node.newswire.network_news.withdraw import withdraw_task
from node.newswire.websub.service import send_due
from node.periodic import PeriodicTask
from node.runtime import Node


async def websub_pings(node: Node) -> int:
    return await send_due(node)


def news_tasks() -> list[PeriodicTask]:
    """WebSub pings every few seconds: readers hear of approved news within seconds; picks
    whose original was deleted are withdrawn (``Undo{Announce}``) as often."""
    return [PeriodicTask("websub pings", timedelta(seconds=5), websub_pings),
            PeriodicTask("withdraw deleted picks", timedelta(seconds=5), withdraw_task)]
