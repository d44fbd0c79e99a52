"""What the app's lifespan does to the serving process."""

from __future__ import annotations

import gc
import platform
import time

import pytest
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


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc_trim is glibc's")
def test_a_serving_process_gives_freed_memory_back(settings: Settings) -> None:
    # Given the app as `ionode serve` builds it, when a burst has freed memory, then
    # within a second or two its trimmer hands it back (node.memory_trim).
    gc.unfreeze()
    try:
        app = create_app(settings, start_workers=False, freeze_heap=True)
        with TestClient(app):
            trimmer = app.state.trimmer
            assert trimmer.available
            before = trimmer.trims
            blocks = [bytes(64 * 1024) for _ in range(1024)]  # 64 MB from malloc's heap
            time.sleep(1.5)  # a look while they are in use: the lowest
            kept = blocks[1::2]
            del blocks  # 32 MB freed between live blocks
            deadline = 50
            while trimmer.trims == before and deadline:
                time.sleep(0.1)
                deadline -= 1
            assert trimmer.trims > before
            assert len(kept) == 512
    finally:
        gc.unfreeze()
