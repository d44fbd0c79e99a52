"""The node's operator at work on the network: from /admin to /admin/network, switches
the follow policy to approval, approves the node waiting to follow, and opens it again."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

from playwright.sync_api import Page, expect
from sqlalchemy import insert

from node.activitypub.models import Follow
from node.db import make_engine
from tests.browser.harness import ORGANIZER, Site, assert_accessible, sign_in

_serial = itertools.count(1)


def seed_node_follow_request(site: Site, follower: str) -> None:
    """A pending Follow of the node actor by another node (no inbox: the Accept goes
    nowhere, the state change stands), as the inbox records one under approval."""
    engine = make_engine(site.node.database)
    now = datetime.now(UTC)
    try:
        with engine.begin() as conn:
            conn.execute(insert(Follow.__table__).values(  # type: ignore[attr-defined]
                follower=follower, following=f"{site.url}/actor",
                activity_id=f"{follower}#follows/node", state="pending",
                created_at=now, updated_at=now))
    finally:
        engine.dispose()


def test_admin_sets_the_approval_policy_and_approves_a_node(site: Site, page: Page) -> None:
    peer = f"https://node{next(_serial)}.example/actor"
    sign_in(page, site.url, ORGANIZER)  # the node's first account: its admin
    page.get_by_role("navigation").get_by_role("link", name="Admin").click()
    page.get_by_role("link", name="Network: the nodes and relays").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Network")
    assert_accessible(page)

    page.get_by_label("Approval: each request waits here").check()
    page.get_by_role("button", name="Save the follow policy").click()
    expect(page.get_by_role("status")).to_have_text("The follow policy is saved.")
    expect(page.get_by_label("Approval: each request waits here")).to_be_checked()

    seed_node_follow_request(site, peer)
    page.reload()
    requests = page.get_by_role("region", name="Follow requests")
    requests.get_by_role("button", name=f"Approve {peer}").click()
    expect(page.get_by_role("status")).to_contain_text("The request is accepted")
    expect(page.get_by_role("region", name="Follow requests")).to_contain_text(
        "No request is waiting.")
    followers = page.get_by_role("region", name="Follower nodes and relays")
    expect(followers.get_by_role("row", name=peer)).to_contain_text("accepted")

    target = page.get_by_label("Node or relay", exact=True)
    page.get_by_role("button", name="Follow", exact=True).click()  # nothing typed:
    expect(target).to_be_focused()  # the browser's own check (required) stops it
    target.fill("@nobody")
    page.get_by_role("button", name="Follow", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("Cannot find @nobody")
    expect(target).to_have_value("@nobody")
    assert_accessible(page)

    page.get_by_label("Open: any node or relay").check()  # leave the shared node open
    page.get_by_role("button", name="Save the follow policy").click()
    expect(page.get_by_label("Open: any node or relay")).to_be_checked()
