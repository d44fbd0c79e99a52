"""No input produces a 500: arbitrary bodies, headers, paths and queries get a 4xx."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import orjson
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from node.app import create_app
from node.settings import Settings

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["id", "type", "actor", "object", "to", "proof", "signature", "x"]),
        inner, max_size=6),
    max_leaves=20,
)
ACTIVITY = st.fixed_dictionaries(
    {"id": st.sampled_from(["https://x.example/a/1", "https://x.example/" + "a" * 2000]),
     "type": st.sampled_from(["Follow", "Create", "Undo", "Delete", "Zzz"]),
     "actor": st.sampled_from(["https://x.example/u", "acct:u@x.example"])},
    optional={"object": JSON},
)
HEADER_VALUE = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=80)
SIGNATURE = st.builds(
    lambda key, headers, sig: f'keyId="{key}",headers="{headers}",signature="{sig}"',
    st.sampled_from(["https://x.example/u#k", "acct:x@y", "", "http://127.0.0.1/u"]),
    st.sampled_from(["(request-target) host date digest", "date", "", "host host"]),
    HEADER_VALUE,
)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    # Storage-independent: the requests are refused before anything is stored, so one
    # SQLite node serves every example.
    directory = tmp_path_factory.mktemp("no500")
    node_settings = Settings(url="https://philly.example",
                             database=f"sqlite:///{directory / 'node.db'}",
                             secret_key="x" * 32, data_dir=directory)
    app = create_app(node_settings, transport=_offline(), start_workers=False)
    with TestClient(app, base_url=node_settings.url) as test_client:
        yield test_client


def _offline() -> httpx.MockTransport:
    return httpx.MockTransport(lambda request: httpx.Response(404))


FAST = hsettings(max_examples=150, deadline=None,
                 suppress_health_check=[HealthCheck.function_scoped_fixture])


@FAST
@given(body=JSON | ACTIVITY, signature=SIGNATURE, date=HEADER_VALUE, digest=HEADER_VALUE,
       path=st.sampled_from(["/inbox", "/users/nobody/inbox", "/hubs/x/inbox", "/actor/inbox"]))
def test_inbox_never_answers_500(client: TestClient, body: object, signature: str, date: str,
                                 digest: str, path: str) -> None:
    response = client.post(path, content=orjson.dumps(body), headers={
        "Signature": signature, "Date": date, "Digest": digest,
        "Content-Type": "application/activity+json"})
    assert 400 <= response.status_code < 500 or response.status_code == 503


@FAST
@given(path=st.text(st.characters(min_codepoint=33, max_codepoint=126), max_size=40),
       accept=st.sampled_from(["application/activity+json", "text/html", "*/*", ""]),
       query=st.text(st.characters(min_codepoint=33, max_codepoint=126), max_size=40))
def test_get_never_answers_500(client: TestClient, path: str, accept: str, query: str) -> None:
    for prefix in ("/", "/users/", "/hubs/", "/objects/", "/.well-known/webfinger?resource=",
                   "/users/x/outbox?page="):
        try:
            response = client.get(f"{prefix}{path}?{query}", headers={"Accept": accept})
        except httpx.InvalidURL:  # the client cannot even send it (e.g. "/::" as a port)
            continue
        assert response.status_code < 500, (prefix, path, query, response.text[:200])

