"""The organizer's hub pages: posting each kind, moderating, pinning, polls, calls, edits."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from html.parser import HTMLParser
from typing import Any

import pytest
from sqlalchemy import insert

from node.hubs.hub.publish import load_hub
from node.hubs.hub.settings import HubSettings, apply_settings
from node.hubs.polls.rules import make_spec
from node.hubs.polls.service import create_poll
from node.hubs.updates.service import post_update
from node.settings import Settings
from node.web.hub_forms import FormError, repeat_rule
from node.web.item_text import source_text
from tests.conftest import NOW
from tests.node.hub_pages_support import (
    BASE,
    CALL_FORM,
    HTML,
    HUB,
    MANAGE,
    POSTS,
    Site,
    _follow,
    _items,
    _objects,
    _outbox,
    a_series,
    login,
    open_site,
    section,
)


@pytest.fixture
def site(settings: Settings) -> Iterator[Site]:
    with open_site(settings) as site:
        yield site


@pytest.fixture
def member(site: Site) -> Site:
    """``mia``, a plain member, signed in."""
    site.person("mia")
    site.sign_in("mia")
    return site


@pytest.fixture
def steward(site: Site) -> Site:
    """``nate``, the hub's admin, signed in."""
    site.person("nate", "admin")
    site.sign_in("nate")
    return site


@pytest.mark.parametrize("kind", list(POSTS))
def test_a_member_posts_each_kind_through_its_form(member: Site, kind: str) -> None:
    # Given a signed-in member, when the kind's form is sent, then the object is stored,
    # the hub holds it as published, and the outbox has the Create and both Announces.
    data, object_type = POSTS[kind]
    page = member.client.get(f"/hubs/{HUB}/post/{kind}")
    assert page.status_code == 200 and 'action="/hubs/portshutdown/post/' + kind in page.text
    response = member.send(f"/hubs/{HUB}/post/{kind}", data)
    assert response.status_code == 303
    assert response.headers["location"] == f"{MANAGE}?done=posted"
    (item, *more) = member.rows(_items)
    assert (item.kind, item.state, item.author_uri) == (kind, "published",
                                                         f"{BASE}/users/mia")
    (stored,) = member.rows(_objects, _objects.c.uri == item.object_uri)
    assert stored.type == object_type
    assert member.outbox()[:3] == ["Create", "Announce", "Announce"]
    check_document(kind, stored.document, more)
    assert "Posted" in member.client.get(response.headers["location"]).text


def check_document(kind: str, document: dict[str, Any], more: list[Any]) -> None:
    if kind == "update":
        assert document["content"] == "<p>Picket at berth 5<br>\nBring water</p>"
    elif kind == "minutes":
        assert document["summary"] == "Consensus on the shutdown."
        assert document["attachment"][0]["href"] == "https://example.org/agenda.pdf"
    elif kind == "event":
        assert document["startTime"] == "2026-12-12T07:00:00-08:00"
        assert document["location"]["name"] == "Frank Ogawa Plaza"
        assert document["maximumAttendeeCapacity"] == 5000
    elif kind == "call":  # the series, then its occurrences due within four weeks
        assert document["rrule"] == "FREQ=WEEKLY;COUNT=3"
        assert document["breakoutRooms"] == ["Legal", "Media"]
        assert [row.starts_at.date().isoformat() for row in more] == [
            "2026-11-24", "2026-12-01", "2026-12-08"]  # 7 PM New York is 00:00 UTC next day
    else:
        assert [o["name"] for o in document["anyOf"]] == ["Monday", "Tuesday"]
        assert document["endTime"] == "2026-11-23T12:00:00Z"


