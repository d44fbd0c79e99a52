"""A hub's two admins demoting each other at the same moment (two browsers on the members
page): one wins, the hub keeps an admin, the other is refused with the service's words.

keep_an_admin locked the hub row with SELECT ... FOR UPDATE, which SQLite ignores (and
its driver does not even begin a transaction for a SELECT): both counted two admins."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine, update

from node.hubs.hub import members as members_module
from node.hubs.hub.members import change_role, members, set_member
from node.hubs.hub.publish import HubError, load_hub
from node.hubs.hub.service import create_hub
from tests.conftest import NOW

BASE = "https://philly.example"
ADA, BEA = f"{BASE}/users/ada", f"{BASE}/users/bea"


def test_two_hub_admins_demoting_each_other_leave_one_admin(
        engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    with engine.begin() as conn:
        create_hub(conn, base_url=BASE, name="dock", title="Dock", now=NOW)
        target = load_hub(conn, "dock")
        set_member(conn, target, ADA, "admin", NOW)
        set_member(conn, target, BEA, "admin", NOW)
    barrier = threading.Barrier(2, timeout=1.5)
    real_update: Callable[..., Any] = update

    def wait_then_update(*args: Any) -> Any:
        # both have read the admins before either writes, unless a lock keeps one waiting
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()
        return real_update(*args)

    monkeypatch.setattr(members_module, "update", wait_then_update)
    outcomes: list[str] = []

    def demote(uri: str) -> None:
        try:
            with engine.begin() as conn:
                change_role(conn, load_hub(conn, "dock"), uri, "member", NOW)
            outcomes.append("demoted")
        except HubError:
            outcomes.append("refused")
        except Exception as exc:  # a database error is a defect too
            outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=demote, args=(uri,)) for uri in (ADA, BEA)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["demoted", "refused"]
    with engine.connect() as conn:
        roles = dict(members(conn, load_hub(conn, "dock")))
    assert sorted(roles.values()) == ["admin", "member"]


