"""Pages and JSON API for the minutes: the secretariat's notes, the draft, the chair's
passkey approval, both signatures, the downloads, and the page that verifies any PDF."""

from __future__ import annotations

import logging
from typing import Any, Literal

from pydantic import Field
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute

from ..actions import key_register, minutes_drafts, minutes_signing, minutes_view
from ..errors import TooManyRequests, UnsupportedMediaType, ValidationFailed
from ..minutes import verify_job
from ..minutes.findings import Report
from ..workers import JobFailed, WorkerPool
from . import csrf
from .api_auth import PasskeyAnswer
from .bodies import FAKE_CREDENTIAL, Body, CamelBody, Credential, example, parsed, takes
from .bounded_form import read_parts
from .common import actor_of, client_of, db_of, int_param, settings_of
from .ratelimit import RateLimiter
from .routing import api, page, streamed_form
from .shapes import minutes_as_json
from .templating import page_context, render

# The verification form: its token field, and room for the form's own headers and fields.
CSRF_FIELD_BYTES = 256
FORM_OVERHEAD = 16 * 1024
log = logging.getLogger(__name__)
Signer = Literal["secretary", "chair"]


class ItemRecord(CamelBody):
    """What the minutes say of an item; a field left out keeps its text."""

    model_config = example(
        {"discussionNotes": "The ministry answered the questions.", "conclusion": "Adopted."}
    )
    discussion_notes: str | None = None
    conclusion: str | None = None


class DraftLanguage(Body):
    """The language of the draft minutes."""

    model_config = example({"language": "vi"})
    language: Literal["vi", "en"] = "vi"


class SignerRole(Body):
    """Which signing step."""

    model_config = example({"as": "secretary"})
    role: Signer = Field(alias="as")


class Signature(Body):
    """One signing step with the signer's passkey answer."""

    model_config = example({"as": "secretary", "credential": FAKE_CREDENTIAL})
    role: Signer = Field(alias="as")
    credential: Credential | None = None


class VerifyRateLimited(TooManyRequests):
    # Counted, not written to the audit chain one by one: anyone may call this page.
    audit = False


def _text(value: Any, name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationFailed("%(field)s must be text.", field=name)
    return value


# --- pages ------------------------------------------------------------------------------


async def minutes_page(request: Request) -> Response:
    async with db_of(request).transaction() as tx:
        view = await minutes_view.workspace(
            tx, actor_of(request), meeting_id=int_param(request, "meeting")
        )
    return render(request, "minutes.html", {"w": view})


async def edit_item_form(request: Request) -> Response:
    form = await request.form()
    async with db_of(request).transaction() as tx:
        item = await minutes_drafts.edit_item_record(
            tx,
            actor_of(request),
            item_id=int_param(request, "item"),
            discussion_notes=_text(form.get("discussion_notes"), "discussion_notes"),
            conclusion=_text(form.get("conclusion"), "conclusion"),
        )
    return RedirectResponse(f"/meetings/{item.meeting_id}/minutes#item-{item.id}", status_code=303)


async def draft_form(request: Request) -> Response:
    form = await request.form()
    meeting_id = int_param(request, "meeting")
    async with db_of(request).transaction() as tx:
        await minutes_drafts.render_draft(
            tx,
            settings_of(request),
            actor_of(request),
            meeting_id=meeting_id,
            locale=str(form.get("language") or "vi"),
        )
    return RedirectResponse(f"/meetings/{meeting_id}/minutes", status_code=303)


async def _download(request: Request, document: str) -> Response:
    async with db_of(request).transaction() as tx:
        data, name = await minutes_signing.download(
            tx,
            settings_of(request),
            actor_of(request),
            meeting_id=int_param(request, "meeting"),
            document=document,
        )
    return Response(
        data,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "private, no-store",
        },
    )


async def minutes_pdf(request: Request) -> Response:
    return await _download(request, "minutes")


async def notice_pdf(request: Request) -> Response:
    return await _download(request, "notice")


async def verify_page(request: Request) -> Response:
    return render(request, "minutes_verify.html", {"report": None})


