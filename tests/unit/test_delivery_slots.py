"""The delivery pipeline's slot bookkeeping (pure): global and per-host limits, which
hosts a claim leaves out, and what happens to a failing host's waiting rows."""

from __future__ import annotations

from datetime import UTC, datetime

from node.activitypub.classify import Job
from node.activitypub.delivery_slots import Slots

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def jobs(host: str, count: int, start: int) -> list[Job]:
    return [Job(id=start + n, activity_id=1, sender_id=1, inbox=f"https://{host}/u/{n}",
                host=host, attempts=0, due_at=NOW, last_status=None, last_error=None)
            for n in range(count)]


def test_a_full_host_is_skipped_never_waited_for() -> None:
    slots = Slots(concurrency=5, per_host=2)
    slow, fast = jobs("slow.example", 4, 0), jobs("fast.example", 4, 10)
    slots.hold([*slow, *fast])
    taken = slots.take(10)
    assert [j.id for j in taken] == [0, 1, 10, 11]  # two per host, oldest first
    assert slots.take(10) == [] and not slots.ready()
    assert slots.sendable() == 0 and slots.excluded() == ["fast.example", "slow.example"]
    slots.finished(fast[0], failed=False)
    assert slots.sendable() == 2  # both wait for a host with a free slot
    assert [j.id for j in slots.take(10)] == [12]  # the slow host's rows still wait


def test_the_global_limit_counts_every_reserved_row() -> None:
    slots = Slots(concurrency=3, per_host=10, sign_ahead=1)
    slots.hold(jobs("a.example", 6, 0))
    assert len(slots.take(10)) == 4 and slots.free() == 0 and slots.take(10) == []
    assert slots.excluded() == []  # 6 held but below per_host: claims may add to it


def test_a_failing_host_returns_its_waiting_rows_and_is_left_out_until_settled() -> None:
    slots = Slots(concurrency=10, per_host=2)
    bad, good = jobs("bad.example", 5, 0), jobs("good.example", 1, 10)
    slots.hold([*bad, *good])
    in_flight = slots.take(10)
    returned = slots.finished(bad[0], failed=True)
    assert [j.id for j in returned] == [2, 3, 4]
    assert "bad.example" in slots.excluded()
    assert [j.id for j in slots.waiting] == []
    slots.released([bad[0], *returned])
    assert "bad.example" in slots.excluded()  # bad[1] is still on the wire
    slots.finished(bad[1], failed=False)
    slots.released([bad[1]])
    assert slots.excluded() == [] and set(slots.held) == {10}
    assert {j.id for j in in_flight} == {0, 1, 10}


def test_a_probed_host_is_left_out_until_the_probe_is_recorded() -> None:
    slots = Slots(concurrency=10, per_host=5)
    [probe] = jobs("half.example", 1, 0)
    parked = jobs("half.example", 3, 1)
    slots.hold([probe], probes=[probe], parked=parked)
    assert slots.excluded() == ["half.example"] and len(slots.held) == 4
    slots.released(parked)
    slots.finished(slots.take(1)[0], failed=False)
    assert slots.excluded() == ["half.example"]
    slots.released([probe])
    assert slots.excluded() == [] and not slots.held and not slots.unsent()