def test_the_keypad_poll_is_one_click_from_the_manage_page(member: Site) -> None:
    page = member.client.get(MANAGE).text
    assert 'name="keypad" value="1"' in page
    response = member.send(f"/hubs/{HUB}/post/poll",
                           {"keypad": "1", "ends_in": "1", "ends_unit": "hours"})
    assert response.status_code == 303
    (question,) = member.rows(_objects)
    assert [o["name"] for o in question.document["oneOf"]] == [
        "agree", "disagree", "more questions"]
    assert "press 2 to agree" in question.document["content"]


REFUSALS = [
    ("event", {**POSTS["event"][0], "end": "2026-12-12T06:00"}, "The end must be after"),
    ("event", {**POSTS["event"][0], "timezone": "Mars/Olympus_Mons"}, "Unknown timezone"),
    ("event", {**POSTS["event"][0], "online_url": "https://meet.example/x"}, "not both"),
    ("poll", {**POSTS["poll"][0], "options": "\r\n  \r\n"}, "Give at least 2 options"),
    ("poll", {**POSTS["poll"][0], "options": "Yes\r\n \r\n"}, "Give at least 2 options"),
    ("poll", {**POSTS["poll"][0], "ends_in": "31"}, "at most 30 days"),
    ("call", {**CALL_FORM, "repeat": "rrule", "rrule": "FREQ=WEEKLY"}, "never ends"),
    ("call", {**CALL_FORM, "call_url": "", "dial_in": ""}, "call URL or a dial-in"),
    ("minutes", {**POSTS["minutes"][0], "attachments": "Agenda"}, "NAME=URL"),
    ("update", {"text": "  "}, "Write something"),
]


@pytest.mark.parametrize(("kind", "data", "message"), REFUSALS)
def test_a_refused_form_is_shown_again_with_the_message_and_nothing_stored(
    member: Site, kind: str, data: dict[str, str], message: str
) -> None:
    response = member.send(f"/hubs/{HUB}/post/{kind}", data)
    assert response.status_code == 400
    assert message in response.text
    assert 'role="alert"' in response.text
    if "title" in data:  # what was typed is kept
        assert f'value="{data["title"]}"' in response.text
    member.nothing_stored()


SPANISH_REFUSALS = [
    ("minutes", {**POSTS["minutes"][0], "attachments": "Agenda"},
     "Escribe cada adjunto como NOMBRE=URL en su propia línea, no 'Agenda'."),
    ("poll", {"question": "¿Huelga?", "options": "Sí", "ends_in": "1", "ends_unit": "days"},
     "Indica al menos 2 opciones, una por línea: un sondeo con menos no pregunta nada."),
    ("poll", {"question": "¿Huelga?", "options": "Sí\nNo", "ends_in": "0",
              "ends_unit": "days"},
     "Cuánto tiempo sigue abierto el sondeo debe ser un número entero de 1 a 999."),
    ("call", {**CALL_FORM, "weeks": "0"},
     "El número de semanas debe ser un número entero de 1 a 500."),
    ("call", {**CALL_FORM, "duration": ""},
     "La duración en minutos debe ser un número entero de 1 a 1440."),
    ("call", {**CALL_FORM, "start": ""}, "Indica la fecha y la hora de inicio."),
    ("event", {**POSTS["event"][0], "end": ""}, "Indica la fecha y la hora de fin."),
    ("call", {**CALL_FORM, "dial_in": "abc"}, "(no es un número de teléfono)"),
    ("call", {**CALL_FORM, "dial_in": "+1 55"},
     "(un número de teléfono tiene de 5 a 15 dígitos, este tiene 3)"),
    ("call", {**CALL_FORM, "dial_in": "sip:"},
     "(una dirección sip: necesita algo después de los dos puntos, y sin espacios)"),
    ("call", {**CALL_FORM, "dial_in": "https:nohost"}, "(un enlace web necesita un host)"),
    ("event", {**POSTS["event"][0], "start": "2020-01-01T10:00", "end": "2020-01-01T11:00"},
     "si de verdad es en el pasado y lo estás registrando, dilo: añade --past en la línea de "
     "órdenes, o marca «Es en el pasado» en el formulario."),
]


