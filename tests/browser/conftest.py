"""Fixtures of the browser tier: one node and one Chromium per test session (per xdist
worker: each worker has its own free port and data directory), a fresh browser context
(no cookies) per test."""

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


@pytest.fixture(scope="session")
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
