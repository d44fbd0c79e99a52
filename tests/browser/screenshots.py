"""``make screenshots``: a node with a hub holding items of every kind, photographed.

Starts a real node (as the browser tests do), fills one hub through the ``ionode`` CLI
with updates, minutes, events, calls and polls (one with votes, one closed), then saves
full-page PNGs of the hub page, an event page, a poll page, the manage page and the hub's
calendar (the month of the solidarity dinner) at desktop (1280 px) and phone (390 px)
widths under ``docs/screenshots/``. Run from the repository root:
``python -m tests.browser.screenshots [OUT_DIR]``.
"""

from __future__ import annotations

import re
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from playwright.sync_api import Browser

from tests.browser.harness import HUB, ORGANIZER, PASSWORD, Site, chromium, sign_in, start_site

OUT = Path("docs/screenshots")
WIDTHS = {"desktop": 1280, "phone": 390}
ZONE = "Europe/Madrid"
VOTERS = ("ana", "ben", "dolores")
_OBJECT = re.compile(r"https?://\S+/objects/[A-Za-z0-9]+")


def object_url(output: str) -> str:
    found = _OBJECT.search(output)
    if found is None:
        raise RuntimeError(f"no object URL in CLI output: {output!r}")
    return found.group(0)


def local(days: int, hour: int) -> str:
    when = datetime.now(UTC) + timedelta(days=days)
    return when.strftime(f"%Y-%m-%d {hour:02d}:00")


def fill(site: Site, data_dir: Path) -> dict[str, str]:
    """Sample content: every kind of item; the URLs of the pages to photograph."""
    cli, me = site.cli, ("--as", ORGANIZER, "--hub", HUB)
    cli("hub", "set", HUB, "--summary",
        "The general assembly of the harbour workers: **decisions by consensus**, "
        "minutes for everyone, calls every Monday.", "--region", "Port of Valencia",
        "--tag", "labour", "--tag", "harbour", "--link", "Strike fund=https://fund.example",
        "--timezone", ZONE)
    for voter in VOTERS:
        cli("user", "create", voter, "--password-stdin", stdin=PASSWORD + "\n")
    cli("post", *me, "Picket at berth 5 at dawn tomorrow. Bring water and a **hi-vis** vest.")
    minutes = data_dir / "minutes.md"
    minutes.write_text("## Decisions\n\n1. The strike fund opens on Monday.\n"
                       "2. A delegation visits the crane operators.\n\n"
                       "## Next assembly\n\nSaturday at the union hall.\n")
    cli("minutes", *me, "--title", "Minutes of the November assembly", "--summary",
        "Quorum reached; the strike fund opens on Monday.", str(minutes))
    event = object_url(cli(
        "event", "create", *me, "--title", "Solidarity dinner", "--start", local(9, 20),
        "--end", local(9, 23), "--timezone", ZONE, "--place", "Union hall",
        "--address", "Carrer del Port 5, València", "--capacity", "120", "--description",
        "Paella for everyone; **bring a plate**. Proceeds go to the strike fund."))
    cli("event", "create", *me, "--title", "March to the port authority",
        "--start", local(16, 11), "--end", local(16, 14), "--timezone", ZONE,
        "--place", "Plaça de l'Ajuntament")
    cli("call", "create", *me, "--title", "Monday coordination call", "--start",
        local(3, 19), "--duration", "60", "--timezone", ZONE, "--rrule",
        "FREQ=WEEKLY;COUNT=8", "--call-url", "https://meet.example/harbour",
        "--dial-in", "+34 910 000 000,,4321#", "--facilitator", "Olga",
        "--agenda", "1. Reports from the berths\n2. Strike fund\n3. Next steps")
    poll = object_url(cli("poll", "create", *me, "--question",
                          "Do we join the regional strike on the 15th?", "--option", "yes",
                          "--option", "no", "--option", "wait a week", "--ends-in", "3d"))
    for voter, choice in zip(VOTERS, ("yes", "yes", "wait a week"), strict=True):
        cli("poll", "vote", "--as", voter, poll, choice)
    closed = object_url(cli("poll", "create", *me, "--keypad"))
    cli("poll", "vote", "--as", "ana", closed, "agree")
    cli("poll", "close", "--as", ORGANIZER, closed)
    pinned = object_url(cli("post", *me, "Read the code of conduct before the assembly."))
    cli("hub", "pin", HUB, pinned)
    month = local(9, 20)[:7]  # the month of the solidarity dinner
    return {"hub": f"{site.url}/hubs/{HUB}", "event": event, "poll": poll,
            "manage": f"{site.url}/hubs/{HUB}/manage",
            "calendar": f"{site.url}/hubs/{HUB}/calendar?month={month}"}


def photograph(browser: Browser, site: Site, pages: dict[str, str], out: Path) -> list[Path]:
    saved = []
    for device, width in WIDTHS.items():
        context = browser.new_context(viewport={"width": width, "height": 900},
                                      device_scale_factor=1)
        page = context.new_page()
        sign_in(page, site.url, ORGANIZER)  # the poll page then shows its vote form
        for name, url in pages.items():
            page.goto(url)
            path = out / f"{name}-{device}.png"
            page.screenshot(path=str(path), full_page=True)
            saved.append(path)
        context.close()
    return saved


def main(out: Path = OUT) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        site = start_site(Path(tmp) / "node")
        try:
            pages = fill(site, Path(tmp))
            with chromium() as browser:
                for path in photograph(browser, site, pages, out):
                    print(path)
        finally:
            site.node.stop()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