async def verify_upload(request: Request) -> Response:
    """Verify an uploaded PDF. Anyone may: so it is bounded in rate per client address, in
    size while it streams in (each file and the whole form: never more is held), and in
    time and memory (a worker process of its own)."""
    settings = settings_of(request)
    limiter: RateLimiter = request.app.state.verify_limiter
    if not limiter.allow(client_of(request).address):
        raise VerifyRateLimited(
            "Too many verifications from this address. Wait a minute and try again."
        )
    header_token = request.headers.get(csrf.HEADER)
    if header_token is not None:
        csrf.check_token(request, header_token, settings.session_secret)
    parts = await read_parts(
        request,
        {
            csrf.FORM_FIELD: CSRF_FIELD_BYTES,
            "pdf": settings.verify_max_bytes,
            "keys": settings.verify_max_bytes,
        },
        total=settings.verify_max_bytes + FORM_OVERHEAD,
    )
    if header_token is None:
        token = parts.get(csrf.FORM_FIELD)
        csrf.check_token(
            request,
            None if token is None else token.data.decode("latin-1"),
            settings.session_secret,
        )
    upload, keys = parts.get("pdf"), parts.get("keys")
    if upload is None or upload.filename is None or not upload.data:
        raise ValidationFailed("Choose the PDF file to check.")
    data, name = bytes(upload.data), upload.filename
    register = bytes(keys.data) if keys is not None and keys.filename else None
    del parts, upload, keys
    if not data.startswith(b"%PDF-"):
        raise UnsupportedMediaType("This file is not a PDF.")
    pool: WorkerPool = request.app.state.verify_pool
    try:
        report = await pool.run(
            verify_job.verify_upload,
            data,
            settings.minutes_trust_roots,
            name[:200],
            register,
            seconds=settings.verify_timeout_seconds,
        )
    except JobFailed as failed:
        log.info("verification could not read an upload: %r", failed.cause)
        raise ValidationFailed(
            "This PDF could not be read: it is damaged, or it is not "
            "minutes or a notice made by e-Cabinet."
        ) from None
    gettext = page_context(request)["_"]
    # A file that does not verify is a well-formed request about an unacceptable document.
    return render(
        request,
        "minutes_verify.html",
        {"report": report_view(report, gettext)},
        status=200 if report.ok else 422,
    )


async def key_register_pdf(request: Request) -> Response:
    """The body's newest member key register, for anyone who may verify minutes: public
    keys and names, nothing secret. A signed-in member of the body also gets a revision
    published first if the keys changed since; anyone else gets the stored one, which costs
    no signature."""
    body_id = int_param(request, "body")
    async with db_of(request).transaction() as tx:
        data = await key_register.register_for(tx, settings_of(request), actor_of(request), body_id)
    return _register_response(data, f"key-register-{body_id}.pdf")


async def key_register_revision_pdf(request: Request) -> Response:
    """One published revision of the register, for anyone: to check a chain of them."""
    body_id, revision = int_param(request, "body"), int_param(request, "revision")
    async with db_of(request).transaction() as tx:
        data = await key_register.revision_pdf(tx, body_id, revision)
    return _register_response(data, f"key-register-{body_id}-r{revision}.pdf")


def _register_response(data: bytes, name: str) -> Response:
    return Response(
        data,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-cache",
        },
    )


def report_view(report: Report, gettext: Any) -> dict[str, Any]:
    return {
        "ok": report.ok,
        "file_name": report.file_name,
        "sha256": report.file_sha256,
        "problems": len(report.problems),
        "sections": [
            {
                "title": gettext(s.title),
                "ok": s.ok,
                "findings": [{"ok": f.ok, "text": f.text(gettext)} for f in s.findings],
            }
            for s in report.sections
        ],
    }


# --- JSON API ---------------------------------------------------------------------------


async def api_status(request: Request) -> Response:
    """The state of a meeting's minutes: stage, hashes, approval and signatures."""
    async with db_of(request).transaction() as tx:
        view = await minutes_view.workspace(
            tx, actor_of(request), meeting_id=int_param(request, "meeting")
        )
    return JSONResponse(minutes_as_json(view))


@takes(ItemRecord)
async def api_edit_item(request: Request) -> Response:
    """Set an item's discussion notes and the chair's conclusion (secretariat)."""
    body = await parsed(request, ItemRecord)
    async with db_of(request).transaction() as tx:
        item = await minutes_drafts.edit_item_record(
            tx,
            actor_of(request),
            item_id=int_param(request, "item"),
            discussion_notes=body.discussion_notes,
            conclusion=body.conclusion,
        )
    return JSONResponse(
        {"item": item.id, "discussionNotes": item.discussion_notes, "conclusion": item.conclusion}
    )


