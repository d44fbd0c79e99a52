"""Fixtures of the browser tier: one node and one Chromium per test session (per xdist
worker: each worker has its own free port and data directory), a fresh browser context
(no cookies) per test."""

from __future__ import annotations

from collections.abc import Iterator

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


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    opened = context.new_page()
    yield opened
    context.close()
