"""What the app's lifespan does to the serving process."""

from __future__ import annotations

import gc

from starlette.testclient import TestClient

from node.app import create_app
from node.settings import Settings


def test_a_serving_process_freezes_its_startup_objects(settings: Settings) -> None:
    # Given the app as `ionode serve` builds it, when it has started, then what start-up
    # left alive is out of the collector's sight (and a test app freezes nothing).
    gc.unfreeze()
    try:
        with TestClient(create_app(settings, start_workers=False)):
            assert gc.get_freeze_count() == 0
        with TestClient(create_app(settings, start_workers=False, freeze_heap=True)):
            assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()  # give the objects back, so this test process can collect them
