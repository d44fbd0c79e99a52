"""The handler registry: exact (activity, object) match first, then the wildcard."""

import pytest

from node.activitypub.dispatch import ANY, Dispatcher, object_type_of
from node.activitypub.handlers import register_all


async def first(ctx: object, activity: object) -> None:
    return None


async def second(ctx: object, activity: object) -> None:
    return None


def test_exact_match_beats_wildcard() -> None:
    d = Dispatcher()
    d.register("Undo", "Follow")(first)
    d.register("Undo")(second)
    assert d.find("Undo", "Follow") is first
    assert d.find("Undo", "Like") is second
    assert d.find("Flag", ANY) is None


def test_double_registration_is_an_error() -> None:
    d = Dispatcher()
    d.register("Like")(first)
    with pytest.raises(ValueError, match="already registered"):
        d.register("Like")(second)


@pytest.mark.parametrize(("activity", "expected"), [
    ({"object": "https://x.example/1"}, ANY),
    ({"object": {"type": "Note"}}, "Note"),
    ({"object": {"type": ["Note", "Extra"]}}, "Note"),
    ({"object": {"type": 3}}, ANY),
    ({}, ANY),
])
def test_object_type(activity: dict[str, object], expected: str) -> None:
    assert object_type_of(activity) == expected


def test_protocol_handlers_cover_the_core_activities() -> None:
    registered = register_all(Dispatcher()).registered()
    for key in [("Follow", ANY), ("Accept", ANY), ("Reject", ANY), ("Undo", "Follow"),
                ("Undo", "Like"), ("Undo", "Announce"), ("Create", ANY), ("Update", ANY),
                ("Delete", ANY), ("Announce", ANY), ("Like", ANY)]:
        assert key in registered


def test_hooks_run_in_registration_order() -> None:
    async def hook_a(ctx: object, activity: object) -> bool:
        return False

    async def hook_b(ctx: object, activity: object) -> bool:
        return True

    d = Dispatcher()
    d.add_hook("Create", hook_a)
    d.add_hook("Create", hook_b)
    assert d.hooks("Create") == [hook_a, hook_b]
    assert d.hooks("Like") == []
