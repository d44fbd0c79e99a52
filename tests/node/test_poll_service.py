"""Straw polls on one node: publishing into hubs, live totals, closing, debounced Updates.

A Mastodon-shaped follower of the hub (and one of the author) must read the poll; the
stored Question always carries live totals; followers get one ``Update`` per changed
poll per run of :func:`publish_due_tallies`, and one at once when a poll closes.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from node.activitypub.models import StoredObject
from node.cli import main
from node.hubs.hub.models import HubItem, PollVote
from node.hubs.hub.publish import load_hub
from node.hubs.polls import rules as polls
from node.hubs.polls.rules import PollError
from node.hubs.polls.service import close_poll, record_votes
from node.settings import Settings
from tests.conftest import NOW
from tests.node.harness import Harness, follow_hub, rows
from tests.node.hub_support import (
    BASE,
    MovableClock,
    advance,
    delivered,
    local_vote,
    make_poll,
    poll_node,
    settle,
    stored,
    totals,
)

_objects = StoredObject.__table__  # type: ignore[attr-defined]
_votes = PollVote.__table__  # type: ignore[attr-defined]
_items = HubItem.__table__  # type: ignore[attr-defined]


@pytest.fixture
def h(settings: Settings, moving: MovableClock) -> Iterator[Harness]:
    yield from poll_node(settings, moving)


def test_followers_read_the_poll_as_a_create_and_the_hubs_announce(h: Harness) -> None:
    # Given ana follows the hub and ben follows nate, both on a Mastodon server,
    follow_hub(h, "ana")
    ben = h.remote.add_actor("ben.example", "ben")
    follow = {"id": f"{ben.uri}#follows/1", "type": "Follow", "actor": ben.uri,
              "object": f"{BASE}/users/nate"}
    assert h.post_activity(ben, follow).status_code == 202
    h.drain()
    # When nate publishes the keypad poll into the hub,
    poll = make_poll(h, keypad=True)
    h.drain()
    # Then ben reads a Create of a Question: content and the three options,
    (create,) = delivered(h, "Create", "https://ben.example/inbox")
    question = create["object"]
    assert question["type"] == "Question" and question["id"] == poll["id"]
    assert "Occupy the port?" in question["content"] and "press 2 to agree" in question["content"]
    assert [o["name"] for o in question["oneOf"]] == ["agree", "disagree", "more questions"]
    assert question["endTime"] == "2026-11-22T12:00:00Z" and question["votersCount"] == 0
    # and ana gets the hub's Announce of it, in both forms.
    announced = {a["object"]["type"]: a["object"] for a in delivered(h, "Announce")}
    assert announced["Question"]["id"] == poll["id"]
    assert announced["Create"]["object"]["id"] == poll["id"]
    # The Question is served at its id, and indexed as a poll item of the hub.
    served = h.client.get(poll["id"], headers={"Accept": "application/activity+json"})
    assert served.status_code == 200 and served.json()["oneOf"] == question["oneOf"]
    (item,) = rows(h, _items)
    assert item["kind"] == "poll" and item["state"] == "published"


def test_local_votes_rewrite_the_served_question_with_live_totals(h: Harness) -> None:
    poll = make_poll(h, multiple=True)
    local_vote(h, "lena", poll["id"], "Saturday", "Sunday")
    local_vote(h, "omar", poll["id"], "Sunday")
    served = h.client.get(poll["id"], headers={"Accept": "application/activity+json"}).json()
    assert totals(served) == {"Saturday": 1, "Sunday": 2, "Monday": 0}
    assert served["votersCount"] == 2
    assert served["proof"]["verificationMethod"] == f"{BASE}/users/nate#ed25519-key"
    # The poll keeps its place among the posts: rewriting totals is not a new post.
    (row,) = rows(h, _objects, _objects.c.uri == poll["id"])
    published = row["published"]
    assert isinstance(published, datetime)
    assert published.replace(tzinfo=None) == NOW.replace(tzinfo=None)


def test_a_repeated_local_vote_counts_once(h: Harness) -> None:
    poll = make_poll(h)
    assert local_vote(h, "lena", poll["id"], "Monday").counted == ("Monday",)
    assert local_vote(h, "lena", poll["id"], "Monday").duplicates == ("Monday",)
    assert totals(stored(h, poll["id"]))["Monday"] == 1


@pytest.mark.parametrize(("names", "message"), [
    (("Friday",), "no option 'Friday'"),
    (("Saturday", "Sunday"), "takes one choice"),
    ((" ",), "choose at least one option"),
])
def test_refused_local_votes_store_nothing(h: Harness, names: tuple[str, ...],
                                           message: str) -> None:
    poll = make_poll(h)
    with pytest.raises(PollError, match=message):
        local_vote(h, "lena", poll["id"], *names)
    assert rows(h, _votes) == []
    assert stored(h, poll["id"])["votersCount"] == 0


def test_a_second_choice_on_a_one_choice_poll_is_refused(h: Harness) -> None:
    poll = make_poll(h)
    local_vote(h, "lena", poll["id"], "Saturday")
    with pytest.raises(PollError, match="'Saturday' was chosen already"):
        local_vote(h, "lena", poll["id"], "Sunday")
    assert [(v["voter"], v["option"]) for v in rows(h, _votes)] == [
        (f"{BASE}/users/lena", "Saturday")]


def test_concurrent_votes_are_counted_exactly(h: Harness) -> None:
    # Given votes racing on one poll from 8 threads (votes of 10 voters, each voting
    # twice for every option), and one voter racing two choices on a one-choice poll,
    many, single = make_poll(h, multiple=True)["id"], make_poll(h)["id"]
    options = ("Saturday", "Sunday", "Monday")

    def cast(i: int) -> None:
        with h.node.engine.begin() as conn:
            record_votes(h.node.services.outbox, conn, many, f"https://x.example/u/{i % 10}",
                         [options[i % 3]], f"https://x.example/a/{i}", h.node.clock())
            record_votes(h.node.services.outbox, conn, single, "https://x.example/u/racer",
                         [options[i % 2]], f"https://x.example/b/{i}", h.node.clock())

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(cast, range(60)))
    # Then the stored totals are exactly the votes, and the racer has one choice.
    assert totals(stored(h, many)) == {"Saturday": 10, "Sunday": 10, "Monday": 10}
    assert stored(h, many)["votersCount"] == 10
    assert sum(totals(stored(h, single)).values()) == 1
    assert len(rows(h, _votes, _votes.c.question_uri == single)) == 1


def test_tallies_go_out_debounced_one_update_per_changed_poll(h: Harness) -> None:
    follow_hub(h, "ana")
    poll = make_poll(h)
    other = make_poll(h, ("yes", "no"))
    h.drain()
    # Given nothing changed since the Create, no Update is due.
    assert settle(h) == 0
    # When three votes arrive on one poll between two runs,
    for voter, option in (("lena", "Sunday"), ("omar", "Sunday"), ("nate", "Monday")):
        local_vote(h, voter, poll["id"], option)
    # Then one Update of that poll goes out, with the totals and no `updated`
    # (Mastodon then refreshes the tallies only, without marking an edit).
    assert settle(h) == 1
    (update,) = delivered(h, "Update")
    assert update["actor"] == f"{BASE}/users/nate"
    assert update["object"]["id"] == poll["id"] and "updated" not in update["object"]
    assert totals(update["object"]) == {"Saturday": 0, "Sunday": 2, "Monday": 1}
    assert update["object"]["votersCount"] == 3
    assert update["object"]["proof"]["verificationMethod"].startswith(f"{BASE}/users/nate")
    # And nothing more until the totals change again.
    assert settle(h) == 0
    local_vote(h, "lena", other["id"], "yes")
    assert settle(h) == 1
    assert [u["object"]["id"] for u in delivered(h, "Update")] == [poll["id"], other["id"]]


def test_closing_publishes_the_final_update_at_once(h: Harness) -> None:
    follow_hub(h, "ana")
    poll = make_poll(h)
    local_vote(h, "lena", poll["id"], "Saturday")
    with h.node.engine.begin() as conn:
        assert close_poll(h.node, conn, "omar", poll["id"]) == 1  # a hub moderator
    h.drain()
    (update,) = delivered(h, "Update")
    assert update["object"]["closed"] == "2026-11-21T12:00:00Z"
    assert totals(update["object"])["Saturday"] == 1
    assert stored(h, poll["id"])["closed"] == "2026-11-21T12:00:00Z"
    # A vote on a closed poll is refused with a message, and the poll is settled.
    with pytest.raises(PollError, match="the poll closed at"):
        local_vote(h, "omar", poll["id"], "Sunday")
    with h.node.engine.begin() as conn, pytest.raises(PollError, match="already closed"):
        close_poll(h.node, conn, "nate", poll["id"])
    assert settle(h) == 0


def test_only_the_author_or_a_hub_steward_may_close(h: Harness) -> None:
    poll = make_poll(h)
    with h.node.engine.begin() as conn, pytest.raises(PollError, match="lena may not close"):
        close_poll(h.node, conn, "lena", poll["id"])
    assert "closed" not in stored(h, poll["id"])
    with h.node.engine.begin() as conn:
        close_poll(h.node, conn, "nate", poll["id"])
    assert "closed" in stored(h, poll["id"])


def test_a_poll_closes_itself_when_its_end_passes(h: Harness, moving: MovableClock) -> None:
    follow_hub(h, "ana")
    poll = make_poll(h, lasts=timedelta(hours=1))
    local_vote(h, "lena", poll["id"], "Monday")
    advance(h, moving, timedelta(hours=2))
    with pytest.raises(PollError, match="the poll ended at 2026-11-21T13:00:00Z"):
        local_vote(h, "omar", poll["id"], "Monday")
    # The next run closes it as of its endTime and sends the final totals once.
    assert settle(h) == 1
    (update,) = delivered(h, "Update")
    assert update["object"]["closed"] == "2026-11-21T13:00:00Z"
    assert totals(update["object"])["Monday"] == 1
    assert settle(h) == 0


def test_a_deleted_poll_is_settled_without_updates(h: Harness) -> None:
    poll = make_poll(h)
    local_vote(h, "lena", poll["id"], "Monday")
    with h.node.engine.begin() as conn:
        conn.execute(_objects.update().where(_objects.c.uri == poll["id"])
                     .values(document=None, deleted_at=NOW))
    assert settle(h) == 0
    (item,) = rows(h, _items)
    settled, ends = item["updated_at"], item["ends_at"]
    assert isinstance(settled, datetime) and isinstance(ends, datetime) and settled >= ends


def test_remote_polls_in_our_hubs_are_left_to_their_author(h: Harness,
                                                           moving: MovableClock) -> None:
    # Given a remote poll posted into the hub (an item of origin "remote"),
    end = NOW + timedelta(hours=1)
    with h.node.engine.begin() as conn:
        hub_id = load_hub(conn, "portshutdown").hub.id
        conn.execute(_items.insert().values(
            hub_id=hub_id, object_uri="https://mastodon.example/users/carol/statuses/9",
            kind="poll", author_uri="https://mastodon.example/users/carol", origin="remote",
            state="published", pinned=False, ends_at=end, created_at=NOW, updated_at=NOW))
    # When the tallies run before and after its end, then its item is untouched.
    assert settle(h) == 0
    advance(h, moving, timedelta(hours=2))
    assert settle(h) == 0
    (item,) = rows(h, _items)
    assert item["ends_at"] == end.replace(tzinfo=None) or item["ends_at"] == end
    assert item["updated_at"] in (NOW, NOW.replace(tzinfo=None))


# The CLI (ionode poll ...), against a migrated database like the other CLI tests.

@pytest.fixture
def cli(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        engine: Engine) -> list[str]:
    monkeypatch.setattr("node.cli.DOMAIN_COMMANDS",
                        ("node.accounts.cli", "node.hubs.hub.cli", "node.hubs.polls.cli"))
    flags = ["--url", BASE, "--database", database_url, "--data", str(tmp_path)]
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("correct horse battery\n"))
    assert main(["user", "create", "nate", "--password-stdin", *flags]) == 0
    assert main(["hub", "create", "portshutdown", "--title", "Port", "--admin", "nate",
                 *flags]) == 0
    return flags


def poll_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return len(conn.execute(select(_objects.c.id).where(_objects.c.type == "Question"))
                   .all())


def test_cli_create_vote_show_close(cli: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["poll", "create", "--as", "nate", "--hub", "portshutdown", "--keypad",
                 "--ends-in", "2h", *cli]) == 0
    out = capsys.readouterr().out
    uri = out.split("published poll ")[1].split()[0]
    # The poll tells voters "press 2 to agree": the digit is the option on a keypad poll.
    assert main(["poll", "vote", "--as", "nate", uri, "2", *cli]) == 0
    assert "voted 'agree'" in capsys.readouterr().out
    assert main(["poll", "vote", "--as", "nate", uri, "agree", *cli]) == 0
    assert "'agree' was counted already" in capsys.readouterr().out
    assert main(["poll", "vote", "--as", "nate", uri, "4", *cli]) == 1
    assert "no option '4'" in capsys.readouterr().err
    assert main(["poll", "show", uri, *cli]) == 0
    shown = capsys.readouterr().out.splitlines()
    assert shown[0].startswith(polls.KEYPAD_QUESTION)
    assert [line.split() for line in shown[1:4]] == [["agree", "1"], ["disagree", "0"],
                                                    ["more", "questions", "0"]]
    assert shown[4].startswith("1 voter, one choice; open until ")
    assert main(["poll", "close", "--as", "nate", uri, *cli]) == 0
    assert main(["poll", "vote", "--as", "nate", uri, "disagree", *cli]) == 1
    assert "ionode: error: the poll closed at" in capsys.readouterr().err


@pytest.mark.parametrize(("args", "message"), [
    (["--question", "Which day?"], "at least 2 options to choose from, not 0"),
    (["--question", "Agreed?", "--option", "yes"], "at least 2 options to choose from, not 1"),
    (["--question", "Which?", *[a for i in range(21) for a in ("--option", f"o{i}")]],
     "at most 20 options, not 21"),
    (["--question", "Which?", "--option", "a", "--option", "b", "--ends-at",
      "2020-01-01T00:00:00Z"],
     "not in the future"),
    (["--question", "Which?", "--option", "a", "--option", "b", "--ends-in", "soon"],
     "cannot read"),
    (["--keypad", "--option", "maybe"], "--keypad sets the options"),
    (["--option", "a", "--option", "b"], "needs a question"),
])
def test_cli_refusals_store_nothing(cli: list[str], args: list[str], message: str,
                                    capsys: pytest.CaptureFixture[str], engine: Engine) -> None:
    assert main(["poll", "create", "--as", "nate", "--hub", "portshutdown", *args, *cli]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("ionode: error: ") and message in err and "\n" not in err
    assert poll_count(engine) == 0
