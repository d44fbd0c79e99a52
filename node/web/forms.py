"""Reading HTML forms safely, and CSRF protection of every state-changing form.

Starlette does not cap request bodies, so forms are read here with a size cap and
parsed as ``application/x-www-form-urlencoded`` only (no uploads on these pages).
CSRF: a signed-in form carries the session's synchronizer token; the login form
carries a token signed over a pre-session cookie (see ``node.accounts.csrf``). A
present ``Origin`` or ``Sec-Fetch-Site`` header must also say "this site".
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from node.accounts import csrf
from node.accounts.sessions import Login
from node.runtime import node_of
from node.settings import Settings
from node.web.auth import current_login, secure_cookies
from node.web.i18n import N_

FORM_LIMIT = 64 * 1024  # bytes; a 5000-character post is at most ~45 KB encoded
MAX_FIELDS = 100
CSRF_FIELD = "csrf_token"
CSRF_REFUSED = N_(
    "This form could not be verified: it was sent from another site, or it expired. "
    "Go back, reload the page and try again."
)


def presession_cookie(settings: Settings) -> str:
    """Name of the login form's CSRF cookie; ``__Host-`` on https so no subdomain can set it."""
    return "__Host-ionode_csrf" if secure_cookies(settings) else "ionode_csrf"


async def read_form(request: Request) -> FormData:
    """The urlencoded form of ``request``; 413 over :data:`FORM_LIMIT`, 415 if not a form,
    400 if unreadable or holding a NUL character."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    declared = request.headers.get("content-length", "0")
    if not content_type and declared == "0":
        return FormData()  # an empty POST: the CSRF check then refuses it with a 403
    if content_type != "application/x-www-form-urlencoded":
        raise HTTPException(415, N_("This address only accepts HTML form submissions."))
    if not declared.isdigit():
        raise HTTPException(400, N_("The form could not be read."))
    if int(declared) > FORM_LIMIT:
        raise HTTPException(413, N_("The form is too large."))
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > FORM_LIMIT:
            raise HTTPException(413, N_("The form is too large."))
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True,
                          max_num_fields=MAX_FIELDS, errors="strict")
    except (UnicodeDecodeError, ValueError) as exc:
        raise HTTPException(400, N_("The form could not be read.")) from exc
    if any("\x00" in name or "\x00" in value for name, value in pairs):
        # No field of any page means a NUL; PostgreSQL cannot store one in text and
        # would answer a 500 where SQLite stores it: refuse it the same on both.
        raise HTTPException(400, N_("The form could not be read."))
    return FormData([(name, value) for name, value in pairs])


def _check_same_site(request: Request) -> None:
    origin = request.headers.get("origin")
    if origin is not None and origin != node_of(request).settings.url:
        raise HTTPException(403, CSRF_REFUSED)
    if request.headers.get("sec-fetch-site") == "cross-site":
        raise HTTPException(403, CSRF_REFUSED)


def verify_session_form(request: Request, form: FormData, login: Login) -> None:
    """Raise 403 unless ``form`` carries the signed-in session's CSRF token."""
    _check_same_site(request)
    submitted = form.get(CSRF_FIELD)
    if not isinstance(submitted, str) or not csrf.session_token_matches(
        login.session.csrf_token, submitted
    ):
        raise HTTPException(403, CSRF_REFUSED)


def verify_anonymous_form(request: Request, form: FormData) -> None:
    """Raise 403 unless ``form`` carries a token signed for this browser's pre-session cookie."""
    _check_same_site(request)
    node = node_of(request)
    binding = request.cookies.get(presession_cookie(node.settings), "")
    submitted = form.get(CSRF_FIELD)
    if not isinstance(submitted, str) or not csrf.check_token(
        node.settings.secret_key, binding, submitted, node.clock()
    ):
        raise HTTPException(403, CSRF_REFUSED)


async def verify_public_form(request: Request, form: FormData) -> None:
    """CSRF check of a form on a page anyone may open: the form was rendered with the
    session's token when the visitor is signed in (:func:`form_token`), else with the
    pre-session one, so it is checked against whichever it carries."""
    login = await current_login(request)
    if login is not None:
        verify_session_form(request, form, login)
    else:
        verify_anonymous_form(request, form)


def form_token(request: Request) -> str:
    """The token to embed in a form rendered for this request (``csrf_token()``)."""
    request.state.csrf_used = True
    login: Login | None = getattr(request.state, "login", None)
    if login is not None:
        return login.session.csrf_token
    node = node_of(request)
    binding = request.cookies.get(presession_cookie(node.settings)) or _minted(request)
    return csrf.make_token(node.settings.secret_key, binding, node.clock())


def _minted(request: Request) -> str:
    minted: str | None = getattr(request.state, "new_presession", None)
    if minted is None:
        minted = csrf.new_secret()
        request.state.new_presession = minted
    return minted


def finish_form_response(request: Request, response: Response, *, signed_in: bool) -> None:
    """Set a freshly minted pre-session cookie; keep personal pages out of shared caches."""
    settings = node_of(request).settings
    minted: str | None = getattr(request.state, "new_presession", None)
    if minted is not None:
        response.set_cookie(presession_cookie(settings), minted, path="/",
                            secure=secure_cookies(settings), httponly=True, samesite="lax")
    if signed_in or getattr(request.state, "csrf_used", False):
        response.headers["Cache-Control"] = "private, no-store"