@pytest.mark.parametrize(("kind", "data", "message"), SPANISH_REFUSALS)
def test_a_refusal_of_the_forms_own_checks_is_in_the_readers_language(
    member: Site, kind: str, data: dict[str, str], message: str
) -> None:
    """The form's own checks wrote their sentences with f-strings, so a Spanish
    organizer read them in English (the services' refusals were translated)."""
    response = member.send(f"/hubs/{HUB}/post/{kind}", data, **{"Accept-Language": "es"})
    assert response.status_code == 400
    assert message in response.text.replace("&#39;", "'")
    member.nothing_stored()


def test_a_past_start_is_named_in_the_reader_s_language(member: Site) -> None:
    # the refusal quoted the time in English ("Wed 1 Jan 2020, 10:00 AM to 11:00 AM PST")
    data = {**POSTS["event"][0], "start": "2020-01-01T10:00", "end": "2020-01-01T11:00"}
    spanish = member.send(f"/hubs/{HUB}/post/event", data, **{"Accept-Language": "es"})
    assert spanish.status_code == 400
    assert "(mié, 1 ene 2020, 10:00 \u2013 11:00 PST (America/Los_Angeles))" in spanish.text
    assert "Wed" not in spanish.text and "AM" not in spanish.text
    english = member.send(f"/hubs/{HUB}/post/event", data)
    assert "(Wed, Jan 1, 2020, 10:00\u202fAM \u2013 11:00\u202fAM PST (America/Los_Angeles))" \
        in english.text


def test_forms_without_the_csrf_token_are_refused(member: Site) -> None:
    response = member.send(f"/hubs/{HUB}/post/update", {"text": "hi"}, token=False)
    assert response.status_code == 403
    wrong = member.client.post(f"/hubs/{HUB}/items/pin",
                               data={"uri": "x", "csrf_token": "not-the-token"})
    assert wrong.status_code == 403
    cross_site = member.send(f"/hubs/{HUB}/post/update", {"text": "hi"},
                             origin="https://evil.example")
    assert cross_site.status_code == 403
    member.nothing_stored()


def test_non_members_get_403_and_unknown_hubs_404(site: Site) -> None:
    site.person("olu", role=None)
    site.sign_in("olu")
    page = site.client.get(MANAGE, headers=HTML)
    assert page.status_code == 403
    assert "Only members of West Coast Port Shutdown" in page.text
    assert site.client.get(f"/hubs/{HUB}/post/event").status_code == 403
    assert site.send(f"/hubs/{HUB}/post/update", {"text": "hi"}).status_code == 403
    assert site.send(f"/hubs/{HUB}/queue/publish", {"uri": "x"}).status_code == 403
    assert site.client.get("/hubs/nohub/manage").status_code == 404
    assert site.client.get(f"/hubs/{HUB}/post/essay").status_code == 404
    site.nothing_stored()


def test_signed_out_visitors_are_sent_to_sign_in(site: Site) -> None:
    response = site.client.get(MANAGE)
    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next=/hubs/{HUB}/manage"
    assert site.client.post(f"/hubs/{HUB}/post/update", data={"text": "x"}).status_code == 303
    site.nothing_stored()
    site.person("mia")
    signed_in = login(site.client, "mia", next_path=MANAGE)
    assert signed_in.headers["location"] == MANAGE
    assert site.client.get(MANAGE).status_code == 200


