"""The hub's links page (``/hubs/NAME/links``: linked hubs and sources) in-process: a
node whose fetches go to a fake fediverse, the steward ``nate`` and the member ``mia``
who is no steward. The ``remote`` and ``site`` fixtures of the tests of that page and of
its double submits (imported by name: ``from ... import site as site``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from node.settings import Settings
from tests.fakes.remote import FakeFediverse
from tests.node.hub_pages_support import Site, open_site


@pytest.fixture
def remote() -> FakeFediverse:
    return FakeFediverse()


@pytest.fixture
def site(settings: Settings, remote: FakeFediverse) -> Iterator[Site]:
    with open_site(settings, transport=remote.transport()) as opened:
        opened.person("nate", "admin")
        opened.person("mia", "member")
        yield opened
