"""The newswire's public pages: the front page (``/news`` for browsers), the
submission form, the private tracking page, the moderation log and the Code of Conduct.

Every rule is the newswire domain's (:mod:`node.newswire`), shared with ``ionode news``:
a refused form comes back with the refusal beside the fields and what was typed, and
nothing is stored. The form needs no account; it carries a CSRF token like the sign-in
form (the session's when the visitor is signed in).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from node.activitypub.models import LocalActor
from node.keyset import TimeKey, parse_row_id, parse_time_key
from node.newswire.actor.front import news_key, news_page
from node.newswire.conduct.default import default_markdown
from node.newswire.conduct.rules import DOCUMENTS
from node.newswire.conduct.service import Version, history, in_force, version_of
from node.newswire.errors import NewsError
from node.newswire.log.service import log_page
from node.newswire.moderation.roles import role_of
from node.newswire.submissions.rules import body_html, check_submission, split_links
from node.newswire.submissions.service import TOO_MANY, store_submission, track
from node.runtime import Node, node_of
from node.web.auth import client_of, current_login
from node.web.citations import shown_citation
from node.web.forms import read_form, verify_anonymous_form, verify_session_form
from node.web.hub_admin_views import shown
from node.web.i18n import N_, translator
from node.web.markup import sanitized_markup
from node.web.templating import render

FIELDS = ("title", "body", "links", "source_url", "submitter_name", "contact_email")


def field(form: FormData, name: str) -> str:
    """A form field whole: the domain's caps judge its length (the form itself is capped
    at :data:`node.web.forms.FORM_LIMIT`), so an oversized text is refused, not cut."""
    value = form.get(name)
    return value if isinstance(value, str) else ""


def cursor(request: Request) -> int | None:
    """The ``before`` keyset cursor; anything but a positive number is a 400."""
    value = request.query_params.get("before")
    if value is None:
        return None
    if not (value.isascii() and value.isdigit()) or len(value) > 12 or int(value) < 1:
        raise HTTPException(400, N_("This link is broken: its \u201cbefore\u201d must be a "
                                   "positive number."))
    return int(value)


def news_cursor(request: Request) -> TimeKey | int | None:
    """The front page's ``before`` cursor (the last entry's decision time and id, as
    its "Older news" link wrote it), or a former link's bare entry id
    (:func:`node.keyset.parse_row_id`); anything else is a 400."""
    value = request.query_params.get("before")
    if value is None:
        return None
    key = parse_time_key(value) or parse_row_id(value)
    if key is None:
        raise HTTPException(400, N_("This link is broken: its \u201cbefore\u201d is not "
                                   "where an \u201cOlder news\u201d link starts."))
    return key


def _front(node: Node, given: TimeKey | int | None, account_id: int | None) -> dict[str, Any]:
    with node.engine.connect() as conn:
        before = news_key(conn, given) if isinstance(given, int) else given
        entries, older = news_page(conn, before)
        moderates = role_of(conn, account_id) is not None
    return {"entries": entries, "older": older, "moderates": moderates}


def sends_mail(node: Node) -> bool:
    """Whether the node has an SMTP server to mail from (``IONODE_SMTP_URL``): without
    one no confirmation link can reach a subscriber, so the digest's e-mail is not
    offered at all rather than promising a mail that never comes."""
    return bool(node.settings.smtp_url)


async def news_front(request: Request, actor: LocalActor) -> Response:
    """``/news`` for browsers: approved news, newest first, a page at a time."""
    node, login = node_of(request), await current_login(request)
    data = await run_in_threadpool(_front, node, news_cursor(request),
                                   login.account.id if login else None)
    context = {"actor": actor, "handle": f"@{actor.username}@{node.settings.host}",
               "alternate": actor.uri, "mails": sends_mail(node),
               "summaries": {e.id: sanitized_markup(e.summary_html)
                             for e in data["entries"]}, **data}
    return await render(request, "news.html", context)


async def _submit_page(request: Request, *, status: int = 200, **values: Any) -> Response:
    context = {"v": {name: "" for name in FIELDS}, "error": "", **values}
    return await render(request, "news_submit.html", context, status=status)


async def submit_form(request: Request) -> Response:
    """GET /news/submit."""
    return await _submit_page(request)


def _store(node: Node, typed: dict[str, str], honeypot: str, client: str) -> str:
    submission = check_submission(
        title=typed["title"], body=typed["body"], links=split_links(typed["links"]),
        source_url=typed["source_url"], submitter_name=typed["submitter_name"],
        contact_email=typed["contact_email"], honeypot=honeypot)
    with node.engine.begin() as conn:
        _item_id, token = store_submission(conn, submission, now=node.clock(), client=client)
    return token


async def submit(request: Request) -> Response:
    """POST /news/submit: store the news and show its private tracking link once."""
    form = await read_form(request)
    login = await current_login(request)
    if login is not None:
        verify_session_form(request, form, login)
    else:
        verify_anonymous_form(request, form)
    typed = {name: field(form, name) for name in FIELDS}
    try:
        token = await run_in_threadpool(_store, node_of(request), typed, field(form, "website"),
                                        client_of(request))
    except NewsError as exc:
        status = 429 if str(exc) == TOO_MANY else 400
        return await _submit_page(request, status=status, error=shown(exc), v=typed)
    return RedirectResponse(f"/news/track/{token}?new=1", status_code=303)


async def track_page(request: Request) -> Response:
    """GET /news/track/{token}: the state of one submission, for whoever holds the link."""
    token = str(request.path_params["token"])
    node = node_of(request)

    def load() -> Any:
        with node.engine.connect() as conn:
            return track(conn, token)

    found = await run_in_threadpool(load)
    if found is None:
        raise HTTPException(404, "This tracking link is unknown.")
    if found.clause:
        found = replace(found, clause=shown_citation(translator(request), found.clause))
    context = {"item": found, "new": request.query_params.get("new") == "1",
               "link": f"{node.settings.url}/news/track/{token}"}
    return await render(request, "news_track.html", context,
                        headers={"Cache-Control": "private, no-store",
                                 "X-Robots-Tag": "noindex"})


async def log_view(request: Request) -> Response:
    """GET /news/log: every moderation decision, newest first."""
    node, before = node_of(request), cursor(request)

    def load() -> Any:
        with node.engine.connect() as conn:
            return log_page(conn, before)

    entries, older = await run_in_threadpool(load)
    t = translator(request)
    entries = [replace(e, clause=shown_citation(t, e.clause)) if e.clause else e
               for e in entries]
    return await render(request, "news_log.html", {"entries": entries, "older": older})


def _conduct(node: Node, document: str, version: int | None) -> dict[str, Any]:
    with node.engine.connect() as conn:
        shown: dict[str, Version | None] = {
            doc: (version_of(conn, doc, version) if doc == document and version
                  else in_force(conn, doc)) for doc in DOCUMENTS}
        return {"shown": shown, "histories": {doc: history(conn, doc) for doc in DOCUMENTS}}


async def conduct_page(request: Request) -> Response:
    """GET /news/conduct[?document=conduct&version=N]: the documents and every version."""
    document = request.query_params.get("document", "conduct")
    version = request.query_params.get("version")
    number = version is None or (version.isascii() and version.isdigit())
    if document not in DOCUMENTS or not number:
        raise HTTPException(404)
    data = await run_in_threadpool(_conduct, node_of(request), document,
                                   int(version) if version else None)
    if version and data["shown"][document] is None:
        raise HTTPException(404)
    gettext = translator(request).gettext
    texts = {doc: sanitized_markup(body_html(
        default_markdown(gettext) if v.default else v.markdown)) if v else None
        for doc, v in data["shown"].items()}
    return await render(request, "news_conduct.html", {**data, "texts": texts})


def routes() -> list[BaseRoute]:
    return [
        Route("/news/submit", submit_form, methods=["GET"]),
        Route("/news/submit", submit, methods=["POST"]),
        Route("/news/track/{token}", track_page, methods=["GET"]),
        Route("/news/log", log_view, methods=["GET"]),
        Route("/news/conduct", conduct_page, methods=["GET"]),
    ]