class PageCheck(HTMLParser):
    """Form fields without a label, and anything the CSP would block (inline script/style)."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.label_for: set[str] = set()
        self.fields: list[tuple[str, bool, str]] = []  # name, inside a label, id
        self.inline: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script" or "style" in values or any(k.startswith("on") for k in values):
            self.inline.append(tag)
        if tag == "label":
            self.depth += 1
            self.label_for.add(str(values.get("for") or ""))
        if tag in ("input", "textarea", "select") and values.get("type") not in (
                "hidden", "submit"):
            self.fields.append((str(values.get("name")), self.depth > 0,
                                str(values.get("id") or "")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self.depth -= 1


def check_page(html: str) -> PageCheck:
    checker = PageCheck()
    checker.feed(html)
    missing = [name for name, inside, id_ in checker.fields
               if not inside and (not id_ or id_ not in checker.label_for)]
    assert missing == [], f"fields without a label: {missing}"
    assert checker.inline == []
    return checker


def test_every_page_labels_its_fields_and_has_no_inline_script_or_style(steward: Site) -> None:
    steward.run(lambda node, conn: post_update(node, conn, "nate", "Hello", [HUB]))
    steward.run(lambda node, conn: create_poll(node, conn, "nate", [HUB], make_spec(
        "Which day?", ["Mon", "Tue"], multiple=False, end=NOW + timedelta(days=1), now=NOW)))
    pages = [MANAGE, *(f"/hubs/{HUB}/post/{kind}" for kind in POSTS)]
    for path in pages:
        response = steward.client.get(path)
        assert response.status_code == 200, path
        assert response.headers["cache-control"] == "private, no-store"
        checker = check_page(response.text)
        assert checker.fields, path


def moderated(site: Site) -> None:
    with site.node.engine.begin() as conn:
        apply_settings(site.node, conn, load_hub(conn, HUB),
                       HubSettings(posting_policy="moderated"))


def test_a_held_post_waits_for_a_steward_who_publishes_it(site: Site) -> None:
    # Given a moderated hub, when a plain member posts, then the post is held and not
    # Announced; when an admin publishes it from the queue, the hub Announces it.
    site.person("nate", "admin")
    site.person("mia")
    moderated(site)
    site.sign_in("mia")
    posted = site.send(f"/hubs/{HUB}/post/update", {"text": "Held for review"})
    assert posted.headers["location"] == f"{MANAGE}?done=held"
    assert site.outbox() == ["Create"]
    member_page = site.client.get(MANAGE).text
    assert "Waiting for a moderator" not in member_page  # the queue is for stewards
    assert site.send(f"/hubs/{HUB}/queue/publish",
                     {"uri": site.rows(_items)[0].object_uri}).status_code == 400
    site.sign_in("nate")
    (item,) = site.rows(_items)
    queue = site.client.get(MANAGE).text.split('id="follows-heading"')[0]
    assert "Held for review" in queue and item.object_uri in queue
    response = site.send(f"/hubs/{HUB}/queue/publish", {"uri": item.object_uri})
    assert response.headers["location"] == f"{MANAGE}?done=published"
    assert site.outbox() == ["Create", "Announce", "Announce"]
    assert site.rows(_items)[0].state == "published"
    again = site.send(f"/hubs/{HUB}/queue/publish", {"uri": item.object_uri})
    assert again.status_code == 400 and "is not waiting for a moderator" in again.text


def test_a_steward_refuses_a_held_post_with_a_reason(steward: Site) -> None:
    steward.person("mia")
    moderated(steward)
    result = steward.run(lambda node, conn: post_update(node, conn, "mia", "Spam", [HUB]))
    uri = result.note["id"]
    response = steward.send(f"/hubs/{HUB}/queue/refuse", {"uri": uri, "reason": "off topic"})
    assert response.headers["location"] == f"{MANAGE}?done=refused"
    (item,) = steward.rows(_items)
    assert (item.state, item.note) == ("refused", "off topic")
    assert steward.outbox() == ["Create"]


def test_a_steward_answers_follow_requests(steward: Site) -> None:
    with steward.node.engine.begin() as conn:
        for n in (1, 2):
            conn.execute(insert(_follow).values(
                follower=f"https://mastodon.example/users/fan{n}",
                following=f"{BASE}/hubs/{HUB}", activity_id=f"https://mastodon.example/f/{n}",
                state="pending", created_at=NOW, updated_at=NOW))
    page = steward.client.get(MANAGE).text
    assert "@fan1@mastodon.example" in page and "@fan2@mastodon.example" in page
    fan1, fan2 = (f"https://mastodon.example/users/fan{n}" for n in (1, 2))
    assert steward.send(f"/hubs/{HUB}/follows/approve", {"follower": fan1}).status_code == 303
    assert steward.send(f"/hubs/{HUB}/follows/reject", {"follower": fan2}).status_code == 303
    assert [(r.follower, r.state) for r in steward.rows(_follow)] == [(fan1, "accepted")]
    missing = steward.send(f"/hubs/{HUB}/follows/reject", {"follower": fan2})
    assert missing.status_code == 400 and "no pending follow request" in missing.text


def test_a_pinned_item_shows_under_pinned_on_the_dashboard(steward: Site) -> None:
    result = steward.run(lambda node, conn: post_update(node, conn, "nate", "Read this first",
                                                      [HUB]))
    uri = result.note["id"]
    response = steward.send(f"/hubs/{HUB}/items/pin", {"uri": uri})
    assert response.headers["location"] == f"{MANAGE}?done=pinned"
    dashboard = steward.client.get(f"/hubs/{HUB}", headers=HTML).text
    pinned = section(dashboard, "pinned")
    assert "Pinned</h2>" in pinned and "Read this first" in pinned
    assert f'href="{MANAGE}">Manage this hub' in dashboard  # a member sees the link
    assert "Unpin" in steward.client.get(MANAGE).text
    assert steward.send(f"/hubs/{HUB}/items/unpin", {"uri": uri}).status_code == 303
    assert "Pinned</h2>" not in steward.client.get(f"/hubs/{HUB}", headers=HTML).text
    steward.client.cookies.clear()
    assert "Manage this hub" not in steward.client.get(f"/hubs/{HUB}", headers=HTML).text


def test_plain_members_cannot_pin_and_see_only_their_own_items(member: Site) -> None:
    member.person("nate", "admin")
    theirs = member.run(lambda node, conn: post_update(node, conn, "nate", "Admin news", [HUB]))
    mine = member.run(lambda node, conn: post_update(node, conn, "mia", "My news", [HUB]))
    page = member.client.get(MANAGE).text
    assert "My news" in page and "Admin news" not in page and ">Pin<" not in page
    refused = member.send(f"/hubs/{HUB}/items/pin", {"uri": theirs.note["id"]})
    assert refused.status_code == 400 and "is not an admin or moderator" in refused.text
    not_author = member.send(f"/hubs/{HUB}/items/delete", {"uri": theirs.note["id"]})
    assert not_author.status_code == 400 and "is not the author" in not_author.text
    assert member.rows(_items)[0].pinned is False
    assert member.send(f"/hubs/{HUB}/items/delete", {"uri": mine.note["id"]}).headers[
        "location"] == f"{MANAGE}?done=deleted"
    assert member.outbox()[-2:] == ["Delete", "Announce"]  # the hub shares the Delete
    assert [r.object_uri for r in member.rows(_items)] == [theirs.note["id"]]


def test_a_steward_removes_a_members_post_from_the_hub(steward: Site) -> None:
    steward.person("mia")
    theirs = steward.run(lambda node, conn: post_update(node, conn, "mia", "Scab rally", [HUB]))
    steward.run(lambda node, conn: post_update(node, conn, "nate", "Admin news", [HUB]))
    uri = theirs.note["id"]
    assert "Scab rally" in steward.client.get(f"/hubs/{HUB}", headers=HTML).text
    page = steward.client.get(MANAGE).text
    assert page.count("/items/remove") == 1  # offered for mia's post, not for nate's own
    response = steward.send(f"/hubs/{HUB}/items/remove", {"uri": uri, "reason": "harassment"})
    assert response.headers["location"] == f"{MANAGE}?done=removed"
    removed = steward.rows(_items, _items.c.object_uri == uri)[0]
    assert (removed.state, removed.note) == ("refused", "harassment")
    undone = [r.document["object"] for r in steward.rows(_outbox, _outbox.c.type == "Undo")]
    assert [(u["type"], u["actor"]) for u in undone] == [("Announce", f"{BASE}/hubs/{HUB}")] * 2
    assert "Delete" not in steward.outbox()
    assert "Scab rally" not in steward.client.get(f"/hubs/{HUB}", headers=HTML).text
    again = steward.send(f"/hubs/{HUB}/items/remove", {"uri": uri})
    assert again.status_code == 400 and "is not a published item of portshutdown" in again.text


def test_plain_members_get_no_remove_button_and_are_refused(member: Site) -> None:
    member.person("nate", "admin")
    theirs = member.run(lambda node, conn: post_update(node, conn, "nate", "Admin news", [HUB]))
    member.run(lambda node, conn: post_update(node, conn, "mia", "My news", [HUB]))
    assert "/items/remove" not in member.client.get(MANAGE).text
    refused = member.send(f"/hubs/{HUB}/items/remove", {"uri": theirs.note["id"]})
    assert refused.status_code == 400 and "is not an admin or moderator" in refused.text
    assert [r.state for r in member.rows(_items)] == ["published", "published"]
    assert "Undo" not in member.outbox()


def test_an_author_edits_an_update_through_the_edit_form(member: Site) -> None:
    result = member.run(lambda node, conn: post_update(node, conn, "mia", "Meet at *noon*", [HUB]))
    uri = result.note["id"]
    link = re.search(r'href="(/hubs/portshutdown/items/edit\?uri=[^"]+)"',
                     member.client.get(MANAGE).text)
    assert link is not None
    form = member.client.get(link.group(1))
    # The form starts from the Markdown the author wrote (the Note keeps its source).
    assert form.status_code == 200 and ">Meet at *noon*</textarea>" in form.text
    empty = member.send(f"/hubs/{HUB}/items/edit", {"uri": uri, "text": " "})
    assert empty.status_code == 400 and "A post needs some text" in empty.text
    response = member.send(f"/hubs/{HUB}/items/edit", {"uri": uri, "text": "Meet at 1 PM"})
    assert response.headers["location"] == f"{MANAGE}?done=edited"
    (stored,) = member.rows(_objects)
    assert stored.document["content"] == "<p>Meet at 1 PM</p>"
    assert member.outbox()[-2:] == ["Update", "Announce"]  # the hub shares the Update
    assert member.client.get(f"/hubs/{HUB}/items/edit",
                             params={"uri": f"{BASE}/objects/nope"}).status_code == 404


def test_members_vote_and_a_steward_closes_the_poll(steward: Site) -> None:
    steward.person("mia")
    result = steward.run(lambda node, conn: create_poll(node, conn, "mia", [HUB], make_spec(
        "Shut it down?", ["yes", "no"], multiple=False, end=NOW + timedelta(days=1), now=NOW)))
    uri = result.object["id"]
    page = steward.client.get(MANAGE).text
    assert "Shut it down?" in page and "Close the poll now" in page
    assert steward.send(f"/hubs/{HUB}/polls/vote", {"uri": uri, "option": "yes"}).headers[
        "location"] == f"{MANAGE}?done=voted"
    twice = steward.send(f"/hubs/{HUB}/polls/vote", {"uri": uri, "option": "no"})
    assert twice.status_code == 400 and "takes one choice" in twice.text
    response = steward.send(f"/hubs/{HUB}/polls/close", {"uri": uri})
    assert response.headers["location"] == f"{MANAGE}?done=closed"
    (question,) = steward.rows(_objects)
    assert question.document["closed"]
    assert [o["replies"]["totalItems"] for o in question.document["oneOf"]] == [1, 0]
    assert steward.outbox()[-1] == "Update"
    polls = steward.client.get(MANAGE).text.split("Open straw polls")[1].split("<h2")[0]
    assert "Shut it down?" not in polls and "No open polls." in polls
    closed = steward.send(f"/hubs/{HUB}/polls/close", {"uri": uri})
    assert closed.status_code == 400 and "already closed" in closed.text


def test_a_poll_s_closing_time_reads_in_the_reader_s_language(steward: Site) -> None:
    # it read "2026-11-22 12:00 UTC" in every language, unlike the times around it
    steward.run(lambda node, conn: create_poll(node, conn, "nate", [HUB], make_spec(
        "Shut it down?", ["yes", "no"], multiple=False, end=NOW + timedelta(days=1), now=NOW)))

    def polls(lang: str) -> str:
        page = steward.client.get(MANAGE, headers={"accept-language": lang}).text
        return page.split('id="polls-heading"')[1].split("<h2")[0]

    assert "Closes <time datetime=\"2026-11-22T12:00:00+00:00\">Sun, Nov 22, 2026, " in polls("en")
    assert "dom, 22 nov 2026, " in polls("es") and "2026-11-22 " not in polls("es")


def test_a_steward_moves_and_cancels_one_occurrence_of_a_call(steward: Site) -> None:
    series, first, second, *_ = a_series(steward)
    page = steward.client.get(MANAGE).text
    assert 'value="2026-11-23T19:00"' in page and "Cancel the whole series" in page
    before = len(steward.outbox())
    response = steward.send(f"/hubs/{HUB}/events/move", {"uri": first,
                                                         "start": "2026-11-24T20:00"})
    assert response.headers["location"] == f"{MANAGE}?done=moved"
    assert steward.outbox()[before:] == ["Update", "Create", "Announce", "Announce"]
    (note,) = steward.rows(_objects, _objects.c.type == "Note")
    assert "Moved:" in note.document["content"]
    (moved,) = steward.rows(_objects, _objects.c.uri == first)
    assert moved.document["startTime"] == "2026-11-24T20:00:00-05:00"
    assert steward.send(f"/hubs/{HUB}/events/cancel", {"uri": second}).status_code == 303
    (cancelled,) = steward.rows(_objects, _objects.c.uri == second)
    assert cancelled.document["eventStatus"].endswith("EventCancelled")
    whole = steward.send(f"/hubs/{HUB}/events/move", {"uri": series,
                                                      "start": "2026-11-24T20:00"})
    assert whole.status_code == 400 and "A whole series cannot be moved" in whole.text
    bad = steward.send(f"/hubs/{HUB}/events/move", {"uri": first, "start": "tomorrow"})
    assert bad.status_code == 400 and "Cannot read the time" in bad.text


def test_a_refused_move_keeps_what_was_typed_in_that_items_form(steward: Site) -> None:
    # the form came back with the old start, so the organizer typed the date again; and
    # its box read "in the past, for the record" where the refusal said to tick "It is in
    # the past"
    _, first, second, *_ = a_series(steward)
    refused = steward.send(f"/hubs/{HUB}/events/move", {"uri": first,
                                                        "start": "2020-01-01T10:00"})
    assert refused.status_code == 400 and "It is in the past" in refused.text
    forms = re.findall(r'<form class="inline" method="post" action="/hubs/[^"]+/events/move">'
                       r'.*?</form>', refused.text, re.DOTALL)
    mine = next(form for form in forms if f'value="{first}"' in form)
    other = next(form for form in forms if f'value="{second}"' in form)
    assert 'value="2020-01-01T10:00" required aria-invalid="true" ' \
           'aria-describedby="form-error"' in mine
    assert '<p class="error" id="form-error" role="alert">' in refused.text
    assert 'value="2026-11-30T19:00" required>' in other  # the others keep their start
    assert "It is in the past</label>" in mine and "for the record" not in refused.text
    ticked = steward.send(f"/hubs/{HUB}/events/move", {"uri": first, "past": "1",
                                                       "start": "tomorrow"})
    assert ticked.status_code == 400
    again = next(form for form in re.findall(r'<form class="inline".*?</form>', ticked.text,
                                             re.DOTALL) if f'value="{first}"' in form)
    assert 'value="tomorrow"' in again and 'value="1" checked>' in again


def test_a_member_may_not_move_someone_elses_event(member: Site) -> None:
    member.person("nate", "admin")
    _, first, *_ = a_series(member)
    page = member.client.get(MANAGE).text
    assert "events/move" not in page  # not offered: neither theirs nor a steward
    refused = member.send(f"/hubs/{HUB}/events/move", {"uri": first,
                                                       "start": "2026-11-24T20:00"})
    assert refused.status_code == 400 and "may not change" in refused.text
    foreign = member.send(f"/hubs/{HUB}/events/cancel", {"uri": f"{BASE}/objects/other"})
    assert foreign.status_code == 400 and "is not an item of portshutdown" in foreign.text


def test_action_refusals_keep_the_manage_page_and_flashes_are_fixed_texts(member: Site) -> None:
    page = member.client.get(f"{MANAGE}?done=<script>").text
    assert "<script>" not in page and 'role="status"' not in page
    assert 'role="status"' in member.client.get(f"{MANAGE}?done=voted").text
    assert re.search(r"you are a member", member.client.get(MANAGE).text)


@pytest.mark.parametrize("value", ["", "0", "²", "٣", "1" * 12, "-5", "2.5"])
def test_form_numbers_are_plain_ascii_whole_numbers(value: str) -> None:
    with pytest.raises(FormError, match="whole number from 1 to 500"):
        repeat_rule({"repeat": "weekly", "weeks": value})


def test_weekly_repeats_become_a_counted_rrule_and_rrules_are_passed_on() -> None:
    assert repeat_rule({"repeat": "weekly", "weeks": "6"}) == "FREQ=WEEKLY;COUNT=6"
    assert repeat_rule({"repeat": "rrule", "rrule": "FREQ=DAILY;COUNT=2"}) == (
        "FREQ=DAILY;COUNT=2")
    assert repeat_rule({"repeat": "once", "rrule": "ignored"}) is None


def test_the_edit_form_starts_from_the_text_without_the_attachment_list() -> None:
    article = {"type": "Article", "attachment": [{"href": "https://x.example/a.pdf"}],
               "content": "<p>Consensus &amp; <em>joy</em></p><p>Next GA</p>"
                          '<p>Attachments:</p><ul><li><a href="https://x.example/a.pdf">a</a>'
                          "</li></ul>"}
    assert source_text(article) == "Consensus & joy\n\nNext GA"
    assert source_text({"source": {"content": "*kept*"}, "content": "<p>x</p>"}) == "*kept*"


def test_the_hubs_own_steward_gets_manage_not_follow(steward: Site) -> None:
    # Given the hub's admin signed in, when they open their hub, then the header's
    # primary button manages the hub instead of following it; a visitor still gets Follow.
    follow = f'href="/hubs/{HUB}/follow">Follow</a>'
    header = steward.client.get(f"/hubs/{HUB}", headers=HTML).text
    assert follow not in header
    assert f'<a class="button primary" href="{MANAGE}">Manage this hub</a>' in header
    assert header.count("Manage this hub") == 1  # the button, not also the feeds line
    steward.person("mia")  # a plain member may still follow the hub
    steward.sign_in("mia")
    assert follow in steward.client.get(f"/hubs/{HUB}", headers=HTML).text
    steward.client.cookies.clear()
    assert follow in steward.client.get(f"/hubs/{HUB}", headers=HTML).text
