"""Request bodies of the meeting and document API, for /api/openapi.json."""

from __future__ import annotations

from typing import Any

from ..vocab import Classification, ItemKind, MeetingForm, MeetingKind

LEVELS = {"enum": [level.name.lower() for level in Classification]}
WHEN = {"type": "string", "format": "date-time",
        "description": "ISO 8601; without an offset, in the server's time zone."}
MEETING = {"type": "object", "properties": {
    "title": {"type": "string", "maxLength": 255},
    "kind": {"enum": [kind.value for kind in MeetingKind]},
    "form": {"enum": [form.value for form in MeetingForm]},
    "place": {"type": "string", "maxLength": 255},
    "startsAt": WHEN, "opinionDeadline": WHEN}}
ITEM = {"type": "object", "properties": {
    "title": {"type": "string", "maxLength": 500}, "titleEn": {"type": "string"},
    "kind": {"enum": [kind.value for kind in ItemKind]},
    "presenter": {"type": "string"}, "summary": {"type": "string"}}}
FILE = {"type": "string", "format": "binary",
        "description": "PDF; DOCX, XLSX, PNG or JPEG as attachments. Typed by content."}

JSON = "application/json"
FORM = "multipart/form-data"
PACKET_BODIES: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {
    ("POST", "/api/bodies/{body_id}/meetings"): (JSON, {**MEETING,
                                                        "required": ["title", "startsAt"]}),
    ("PATCH", "/api/meetings/{meeting_id}"): (JSON, MEETING),
    ("POST", "/api/meetings/{meeting_id}/items"): (JSON, {**ITEM, "required": ["title"]}),
    ("PATCH", "/api/items/{item_id}"): (JSON, ITEM),
    ("POST", "/api/meetings/{meeting_id}/agenda/order"): (JSON, {
        "type": "object", "required": ["itemIds"],
        "properties": {"itemIds": {"type": "array", "items": {"type": "integer"}}}}),
    ("POST", "/api/items/{item_id}/guests"): (JSON, {"type": "object", "properties": {
        "name": {"type": "string"}, "affiliation": {"type": "string"},
        "email": {"type": "string", "format": "email"}}}),
    ("PATCH", "/api/documents/{document_id}"): (JSON, {"type": "object", "properties": {
        "title": {"type": "string"}, "classification": LEVELS, "basis": {"type": "string"}}}),
    ("PATCH", "/api/bodies/{body_id}/document-policy"): (JSON, {
        "type": "object", "required": ["maxClassification", "offlineMaxClassification"],
        "properties": {"maxClassification": LEVELS, "offlineMaxClassification": LEVELS}}),
    ("POST", "/api/items/{item_id}/documents"): (FORM, {
        "type": "object", "required": ["file"], "properties": {
            "file": FILE, "title": {"type": "string"}, "classification": LEVELS,
            "basis": {"type": "string"}, "note": {"type": "string"}}}),
    ("POST", "/api/documents/{document_id}/versions"): (FORM, {
        "type": "object", "required": ["file", "note"], "properties": {
            "file": FILE, "note": {"type": "string"}}}),
}
