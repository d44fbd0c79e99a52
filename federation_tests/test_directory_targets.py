"""Targets picked from the directory, two real nodes (issue 9 item 6): B learns A's hub
by following A; an organizer on B cross-posts into it with the handle ``ionode network
directory`` prints (``--to``), and from the web: "Post here" in B's directory, the
compose form with A's hub ticked; A's hub takes both and B records its answer."""

from __future__ import annotations

import re
from html import unescape

import httpx

from federation_tests.nodes import MakeNode, NodeProcess, wait_for

PASSWORD = "correct horse battery"


def answered(node: NodeProcess, hub: str, state: str) -> list[str]:
    """The items whose target ``hub`` is in ``state`` on ``node``."""
    rows = node.query(
        "SELECT object_uri FROM crosspost_target WHERE hub_uri = :h AND state = :s ORDER BY id",
        h=hub,
        s=state,
    )
    return [str(r["object_uri"]) for r in rows]


def token(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def test_a_hub_picked_from_the_directory_takes_the_post(make_node: MakeNode) -> None:
    a, b = make_node("a"), make_node("b")
    a.cli("user", "create", "nate", "--password-stdin", stdin=PASSWORD + "\n")
    a.cli(
        "hub",
        "create",
        "portshutdown",
        "--title",
        "West Coast Port Shutdown",
        "--admin",
        "nate",
        "--summary",
        "Close the ports on **May Day**",
    )
    a.cli("hub", "set", "portshutdown", "--posting-policy", "open")
    a.cli("post", "--as", "nate", "--hub", "portshutdown", "Picket at berth 5")
    b.cli("user", "create", "ana", "--password-stdin", stdin=PASSWORD + "\n")
    b.cli("hub", "create", "solidarity", "--title", "Solidarity Network", "--admin", "ana")
    b.cli("network", "follow", a.url)
    hub = f"{a.url}/hubs/portshutdown"
    wait_for(
        lambda: b.query(
            "SELECT id FROM network_hub WHERE actor_uri = :h AND refreshed_at IS NOT NULL", h=hub
        ),
        30,
        "A's hub never entered B's directory",
    )

    # the shell: the directory's first column is what --to takes
    handle = b.cli("network", "directory", "--search", "may day").split("\t")[0]
    assert handle == f"@portshutdown@127.0.0.1:{a.port}"
    b.cli("post", "--as", "ana", "--hub", "solidarity", "--to", handle, "Via the shell")
    wait_for(
        lambda: len(answered(b, hub, "published")) == 1,
        30,
        "A's hub never took the post given by handle",
    )

    # the web: sign in, "Post here" in the directory, the form with A's hub ticked
    with httpx.Client(base_url=b.url, follow_redirects=True, timeout=20) as web:
        web.post(
            "/login",
            data={
                "csrf_token": token(web.get("/login").text),
                "username": "ana",
                "password": PASSWORD,
                "next": "/",
            },
        )
        directory = web.get("/network/directory", params={"q": "may day"}).text
        (post_here,) = re.findall(
            r'<a class="button secondary" href="([^"]+)"[^>]*>Post here', directory
        )
        chooser = web.get(unescape(post_here))
        assert "Post in West Coast Port Shutdown" in chooser.text
        form = web.get("/network/post", params={"to": hub, "from": "solidarity", "kind": "update"})
        assert str(form.url).endswith(
            "/hubs/solidarity/post/update?to=" + hub.replace(":", "%3A").replace("/", "%2F")
        )
        assert f'name="pick" value="{hub}" checked' in form.text
        done = web.post(
            "/hubs/solidarity/post/update",
            data={"csrf_token": token(form.text), "text": "Via the directory", "pick": hub},
            files={"image": ("", b"")},
        )
        assert done.status_code == 200 and str(done.url).endswith("/targets")
    wait_for(
        lambda: len(answered(b, hub, "published")) == 2,
        30,
        "A's hub never took the post picked from the directory",
    )
    on_a = a.query(
        "SELECT o.document FROM hub_item i JOIN stored_object o "
        "ON o.uri = i.object_uri WHERE i.state = 'published'"
    )
    texts = " ".join(str(r["document"]) for r in on_a)
    assert "Via the shell" in texts and "Via the directory" in texts
