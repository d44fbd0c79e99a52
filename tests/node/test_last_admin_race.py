"""Two admins disabling each other at the same moment: one wins, the node keeps an admin.

Both transactions count the enabled admins before either writes; without a lock both
see two and both disable, leaving a node nobody can administer (on PostgreSQL), or the
loser fails with a database error instead of the refusal (SQLite)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable

import pytest
from sqlalchemy import Connection, Engine

from node.accounts import users
from node.accounts.users import UserError, list_users, set_disabled
from tests.conftest import NOW
from tests.node.admin_support import add_admin


def test_two_admins_disabling_each_other_leave_one_admin(
        engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    add_admin(engine, "ada")
    add_admin(engine, "bea")
    barrier = threading.Barrier(2, timeout=1.5)
    count: Callable[[Connection], int] = users._enabled_admins

    def counted_then_wait(conn: Connection) -> int:
        seen = count(conn)
        # both have counted before either writes, unless a lock keeps one waiting
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()
        return seen

    monkeypatch.setattr(users, "_enabled_admins", counted_then_wait)
    outcomes: list[str] = []

    def disable(name: str) -> None:
        try:
            with engine.begin() as conn:
                set_disabled(conn, name, disabled=True, now=NOW)
            outcomes.append("disabled")
        except UserError:
            outcomes.append("refused")
        except Exception as exc:  # a database error is a defect too
            outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=disable, args=(name,)) for name in ("ada", "bea")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["disabled", "refused"]
    with engine.connect() as conn:
        assert [u.username for u in list_users(conn) if u.is_admin and not u.disabled]
