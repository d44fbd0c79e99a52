"""What every signed-in form about one of our objects does first (``POST
/objects/{id}/vote``, ``/objects/{id}/rsvp``): read the form, check its CSRF token
against the session, and find the object's URI, so each view only does its own part."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request

from node.accounts.sessions import Login
from node.runtime import node_of
from node.web.forms import read_form, verify_session_form
from node.web.queries import object_uri


async def object_form(request: Request, login: Login) -> tuple[FormData, str]:
    """The form (its token checked) and the URI of ``/objects/{id}``; 404 for a path that
    names none of ours."""
    form = await read_form(request)
    verify_session_form(request, form, login)
    uri = object_uri(node_of(request).settings.url, str(request.path_params["id"]))
    if uri is None:
        raise HTTPException(404)
    return form, uri
