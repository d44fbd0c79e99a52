"""A hub's public page shows its mission and the posts it shared."""

from __future__ import annotations

from starlette.testclient import TestClient

from node.activitypub.local_actors import create_local_actor
from node.app import create_app
from node.clock import Clock
from node.hubs.members import set_member
from node.hubs.publish import load_hub
from node.hubs.service import create_hub
from node.notes import post_note
from node.settings import Settings


def test_hub_page_lists_member_posts_and_renders_the_mission(settings: Settings,
                                                            clock: Clock) -> None:
    app = create_app(settings, clock=clock, start_workers=False)
    with TestClient(app, base_url=settings.url) as client:
        node = app.state.node
        with node.engine.begin() as conn:
            create_local_actor(conn, base_url=settings.url, kind="person", username="nate",
                               now=clock())
            create_hub(conn, base_url=settings.url, name="portshutdown", title="Port Shutdown",
                       summary="Shut the ports *December 12* <script>x()</script>", now=clock())
            set_member(conn, load_hub(conn, "portshutdown"), f"{settings.url}/users/nate",
                       "member", clock())
            post_note(node, conn, "nate", "Picket at berth 5", ["portshutdown"])
            post_note(node, conn, "nate", "Not in the hub")
        page = client.get("/hubs/portshutdown", headers={"Accept": "text/html"}).text
    assert "Picket at berth 5" in page
    assert "Not in the hub" not in page
    assert "<em>December 12</em>" in page
    assert "<script>x()" not in page
