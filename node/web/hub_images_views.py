"""``/hubs/{name}/images``: a hub admin uploads, sees and removes its avatar and header.

Only the hub's admins (403 for other members, as for its other settings). An upload is
checked and re-encoded (:mod:`node.web.uploads`), then stored and put on the Group
actor in one transaction (:func:`node.hubs.hub.images.set_hub_image`), which sends
``Update{Group}`` to the followers. A refusal (not an image, too large, too many
pixels, no alt text) re-renders the page with the message tied to that form (400) and
the alt text as typed.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from node.accounts.sessions import Login
from node.hubs.hub.images import SLOTS, hub_images, remove_hub_image, set_hub_image
from node.media.checks import ImageError
from node.media.srcsets import COLUMN_SIZES, srcset_of
from node.runtime import node_of
from node.web.auth import login_required
from node.web.forms import verify_session_form
from node.web.hub_admin_views import hub_access, in_transaction, reading, shown
from node.web.hub_manage import Access
from node.web.i18n import N_
from node.web.templating import render
from node.web.uploads import image_upload, read_upload_form

SLOT_LABELS = {"avatar": N_("Avatar"), "header": N_("Header")}
#: The ``sizes`` of each slot's image as this page shows it (style.css: an avatar at most
#: 12rem wide, a header the column's width).
SIZES = {"avatar": "12rem", "header": COLUMN_SIZES}
FLASHES = {"avatar": N_("Avatar saved: followers got the new profile."),
           "header": N_("Header saved: followers got the new profile."),
           "removed": N_("Image removed: followers got the new profile.")}


async def admin_access(request: Request, login: Login) -> Access:
    access = await hub_access(request, login)
    if access.role != "admin":
        raise HTTPException(403, N_("Only an admin of the hub changes its settings."))
    return access


def slot_of(request: Request) -> str:
    slot = str(request.path_params.get("slot", ""))
    if slot not in SLOTS:
        raise HTTPException(404)
    return slot


async def images_page(request: Request, access: Access, *, status: int = 200, error: str = "",
                      error_slot: str = "", alt: str = "") -> Response:
    base = node_of(request).settings.url
    current = await reading(request, lambda node, conn: hub_images(conn, base, access.target))
    actor = access.target.actor
    context = {"access": access, "title": actor.display_name or actor.username,
               "hub_url": actor.uri, "manage_url": access.manage_url, "current": current,
               "slots": SLOT_LABELS, "error": error, "error_slot": error_slot,
               "srcsets": {slot: srcset for slot, image in current.items()
                           if image and image.upload
                           and (srcset := srcset_of(base, image.upload.variants))},
               "sizes": SIZES,
               "alt": {error_slot: alt} if error_slot else {},
               "flash": "" if error else FLASHES.get(request.query_params.get("done", ""), "")}
    return await render(request, "hub_images.html", context, status=status)


@login_required
async def images(request: Request, login: Login) -> Response:
    """GET /hubs/{name}/images."""
    return await images_page(request, await admin_access(request, login))


def _done(access: Access, code: str) -> RedirectResponse:
    return RedirectResponse(f"/hubs/{access.name}/images?done={code}", status_code=303)


@login_required
async def upload(request: Request, login: Login) -> Response:
    """POST /hubs/{name}/images/{slot}: a new avatar or header, with its alt text."""
    slot = slot_of(request)
    form = await read_upload_form(request)
    try:
        verify_session_form(request, form, login)
        access = await admin_access(request, login)
        raw_alt = form.get("image_alt")
        alt = raw_alt if isinstance(raw_alt, str) else ""
        try:
            given = await image_upload(request, form, required=True)
        except ImageError as exc:
            return await images_page(request, access, status=400, error=shown(exc),
                                     error_slot=slot, alt=alt)
        assert given is not None
        await in_transaction(request, lambda node, conn: set_hub_image(
            node, conn, access.target, slot, given.image, given.alt))
    finally:
        await form.close()
    return _done(access, slot)


@login_required
async def remove(request: Request, login: Login) -> Response:
    """POST /hubs/{name}/images/{slot}/remove."""
    slot = slot_of(request)
    form = await read_upload_form(request)
    verify_session_form(request, form, login)
    access = await admin_access(request, login)
    await in_transaction(request, lambda node, conn: remove_hub_image(
        node, conn, access.target, slot))
    return _done(access, "removed")


def routes() -> list[BaseRoute]:
    return [Route("/hubs/{name}/images", images, methods=["GET"]),
            Route("/hubs/{name}/images/{slot}", upload, methods=["POST"]),
            Route("/hubs/{name}/images/{slot}/remove", remove, methods=["POST"])]
