"""The JSON shapes of meetings, items, documents and versions (camelCase, like the rest
of the API). Codes, not labels: a client shows them in its own language."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..actions.meeting_states import allowed_changes
from ..actions.meetings import PacketWarning
from ..actions.packet_rows import DocumentRow, GuestRow, VersionRow
from ..actions.packets import DocumentView, ItemView, MeetingView
from ..labels import classification_code
from ..models import Document, DocumentVersion, ItemGuest, Meeting


def iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def version_json(
    version: DocumentVersion | VersionRow, document: Document | DocumentRow
) -> dict[str, Any]:
    return {
        "id": version.id,
        "documentId": version.document_id,
        "number": version.number,
        "classification": classification_code(document.classification),
        "sha256": version.sha256,
        "size": version.size,
        "mediaType": version.media_type,
        "filename": version.filename,
        "pageCount": version.page_count,
        "changeNote": version.change_note,
        "uploadedAt": iso(version.uploaded_at),
        "url": f"/api/versions/{version.id}/file",
        "viewerUrl": f"/versions/{version.id}",
        "pageUrl": (f"/api/versions/{version.id}/pages/{{n}}.png" if version.page_count else None),
    }


def document_json(
    document: Document | DocumentRow,
    versions: list[DocumentVersion] | list[VersionRow] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": document.id,
        "itemId": document.item_id,
        "title": document.title,
        "classification": classification_code(document.classification),
        "classificationLevel": document.classification,
        "classificationBasis": document.classification_basis,
        "classifiedAt": iso(document.classified_at),
    }
    if versions is not None:
        body["versions"] = [version_json(v, document) for v in versions]
    return body


def document_view_json(view: DocumentView) -> dict[str, Any]:
    body = document_json(
        view.document, view.versions if view.readable and not view.recalled else None
    )
    body.update(
        {
            "readable": view.readable,
            "recalled": view.recalled,
            "unread": view.state.unread,
            "changed": view.state.changed,
            "lastOpenedVersion": view.state.seen,
        }
    )
    return body


def guest_json(guest: ItemGuest | GuestRow) -> dict[str, Any]:
    return {
        "id": guest.id,
        "name": guest.name,
        "affiliation": guest.affiliation,
        "personId": guest.person_id,
    }


def item_json(view: ItemView) -> dict[str, Any]:
    item = view.item
    return {
        "id": item.id,
        "ordinal": item.ordinal,
        "title": item.title,
        "titleEn": item.title_en,
        "presenter": item.presenter,
        "summary": item.summary,
        "kind": item.kind,
        "status": item.status,
        "changed": view.changed,
        "guests": [guest_json(g) for g in view.guests],
        "documents": [document_view_json(d) for d in view.documents],
    }


def meeting_json(meeting: Meeting) -> dict[str, Any]:
    return {
        "id": meeting.id,
        "bodyId": meeting.body_id,
        "number": meeting.number,
        "title": meeting.title,
        "kind": meeting.kind,
        "form": meeting.form,
        "place": meeting.place,
        "startsAt": iso(meeting.starts_at),
        "opinionDeadline": iso(meeting.opinion_deadline),
        "state": meeting.state,
        "publishedAt": iso(meeting.published_at),
        "openedAt": iso(meeting.opened_at),
        "closedAt": iso(meeting.closed_at),
        "seq": meeting.event_seq,
        "url": f"/api/meetings/{meeting.id}",
    }


def meeting_view_json(view: MeetingView) -> dict[str, Any]:
    body = meeting_json(view.meeting)
    body["items"] = [item_json(item) for item in view.items]
    if view.access.prepares:
        body["allowedChanges"] = allowed_changes(view.meeting)
    return body


def warning_json(warning: PacketWarning, translate: Any) -> dict[str, Any]:
    return {"code": warning.code, "detail": translate(warning.message, **warning.params)}
