"""The browser tier's pieces: a real node with an organizer and a hub, Chromium, axe-core.

The node is a real ``ionode serve`` process on a free loopback port (the federation
tests' :class:`~federation_tests.nodes.NodeProcess`), set up through the ``ionode`` CLI
as an operator would. Chromium is Debian's (``/usr/bin/chromium``), driven by Playwright
without a display (headless); ``playwright install`` is never needed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, Playwright, sync_playwright
from sqlalchemy import insert

from federation_tests.nodes import NodeProcess, free_port
from node.activitypub.models import Follow
from node.db import make_engine

CHROMIUM = Path("/usr/bin/chromium")
PASSWORD = "correct horse battery"
ORGANIZER = "olga"
OUTSIDER = "carol"
HUB = "assembly"
HUB_TITLE = "Harbour General Assembly"
# WCAG 2.2 AA is the bar (issue 8, item 8): a serious or critical finding fails a test.
BLOCKING = frozenset({"serious", "critical"})
_axe = Axe()


@dataclass
class Site:
    """A started node with its organizer, an outsider and a hub."""

    node: NodeProcess

    @property
    def url(self) -> str:
        return self.node.url

    def cli(self, *args: str, stdin: str | None = None) -> str:
        return self.node.cli(*args, stdin=stdin)


def seed_follow_request(site: Site, hub: str, follower: str) -> None:
    """A pending Follow of ``hub`` by a remote ``follower``, as the inbox records one from
    a Mastodon account (no inbox: the answer goes nowhere, the state change stands)."""
    engine = make_engine(site.node.database)
    now = datetime.now(UTC)
    try:
        with engine.begin() as conn:
            conn.execute(insert(Follow.__table__).values(  # type: ignore[attr-defined]
                follower=follower, following=f"{site.url}/hubs/{hub}",
                activity_id=f"{follower}#follows/{hub}", state="pending",
                created_at=now, updated_at=now))
    finally:
        engine.dispose()


def start_site(data_dir: Path) -> Site:
    """``ionode migrate``, two organizer accounts and a hub, then ``ionode serve``."""
    data_dir.mkdir(parents=True, exist_ok=True)
    # An SMTP server is set, as on a node that mails its digest (the news page offers the
    # e-mail only then); nothing listens there, so a confirmation mail fails and is logged.
    node = NodeProcess(name="browser", database=f"sqlite:///{data_dir / 'ionode.db'}",
                       data_dir=data_dir,
                       serve_env={"IONODE_SMTP_URL": f"smtp://127.0.0.1:{free_port()}"})
    node.cli("migrate")
    for user in (ORGANIZER, OUTSIDER):
        node.cli("user", "create", user, "--password-stdin", stdin=PASSWORD + "\n")
    node.cli("hub", "create", HUB, "--title", HUB_TITLE, "--admin", ORGANIZER)
    node.start()
    return Site(node)


def require_chromium() -> None:
    if not CHROMIUM.exists():
        raise RuntimeError(
            f"{CHROMIUM} is missing: the browser tests drive Debian's Chromium. Run `make test` "
            "as root (it installs the `chromium` package) or `apt-get install chromium`.")


@contextmanager
def chromium() -> Iterator[Browser]:
    """Headless Debian Chromium: no display and no downloaded browser needed."""
    require_chromium()
    playwright: Playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()


def violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical findings on the page as it is now (once it has
    loaded: right after a click on a link axe-core could run on the next page before it
    had a document, and fail with "Cannot read properties of null")."""
    page.wait_for_load_state()
    found: list[dict[str, Any]] = _axe.run(page).response["violations"]
    return [v for v in found if v.get("impact") in BLOCKING]


def describe(found: list[dict[str, Any]]) -> str:
    lines = []
    for v in found:
        targets = [", ".join(node["target"]) for node in v.get("nodes", [])][:5]
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} at {targets}")
    return "\n".join(lines)


def assert_accessible(page: Page) -> None:
    """Zero serious or critical axe-core violations on the current page."""
    found = violations(page)
    assert not found, f"axe-core on {page.url}:\n{describe(found)}"


def sign_in(page: Page, base: str, username: str) -> None:
    """What a person does: open the sign-in page, fill the form, press the button."""
    page.goto(f"{base}/")
    assert_accessible(page)
    page.get_by_role("navigation").get_by_role("link", name="Sign in").click()
    assert_accessible(page)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def open_manage(page: Page, base: str, hub_title: str = HUB_TITLE) -> None:
    """From the home page: the hub's public page, then its "Manage this hub" link."""
    page.goto(f"{base}/")
    page.get_by_role("link", name=hub_title).click()
    assert_accessible(page)
    page.get_by_role("link", name="Manage this hub").click()
    assert_accessible(page)


def compose(page: Page, label: str) -> None:
    """Follow one of the manage page's "Post into this hub" links."""
    page.get_by_role("region", name="Post into this hub").get_by_role(
        "link", name=label, exact=True).click()
    assert_accessible(page)


def submit(page: Page, button: str = "Post") -> None:
    page.get_by_role("button", name=button, exact=True).click()
    page.wait_for_load_state()
    assert_accessible(page)
