"""Origin rules: signer is the actor; authored objects live on the actor's host."""

import pytest

from node.activitypub.origin import check_origin

ANA = "https://mastodon.example/users/ana"


def create(object_id: str, author: str = ANA) -> dict[str, object]:
    return {"id": f"{ANA}/statuses/1/activity", "type": "Create", "actor": ANA,
            "object": {"id": object_id, "type": "Note", "attributedTo": author}}


def test_own_create_passes() -> None:
    assert check_origin(create(f"{ANA}/statuses/1"), ANA) is None


def test_actor_as_embedded_object_is_read_by_id() -> None:
    activity = {"id": f"{ANA}#f", "type": "Follow", "actor": {"id": ANA},
                "object": "https://philly.example/hubs/x"}
    assert check_origin(activity, ANA) is None


@pytest.mark.parametrize(
    ("activity", "owner", "reason"),
    [
        (create(f"{ANA}/statuses/1"), "https://mastodon.example/users/bob",
         "not the owner of the signing key"),
        ({**create(f"{ANA}/s/1"), "id": "https://evil.example/a"}, ANA,
         "activity id is not on the actor's host"),
        (create("https://evil.example/notes/1"), ANA, "not on the actor's host"),
        (create(f"{ANA}/statuses/1", author="https://mastodon.example/users/bob"), ANA,
         "attributed to someone else"),
        ({"id": f"{ANA}#u", "type": "Undo", "actor": ANA,
          "object": {"id": "https://mastodon.example/users/bob#f", "type": "Follow",
                     "actor": "https://mastodon.example/users/bob"}}, ANA,
         "by another actor"),
        ({"id": f"{ANA}#d", "type": "Delete", "actor": ANA,
          "object": "https://other.example/notes/1"}, ANA, "not on the actor's host"),
        ({"id": f"{ANA}#d", "type": "Update", "actor": ANA, "object": {"type": "Note"}}, ANA,
         "without an object id"),
    ],
)
def test_refusals_name_their_reason(activity: dict[str, object], owner: str,
                                    reason: str) -> None:
    problem = check_origin(activity, owner)
    assert problem is not None and reason in problem


def test_host_comparison_is_canonical() -> None:
    # Mastodon CVE-2023-42451: spelling the same host differently is the same host.
    activity = create("https://MASTODON.example./users/ana/statuses/1")
    assert check_origin(activity, ANA) is None


def test_array_create_checks_every_object() -> None:
    # GoToSocial sends poll votes as one Create whose object is an array of Notes.
    notes = [{"id": f"{ANA}/votes/{n}", "type": "Note", "attributedTo": ANA} for n in (1, 2)]
    activity = {"id": f"{ANA}#v", "type": "Create", "actor": ANA, "object": notes}
    assert check_origin(activity, ANA) is None
    notes.append({"id": "https://evil.example/v/3", "type": "Note", "attributedTo": ANA})
    problem = check_origin(activity, ANA)
    assert problem is not None and "not on the actor's host" in problem
