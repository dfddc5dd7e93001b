"""Request bodies of the positions, triage, written-poll and comment routes, for
/api/openapi.json (merged into openapi.REQUEST_BODIES)."""

from __future__ import annotations

from typing import Any

TEXT = {"type": "string"}
POSITION = {"type": "object", "required": ["stance"], "properties": {
    "stance": {"enum": ["agree", "agree_with_comments", "disagree", "discuss"]},
    "text": {"type": "string", "maxLength": 20000,
             "description": "Required for all but \"agree\"."}}}

BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("PUT", "/api/items/{item_id:int}/positions/me"): {**POSITION, "properties": {
        **POSITION["properties"], "basedOn": {  # type: ignore[dict-item]
            "type": "string", "description": "Written offline: the updatedAt of the "
            "position shown then, \"\" if none; 409 if it changed since."}}},
    ("PUT", "/api/items/{item_id:int}/positions/{member_id:int}/draft"): POSITION,
    ("POST", "/api/items/{item_id:int}/move"): {
        "type": "object", "required": ["to", "reason"], "properties": {
            "to": {"enum": ["consent", "contested"]}, "reason": TEXT}},
    ("POST", "/api/items/{item_id:int}/pull"): {
        "type": "object", "properties": {"reason": TEXT}},
    ("PUT", "/api/memberships/{membership_id:int}/assists"): {
        "type": "object", "required": ["member"], "properties": {
            "member": {"type": ["integer", "null"]}}},
    ("POST", "/api/me/notifications/read"): {
        "type": "object", "properties": {"id": {"type": "integer"}}},
    ("POST", "/api/bodies/{body_id:int}/polls"): {
        "type": "object", "required": ["title", "questions"], "properties": {
            "title": TEXT, "questions": {"type": "array", "items": TEXT, "minItems": 1},
            "description": TEXT, "deadline": {"type": "string", "format": "date-time"},
            "secret": {"type": "boolean"},
            "documents": {"type": "array", "items": {"type": "integer"}}}},
    ("POST", "/api/polls/{poll}/cancel"): {
        "type": "object", "required": ["reason"], "properties": {"reason": TEXT}},
    ("POST", "/api/versions/{version_id:int}/comments"): {
        "type": "object", "required": ["text"], "properties": {
            "text": TEXT, "page": {"type": "integer", "minimum": 1}, "quote": TEXT,
            "clientId": {"type": "string", "pattern": "^[A-Za-z0-9_-]{8,64}$"}}},
    ("POST", "/api/comments/{comment_id:int}/replies"): {
        "type": "object", "required": ["text"], "properties": {"text": TEXT}},
    ("POST", "/api/comments/{comment_id:int}/resolution"): {
        "type": "object", "required": ["resolution", "response"], "properties": {
            "resolution": {"enum": ["accepted", "explained"]}, "response": TEXT}},
}
