"""Mentions written with a port (``@alice@localhost:8401``, as on a development node or
a node on another port) are links in the published update and on the hub page, like
every other mention; the link of a local one leads to the actor's page (``/@name``)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from node.clock import Clock
from node.hubs.updates.service import post_update
from node.settings import Settings
from tests.node.harness import Harness
from tests.node.hub_support import hub_node

DEV = "http://localhost:8401"
HTML = {"Accept": "text/html"}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return replace(settings, url=DEV)


@pytest.fixture
def h(settings: Settings, clock: Clock) -> Iterator[Harness]:
    with hub_node(settings, clock) as harness:
        yield harness


def test_a_port_mention_is_a_link_on_the_hub_page_and_in_the_note(h: Harness) -> None:
    text = ("Thanks @mallory@localhost:8401 and @joan@oakland.example:8443! "
            "Write to nate@localhost:8401, or run `ssh a@b:c`.")
    with h.node.engine.begin() as conn:
        note = post_update(h.node, conn, "nate", text, ["portshutdown"]).note
    assert [t["href"] for t in note["tag"]] == [f"{DEV}/@mallory",
                                                "https://oakland.example:8443/@joan"]
    page = h.client.get("/hubs/portshutdown", headers=HTML).text
    assert (f'<a href="{DEV}/@mallory" class="u-url mention" '
            'rel="nofollow noopener noreferrer">@mallory@localhost:8401</a>') in page
    assert ('<a href="https://oakland.example:8443/@joan" class="u-url mention" '
            'rel="nofollow noopener noreferrer">@joan@oakland.example:8443</a>') in page
    assert "Write to nate@localhost:8401, or run <code>ssh a@b:c</code>." in page


@pytest.mark.parametrize(("name", "path"), [("mallory", "/users/mallory"),
                                            ("portshutdown", "/hubs/portshutdown")])
def test_a_local_mention_leads_to_the_actor_page(h: Harness, name: str, path: str) -> None:
    answer = h.client.get(f"/@{name}", headers=HTML, follow_redirects=False)
    assert answer.status_code == 301 and answer.headers["location"] == path


@pytest.mark.parametrize("name", ["nobody", "Bad-Name", "a" * 40])
def test_an_unknown_profile_is_not_found(h: Harness, name: str) -> None:
    assert h.client.get(f"/@{name}", headers=HTML, follow_redirects=False).status_code == 404