@takes(DraftLanguage)
async def api_draft(request: Request) -> Response:
    """Render the draft minutes and conclusion notice from the recorded session.

    Body: {"language": "vi" | "en"}. Replaces an earlier draft and withdraws its approval.
    """
    body = await parsed(request, DraftLanguage)
    meeting_id = int_param(request, "meeting")
    async with db_of(request).transaction() as tx:
        await minutes_drafts.render_draft(
            tx, settings_of(request), actor_of(request), meeting_id=meeting_id, locale=body.language
        )
        view = await minutes_view.workspace(tx, actor_of(request), meeting_id=meeting_id)
    return JSONResponse(minutes_as_json(view), status_code=201)


async def api_approval_options(request: Request) -> Response:
    """Passkey request options whose challenge is SHA-256 of the draft PDF (the chair)."""
    async with db_of(request).transaction() as tx:
        options = await minutes_signing.approval_options(
            tx,
            settings_of(request),
            actor_of(request),
            meeting_id=int_param(request, "meeting"),
            client=client_of(request),
        )
    return JSONResponse(options)


@takes(PasskeyAnswer)
async def api_approve(request: Request) -> Response:
    """The chair approves the draft with the passkey assertion over its hash."""
    body = await parsed(request, PasskeyAnswer)
    async with db_of(request).transaction() as tx:
        row = await minutes_signing.approve(
            tx,
            settings_of(request),
            actor_of(request),
            meeting_id=int_param(request, "meeting"),
            credential=body.credential.model_dump(),
        )
    return JSONResponse({"state": row.state, "draftSha256": row.draft_sha256})


@takes(SignerRole)
async def api_signature_options(request: Request) -> Response:
    """Passkey request options for one signing step, {"as": "secretary" | "chair"}: the
    challenge is SHA-256 of the canonical JSON {"purpose": "ecabinet-minutes-signature",
    "minutesId", "role", "minutesSha256", "noticeSha256"} naming the PDFs to be signed."""
    body = await parsed(request, SignerRole)
    async with db_of(request).transaction() as tx:
        options = await minutes_signing.signature_options(
            tx,
            settings_of(request),
            actor_of(request),
            meeting_id=int_param(request, "meeting"),
            role=body.role,
            client=client_of(request),
        )
    return JSONResponse(options)


@takes(Signature)
async def api_sign(request: Request) -> Response:
    """Sign the minutes and the notice (PAdES): {"as": "secretary", "credential": ...},
    then {"as": "chair", "credential": ...}, each with the signer's own passkey assertion
    answering .../signatures/options. A session alone is refused."""
    body = await parsed(request, Signature)
    credential = body.credential.model_dump() if body.credential else None
    async with db_of(request).transaction() as tx:
        row = await minutes_signing.sign(
            tx,
            settings_of(request),
            actor_of(request),
            meeting_id=int_param(request, "meeting"),
            role=body.role,
            credential=credential,
        )
    return JSONResponse(
        {
            "state": row.state,
            "signedSha256": row.signed_sha256 or None,
            "secretarySha256": row.secretary_sha256 or None,
        },
        status_code=201,
    )


def routes() -> list[BaseRoute]:
    return [
        page("/meetings/{meeting}/minutes", minutes_page),
        page("/meetings/{meeting}/minutes/draft", draft_form, methods=["POST"]),
        page("/meetings/{meeting}/minutes/items/{item}", edit_item_form, methods=["POST"]),
        page("/meetings/{meeting}/minutes.pdf", minutes_pdf),
        page("/meetings/{meeting}/notice.pdf", notice_pdf),
        page("/bodies/{body}/key-register.pdf", key_register_pdf, public=True),
        page("/bodies/{body}/key-register/{revision}.pdf", key_register_revision_pdf, public=True),
        page("/minutes/verify", verify_page, public=True),
        streamed_form("/minutes/verify", verify_upload, public=True),
        api("/api/meetings/{meeting}/minutes", api_status),
        api("/api/items/{item}/record", api_edit_item, methods=["PUT"]),
        api("/api/meetings/{meeting}/minutes/draft", api_draft, methods=["POST"]),
        api(
            "/api/meetings/{meeting}/minutes/approval/options",
            api_approval_options,
            methods=["POST"],
        ),
        api("/api/meetings/{meeting}/minutes/approval", api_approve, methods=["POST"]),
        api(
            "/api/meetings/{meeting}/minutes/signatures/options",
            api_signature_options,
            methods=["POST"],
        ),
        api("/api/meetings/{meeting}/minutes/signatures", api_sign, methods=["POST"]),
    ]
