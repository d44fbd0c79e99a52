"""What signed-in organizers change about themselves on ``/account``: the display name,
the password (the current one is asked first, so a borrowed unlocked browser cannot
lock the owner out) and a personal timezone (an IANA name checked by
:mod:`node.zones`, or ``""``: times are shown in the hub's, else the node's zone)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select, update

from node.accounts import ratelimit
from node.accounts.actor_update import change_actor
from node.accounts.models import Account
from node.accounts.passwords import check_policy, verify_password
from node.accounts.service import set_password
from node.accounts.sessions import Login, end_other_sessions
from node.accounts.users import display_name_of
from node.activitypub.models import LocalActor
from node.password_cost import PasswordCost
from node.runtime import Node
from node.zones import check_zone

_account = Account.__table__  # type: ignore[attr-defined]

CURRENT_REFUSED = "the current password is wrong"
LIMITED = "too many wrong passwords: wait a few minutes and try again"


def set_profile(node: Node, conn: Connection, actor: LocalActor, account_id: int, *,
                display_name: str, timezone: str) -> int:
    """Store the display name (``""``: the username) and the timezone; the number of
    deliveries of ``Update{Person}`` sent because the name changed."""
    name = display_name_of(display_name) or actor.username
    zone = check_zone(timezone) if timezone.strip() else ""
    conn.execute(update(_account).where(_account.c.id == account_id).values(timezone=zone))
    if name == actor.display_name:
        return 0
    return change_actor(node, conn, actor, display_name=name)


def change_password(conn: Connection, login: Login, current: str, new: str, *,
                    client: str, now: datetime, cost: PasswordCost) -> str:
    """Replace the password once ``current`` is verified, and end the account's other
    sessions (whoever else held one must sign in with the new password). Wrong current
    passwords count as failed sign-ins (:mod:`node.accounts.ratelimit`), so a stolen
    session cannot be used to guess the password faster than the login form allows.

    Returns the refusal (``""``: changed) rather than raising it, so the caller's
    transaction commits the counted failure; a new password against the policy raises
    :class:`PasswordError` (nothing to keep then)."""
    username = login.actor.username
    if ratelimit.retry_after(conn, username, client, now):
        return LIMITED
    account_id = login.account.id
    assert account_id is not None
    stored = conn.execute(select(_account.c.password_hash)
                          .where(_account.c.id == account_id)).scalar_one()
    if not verify_password(stored, current):
        ratelimit.record_failure(conn, username, client, now)
        return CURRENT_REFUSED
    check_policy(new)
    set_password(conn, account_id, new, cost)
    end_other_sessions(conn, account_id, login.session.id)
    return ""


def timezone_of(conn: Connection, account_id: int) -> str:
    """The reader's chosen zone, ``""`` when they chose none."""
    return str(conn.execute(select(_account.c.timezone)
                            .where(_account.c.id == account_id)).scalar_one() or "")
