"""Forms that carry an image: ``multipart/form-data`` read with a size cap.

Starlette does not cap request bodies: the body is read here up to
:data:`UPLOAD_LIMIT` (the image cap plus room for the other fields) and answered 413
beyond it, before python-multipart parses anything. An image over its own cap but
within the body's is refused on the form, with the other fields kept. The image is
then checked and re-encoded off the event loop (:func:`node.media.images.process`);
its refusals are shown as the sentences below, translated. Pillow is imported at the
first upload, not when the node starts.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import Message

from node.media.checks import MAX_BYTES, ImageError, ProcessedImage, check_alt
from node.media.views import decoding
from node.web.forms import FORM_LIMIT, MAX_FIELDS, read_form
from node.web.i18n import N_

UPLOAD_LIMIT = MAX_BYTES + FORM_LIMIT
#: node.media.images.MESSAGES, marked for translation (a unit test keeps them equal).
IMAGE_MESSAGES = (
    N_("The image is too large: at most 10 MB."),
    N_("The file is not a JPEG, PNG, WebP or GIF image."),
    N_("The image has too many pixels: at most 40 million."),
    N_("The image could not be read: the file is damaged."),
    N_("Describe the image for people who cannot see it (alt text)."),
    N_("The alt text is too long: at most 1500 characters."),
)
TOO_LARGE = N_("The form is too large.")


async def read_upload_form(request: Request) -> FormData:
    """A multipart form (at most one file) within :data:`UPLOAD_LIMIT`, or an urlencoded
    one (:func:`node.web.forms.read_form`); 413 over the cap, 400 if unreadable."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "multipart/form-data":
        return await read_form(request)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > UPLOAD_LIMIT:
        raise HTTPException(413, TOO_LARGE)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > UPLOAD_LIMIT:
            raise HTTPException(413, TOO_LARGE)
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": bytes(body), "more_body": False}

    try:
        return await Request(request.scope, replay).form(
            max_files=1, max_fields=MAX_FIELDS, max_part_size=FORM_LIMIT)
    except HTTPException as exc:  # python-multipart's refusals: malformed, too many parts
        raise HTTPException(400, N_("The form could not be read.")) from exc


@dataclass(frozen=True)
class ImageUpload:
    """A checked image and its alt text, ready for :mod:`node.media.service`."""

    image: ProcessedImage
    alt: str


async def image_upload(request: Request, form: FormData, field: str = "image",
                       alt_field: str = "image_alt", *,
                       required: bool = False) -> ImageUpload | None:
    """The form's image, checked and re-encoded (within the node's limit on images decoded
    at once, :func:`node.media.views.decoding`); None when no file was chosen (and it is
    optional). :class:`ImageError` with one of :data:`IMAGE_MESSAGES` otherwise."""
    upload = form.get(field)
    data = await upload.read() if isinstance(upload, UploadFile) else b""
    if not data:
        if required:
            raise ImageError(N_("Choose an image file."))
        return None
    raw_alt = form.get(alt_field)
    alt = check_alt(raw_alt if isinstance(raw_alt, str) else "")
    from node.media.images import process  # Pillow: loaded at the first upload

    image = await decoding(request, lambda: process(data))
    return ImageUpload(image, alt)
