"""Who may follow this node: ``open`` (Accept at once) or ``approval`` (the operator
approves or rejects each request with ``ionode network approve|reject``).

The policy is a node setting (``node_setting``, key ``network.follow_policy``); the
node actor's ``manuallyApprovesFollowers`` follows it, so other servers see it and the
protocol's Follow handler holds requests exactly as it does for a hub.
"""

from __future__ import annotations

from sqlalchemy import Connection, delete, insert, select, update

from node.activitypub.models import LocalActor
from node.network.refusal import NetworkRefusal
from node.node_record import NodeSetting

POLICY_KEY = "network.follow_policy"
POLICIES = ("open", "approval")
DEFAULT_POLICY = "open"

_setting = NodeSetting.__table__  # type: ignore[attr-defined]
_actor = LocalActor.__table__  # type: ignore[attr-defined]


def follow_policy(conn: Connection) -> str:
    value = conn.execute(select(_setting.c.value).where(_setting.c.key == POLICY_KEY)).scalar()
    return str(value) if value in POLICIES else DEFAULT_POLICY


def set_follow_policy(conn: Connection, policy: str) -> None:
    """Record ``policy`` and make the node actor advertise it."""
    if policy not in POLICIES:
        raise NetworkRefusal("follow policy must be one of %(choices)s, not %(given)s",
                             choices=", ".join(POLICIES), given=repr(policy))
    conn.execute(delete(_setting).where(_setting.c.key == POLICY_KEY))
    conn.execute(insert(_setting).values(key=POLICY_KEY, value=policy))
    conn.execute(update(_actor).where(_actor.c.kind == "node").values(
        manually_approves_followers=policy == "approval"))
