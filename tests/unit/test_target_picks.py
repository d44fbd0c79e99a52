"""The hubs ticked on a compose form (or named by ``?to=``), read into what
``resolve_targets`` takes: a hub here by its name, a hub elsewhere as given."""

from __future__ import annotations

from collections.abc import Iterator

from node.hubs.crosspost.resolve import MAX_TARGETS
from node.web.target_picks import MAX_EXAMINED, picked

BASE = "https://philly.example"


def test_hubs_here_become_their_names_and_others_stay_as_given() -> None:
    assert picked(
        [
            "dockers",
            "@dockers@philly.example",
            f"{BASE}/hubs/dockers",
            "https://oakland.example/hubs/tenants",
            "@tenants@oakland.example",
        ],
        BASE,
    ) == ["dockers", "https://oakland.example/hubs/tenants", "@tenants@oakland.example"]


def test_what_cannot_name_a_hub_is_dropped() -> None:
    assert picked(
        ["", "  ", "two words", "nul\x00", "x" * 1025, 7, None, f"{BASE}/hubs/a/b"], BASE
    ) == [f"{BASE}/hubs/a/b"]


def test_too_many_are_kept_one_past_the_limit_so_the_post_is_refused() -> None:
    many = [f"https://oakland.example/hubs/h{n}" for n in range(50)]
    assert len(picked(many, BASE)) == MAX_TARGETS + 1


def test_a_huge_to_list_is_read_no_further_than_it_can_be_shown() -> None:
    """``?to=`` repeated thousands of times (the compose form's GET, any member) was
    read whole and de-duplicated in a list, quadratic on the event loop: 20,000 values
    took 6.6 s. The values past what can be shown are never read."""

    def endless(first: list[str]) -> Iterator[str]:
        yield from first
        raise AssertionError("read past what can be shown")

    distinct = [f"https://oakland.example/hubs/h{n}" for n in range(MAX_TARGETS + 1)]
    assert picked(endless(distinct), BASE) == distinct
    assert picked(endless(["dockers"] * MAX_EXAMINED), BASE) == ["dockers"]
