"""Blocks from the moderators' side (issue 10 item 8): the service's refusals, ``ionode
block`` and ``ionode allow``, the /admin/blocks page, and the policy cache that several
processes share through the version counter."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from pathlib import Path

import anyio
import pytest
from sqlalchemy import Engine, insert
from starlette.testclient import TestClient

from node.activitypub.federation_policy import Rules
from node.activitypub.federation_store import (
    FederationPolicy,
    FederationRule,
    add_rule,
    bump,
    read_state,
)
from node.activitypub.models import RemoteActor
from node.clock import Clock
from node.db import make_engine
from node.newswire.blocks.service import Target, block
from node.newswire.errors import NewsError
from node.settings import Settings
from tests.conftest import NOW
from tests.node.admin_support import add_admin, page_token, signed_in
from tests.node.blocks_support import create
from tests.node.cli_support import PASSWORD, cli_flags, run_cli
from tests.node.harness import Harness, rows, running_node
from tests.node.web_support import add_organizer


@pytest.fixture
def h(settings: Settings, clock: Clock) -> Iterator[Harness]:
    with running_node(settings, clock) as harness:
        yield harness


def test_refusals_a_reason_is_required_and_a_block_is_not_made_twice(h: Harness) -> None:
    with h.node.engine.begin() as conn:
        with pytest.raises(NewsError, match="public reason"):
            block(h.node, conn, Target("domain", "spam.example"), "  ", role="admin")
        block(h.node, conn, Target("domain", "spam.example"), "spam", role="admin")
        with pytest.raises(NewsError, match="already blocked"):
            block(h.node, conn, Target("domain", "spam.example"), "spam", role="admin")
        with pytest.raises(NewsError, match="cannot block itself"):
            block(h.node, conn, Target("domain", h.node.settings.url.split("//")[1]
                                       .split(":")[0]), "x", role="admin")
    assert [r["target"] for r in rows(h, FederationRule.__table__)] == ["spam.example"]


def test_the_block_and_allow_commands(database_url: str, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    flags = cli_flags(database_url, tmp_path)
    assert run_cli(["user", "create", "ada", "--password-stdin"], flags, monkeypatch,
                   PASSWORD) == 0  # the first user: a node admin
    assert run_cli(["user", "create", "bo", "--password-stdin"], flags, monkeypatch,
                   PASSWORD) == 0  # neither admin nor news moderator
    capsys.readouterr()
    assert run_cli(["block", "add", "Spam.Example.", "--reason", "spam waves", "--as", "ada"],
                   flags, monkeypatch) == 0
    assert "blocked the domain spam.example" in capsys.readouterr().out
    assert run_cli(["block", "add", "https://nowhere.invalid/@troll", "--reason", "threats",
                    "--as", "ada"], flags, monkeypatch) == 1  # cannot be resolved
    assert "cannot find the account https://nowhere.invalid/@troll" in capsys.readouterr().err
    known(database_url, "https://ok.example/users/troll")  # an actor this node holds
    assert run_cli(["block", "add", "https://ok.example/users/troll", "--reason", "threats",
                    "--as", "ada"], flags, monkeypatch) == 0  # stored with no fetch
    assert "blocked the account https://ok.example/users/troll;" in capsys.readouterr().out
    assert run_cli(["block", "add", "x.example", "--reason", "r", "--as", "bo"],
                   flags, monkeypatch) == 1
    assert "only the node's admins and news moderators" in capsys.readouterr().err
    assert run_cli(["block", "mode", "allowlist", "--as", "ada"], flags, monkeypatch) == 0
    assert run_cli(["allow", "add", "friends.example", "--as", "ada"], flags, monkeypatch) == 0
    capsys.readouterr()
    assert run_cli(["block", "list"], flags, monkeypatch) == 0
    listed = capsys.readouterr().out.splitlines()
    assert listed[0] == "mode\tallowlist"
    assert [line.split("\t")[:2] for line in listed[1:]] == [
        ["domain", "spam.example"], ["account", "https://ok.example/users/troll"],
        ["allowed", "friends.example"]]
    assert "spam waves" in listed[1]
    assert run_cli(["block", "remove", "spam.example", "--as", "ada"], flags, monkeypatch) == 0
    assert run_cli(["allow", "remove", "friends.example", "--as", "ada"], flags,
                   monkeypatch) == 0
    capsys.readouterr()
    assert run_cli(["allow", "list"], flags, monkeypatch) == 0
    assert capsys.readouterr().out == "mode\tallowlist\n"
    assert run_cli(["news", "log"], flags, monkeypatch) == 0
    actions = [line.split("\t")[2] for line in capsys.readouterr().out.splitlines()]
    assert actions == ["disallowed", "unblocked", "allowed", "mode", "blocked", "blocked"]


def known(database_url: str, uri: str) -> None:
    """A remote actor this node has cached (as a delivery from it leaves it)."""
    engine = make_engine(database_url)
    with engine.begin() as conn:
        conn.execute(insert(RemoteActor.__table__).values(  # type: ignore[attr-defined]
            uri=uri, host=uri.split("/")[2], kind="Person", preferred_username="troll",
            display_name="Troll", inbox=f"{uri}/inbox", multikeys={}, document={"id": uri},
            fetched_at=NOW, gone=False))
    engine.dispose()


def test_the_blocks_page_is_for_moderators_and_refuses_as_the_service_does(h: Harness) -> None:
    add_admin(h.node.engine, "ada")
    add_organizer(h.node.engine, "bo")
    browse = partial(TestClient, h.client.app, base_url=h.node.settings.url,
                     follow_redirects=False)
    answer = browse().get("/admin/blocks")
    assert answer.status_code == 303 and "/login" in answer.headers["location"]
    assert signed_in(browse(), "bo").get("/admin/blocks").status_code == 403
    ada = signed_in(browse(), "ada")
    token = page_token(ada, "/admin/blocks")
    refused = ada.post("/admin/blocks/add", data={
        "csrf_token": token, "target": "spam.example", "reason": " "})
    assert refused.status_code == 400 and "A block needs a public reason" in refused.text
    assert 'value="spam.example"' in refused.text  # what was typed comes back
    done = ada.post("/admin/blocks/add", data={
        "csrf_token": token, "target": "SPAM.example.", "reason": "spam waves"})
    assert done.status_code == 303
    spammer = h.remote.add_actor("spam.example", "x")  # refused at once: cache dropped
    assert h.post_activity(spammer, create(spammer, 1, "buy", h)).status_code == 403
    assert "spam waves" in ada.get("/news/log").text


def test_another_process_sees_a_change_when_its_snapshot_is_stale(engine: Engine) -> None:
    """Two caches on one database, as two processes have: the version counter tells."""
    now = [0.0]
    theirs = FederationPolicy(engine, "here.example", ttl=2.0, monotonic=lambda: now[0])
    assert theirs.rules().refusal("https://spam.example/users/x") is None
    with engine.begin() as conn:  # `ionode block add` in another process
        add_rule(conn, "domain", "spam.example", "spam", NOW)
    assert theirs.rules().refusal("https://spam.example/users/x") is None  # still fresh
    now[0] = 2.5
    assert theirs.rules().refusal("https://spam.example/users/x") is not None
    snapshot = theirs.rules()
    now[0] = 5.0
    assert theirs.rules() is snapshot  # nothing changed: the same snapshot


def test_allowlist_mode_never_refuses_the_node_itself(engine: Engine) -> None:
    policy = FederationPolicy(engine, "localhost:8000")
    with engine.begin() as conn:
        bump(conn, "allowlist")
    rules = policy.rules()
    assert rules.refusal("http://localhost:8000/users/ana") is None
    assert rules.refusal("http://elsewhere.example/users/bo") is not None


async def test_a_stale_snapshot_is_looked_up_once_for_every_request_waiting(
        engine: Engine) -> None:
    """Many requests in flight when the snapshot goes stale: one thread hop, one answer."""
    now = [0.0]
    policy = FederationPolicy(engine, "here.example", ttl=2.0, monotonic=lambda: now[0])
    first = await policy.current()
    assert policy.looks == 1
    with engine.begin() as conn:  # a block added by another process meanwhile
        add_rule(conn, "domain", "spam.example", "spam", NOW)
    now[0] = 2.5
    seen: list[Rules] = []

    async def request() -> None:
        seen.append(await policy.current())

    async with anyio.create_task_group() as group:
        for _ in range(30):
            group.start_soon(request)
    assert policy.looks == 2  # not 31
    assert len({id(rules) for rules in seen}) == 1 and seen[0] is not first
    assert seen[0].refusal("https://spam.example/users/x") is not None  # the new rule


_RULES = FederationRule.__table__  # type: ignore[attr-defined]


def _ada(h: Harness) -> tuple[TestClient, str]:
    add_admin(h.node.engine, "ada")
    ada = signed_in(TestClient(h.client.app, base_url=h.node.settings.url,
                               follow_redirects=False), "ada")
    return ada, page_token(ada, "/admin/blocks")


def test_a_profile_url_blocks_the_account_by_its_actor_id(h: Harness) -> None:
    """A block typed as a profile URL (``https://host/@ana``) is stored as the actor id
    the account's activities carry (``https://host/users/ana``): stored as typed, it
    matched nothing, and the account's follows and posts went on."""
    troll = h.remote.add_actor("ok.example", "troll")
    h.remote.objects["https://ok.example/@troll"] = troll.document()  # Mastodon's profile
    ada, token = _ada(h)
    done = ada.post("/admin/blocks/add", data={
        "csrf_token": token, "target": "https://ok.example/@troll", "reason": "threats"})
    assert done.status_code == 303
    assert [r["target"] for r in rows(h, _RULES)] == [troll.uri]
    page = ada.get(done.headers["location"]).text
    assert f"blocked by its actor id, the one its activities carry: {troll.uri}" in page
    assert h.post_activity(troll, create(troll, 1, "hello", h)).status_code == 403


def test_an_account_that_cannot_be_found_is_a_clear_refusal(h: Harness) -> None:
    liar = h.remote.add_actor("ok.example", "liar")
    h.remote.objects["https://ok.example/@other"] = {
        **liar.document(), "id": "https://elsewhere.example/users/someone"}
    ada, token = _ada(h)
    for typed, reason in (("https://ok.example/@nobody", "no such account (404)"),
                          ("https://ok.example/@other", "actor on another host")):
        refused = ada.post("/admin/blocks/add", data={
            "csrf_token": token, "target": typed, "reason": "threats"})
        assert refused.status_code == 400
        assert f"Cannot find the account {typed}" in refused.text and reason in refused.text
    assert rows(h, _RULES) == []


def test_a_known_actor_id_is_blocked_without_a_fetch(h: Harness) -> None:
    known = h.remote.add_actor("ok.example", "known")
    assert h.post_activity(known, create(known, 1, "hi", h)).status_code == 202  # cached
    del h.remote.actors[known.uri]  # its server is down now
    fetched = len(h.remote.received)
    ada, token = _ada(h)
    done = ada.post("/admin/blocks/add", data={
        "csrf_token": token, "target": known.uri, "reason": "threats"})
    assert done.status_code == 303
    assert [r["target"] for r in rows(h, _RULES)] == [known.uri]
    assert all(r.method == "POST" for r in h.remote.received[fetched:])  # no GET


def test_an_account_named_at_a_refused_address_is_never_fetched(h: Harness) -> None:
    """SECURITY.md "Fetching": the profile URL or handle a moderator types is resolved
    through the guarded fetcher, so an address on loopback, link-local or a private
    network is refused without a request reaching it."""
    ada, token = _ada(h)
    for typed in ("http://127.0.0.1:5432/users/x", "https://169.254.169.254/users/x",
                  "@x@[::1]", "https://[::ffff:a00:1]/@x"):
        refused = ada.post("/admin/blocks/add", data={
            "csrf_token": token, "target": typed, "reason": "threats"})
        assert refused.status_code == 400, typed
    assert not [r for r in h.remote.received
                if r.url.host in ("127.0.0.1", "169.254.169.254", "::1", "::ffff:a00:1")]
    assert rows(h, _RULES) == []
def _legacy_block(h: Harness, target: str) -> None:
    """A block stored as typed, as blocks were before they were resolved to actor ids."""
    with h.node.engine.begin() as conn:
        add_rule(conn, "actor", target, "threats", NOW)
    h.node.services.policy.invalidate()


def test_an_old_block_by_profile_url_matches_a_cached_account(h: Harness) -> None:
    troll = h.remote.add_actor("ok.example", "troll")
    assert h.post_activity(troll, create(troll, 1, "hello", h)).status_code == 202  # cached
    _legacy_block(h, "https://ok.example/@troll")
    assert h.post_activity(troll, create(troll, 2, "again", h)).status_code == 403
    assert troll.uri in h.node.services.policy.rules().blocked_actors


def test_an_old_block_by_profile_url_matches_once_the_account_is_cached(h: Harness) -> None:
    _legacy_block(h, "https://ok.example/@troll")
    troll = h.remote.add_actor("ok.example", "troll")
    before = h.node.services.policy.rules().version
    h.post_activity(troll, create(troll, 1, "hello", h))  # its key is fetched: cached
    with h.node.engine.connect() as conn:
        assert read_state(conn)[1] > before  # every process reloads at its next look
    h.node.services.policy.invalidate()  # this one, without waiting for its ttl
    assert h.post_activity(troll, create(troll, 2, "again", h)).status_code == 403
