"""The foot of every page: the node's host and what it is read as one line, with the
language links beside it. The separator between the two stood alone before (a bare text
node in the footer's flex row became an item of its own: mid-row on a desktop, alone at
the right edge of its own line on a phone)."""

from __future__ import annotations

from playwright.sync_api import Page

from tests.browser.harness import Site

PHONE = {"width": 375, "height": 800}


def test_the_footer_keeps_its_separator_with_the_host(site: Site, page: Page) -> None:
    host = site.url.split("://", 1)[1]
    for size in (PHONE, {"width": 1280, "height": 900}):
        page.set_viewport_size(size)
        page.goto(f"{site.url}/")
        footer = page.locator("footer.site")
        loose = footer.evaluate(
            "f => [...f.childNodes].filter(n => n.nodeType === 3 && n.textContent.trim())"
            ".map(n => n.textContent.trim())"
        )
        assert loose == []
        assert footer.locator("> span").first.inner_text() == (
            f"{host} · an ionode general assembly node"
        )


def test_pages_name_the_nodes_icon(site: Site, page: Page) -> None:
    """Every page left the browser to ask for /favicon.ico, which the node does not
    serve: a 404 in the console of each page. The pages name the node's icon."""
    page.goto(f"{site.url}/")
    href = page.locator('link[rel="icon"]').get_attribute("href", timeout=2_000)
    assert href is not None
    answer = page.request.get(f"{site.url}{href}")
    assert answer.status == 200 and answer.headers["content-type"].startswith("image/svg")
