"""Fixtures of the browser tier: one node per test session (per xdist worker: each worker
has its own free port and data directory), one Chromium for the tier's tests in a row and
a fresh context (no cookies) per test.

Chromium lives as long as the ``tests/browser`` package's tests run one after another on
a worker (package scope), not for the whole session: while Playwright's sync API is
started it keeps an asyncio loop running on the main thread, so a later test of the same
xdist worker that calls ``asyncio.run`` (most of the node tier) would fail with "cannot
be called from a running event loop". pytest ends a package's fixtures before it runs a
test of another package, and xdist hands a worker the tier's tests in a row, so a worker
starts Chromium about once rather than once per test (half a second to two seconds each).
Contexts share no cookies, storage or cache, so the tests stay as isolated as before.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.harness import Site, chromium, start_site

# Generous waits: the tier runs beside the rest of the suite on a busy two-core machine.
# They bound how long a failure takes to show, never what passes.
expect.set_options(timeout=15_000)


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    started = start_site(tmp_path_factory.mktemp("browser-node"))
    yield started
    started.node.stop()


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]
                              ) -> Iterator[None]:
    """Remember whether the test body failed, for the ``page`` fixture's teardown."""
    report = yield
    if report.when == "call":
        item.stash[FAILED] = report.failed
    return report


FAILED = pytest.StashKey[bool]()


@pytest.fixture
def page(browser: Browser, site: Site, request: pytest.FixtureRequest,
         tmp_path: Path) -> Iterator[Page]:
    """A fresh context (no cookies); on failure, a screenshot of where the person was."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    opened = context.new_page()
    yield opened
    if request.node.stash.get(FAILED, False):
        shot = tmp_path / "failure.png"
        opened.screenshot(path=str(shot), full_page=True)
        print(f"browser: {opened.url} at failure: {shot}; "
              f"node log: {site.node.data_dir / 'server.log'}")
    context.close()
