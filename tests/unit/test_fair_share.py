"""Inbox processing paced while requests arrive: a share of the time, never none of it."""

from __future__ import annotations

import pytest

from node.activitypub.fair_share import FairShare


async def congested() -> float:
    return 0.05


async def roomy() -> float:
    return 0.0001


class Pauses:
    def __init__(self) -> None:
        self.taken: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.taken.append(seconds)


async def test_no_pause_while_no_request_is_arriving() -> None:
    pauses = Pauses()
    fair = FairShare(busy=lambda: False, share=0.5, sleep=pauses, lag=congested)
    for _ in range(10):
        await fair.pace(0.01)
    assert pauses.taken == []


async def test_under_steady_requests_processing_gets_its_share_and_goes_on() -> None:
    # Under a steady stream the writer is always busy: processing is paced, not stopped
    # (it used to step aside for up to two seconds per batch: about 50 items a second).
    pauses = Pauses()
    fair = FairShare(busy=lambda: True, share=0.25, sleep=pauses, lag=congested)
    for _ in range(100):
        await fair.pace(0.004)
    working, paused = 100 * 0.004, sum(pauses.taken)
    assert working / (working + paused) == pytest.approx(0.25)
    assert max(pauses.taken) == pytest.approx(0.012)  # a pause after each item, none long


async def test_short_pauses_are_collected() -> None:
    pauses = Pauses()
    fair = FairShare(busy=lambda: True, share=0.5, sleep=pauses, lag=congested)
    for _ in range(4):
        await fair.pace(0.0005)
    assert pauses.taken == [pytest.approx(0.002)]


async def test_a_steady_stream_the_loop_keeps_up_with_costs_processing_nothing() -> None:
    # The writer is busy (requests keep arriving) but the loop comes straight back.
    pauses = Pauses()
    fair = FairShare(busy=lambda: True, share=0.5, sleep=pauses, lag=roomy)
    for _ in range(100):
        await fair.pace(0.004)
    assert pauses.taken == []


def test_a_share_outside_0_1_is_refused() -> None:
    with pytest.raises(ValueError):
        FairShare(busy=lambda: True, share=0)
