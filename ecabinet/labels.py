"""Display names of the meeting and document vocabularies, as English msgids.

Pages translate them at rendering; the API sends the stable codes beside them.
"""

from __future__ import annotations

from .events import EventKind
from .i18n import N_
from .vocab import Classification, ItemKind, MeetingForm, MeetingKind, MeetingState

CLASSIFICATION = {
    Classification.PUBLIC: N_("Public"),
    Classification.INTERNAL: N_("Internal"),
    Classification.MAT: N_("Confidential (Mật)"),
    Classification.TOI_MAT: N_("Secret (Tối mật)"),
    Classification.TUYET_MAT: N_("Top secret (Tuyệt mật)"),
}
# Inside refusal messages, whose parameters are not translated: names that read the same
# in both languages (the legal terms for the secret levels are Vietnamese in both).
LEVEL_NAMES = {
    Classification.PUBLIC: "Public / Công khai",
    Classification.INTERNAL: "Internal / Nội bộ",
    Classification.MAT: "Mật",
    Classification.TOI_MAT: "Tối mật",
    Classification.TUYET_MAT: "Tuyệt mật",
}
MEETING_STATE = {
    MeetingState.DRAFT: N_("Draft"),
    MeetingState.PUBLISHED: N_("Published"),
    MeetingState.IN_SESSION: N_("In session"),
    MeetingState.CLOSED: N_("Closed"),
}
MEETING_KIND = {
    MeetingKind.REGULAR: N_("Regular session"),
    MeetingKind.EXTRAORDINARY: N_("Extraordinary session"),
    MeetingKind.THEMATIC: N_("Thematic session"),
}
MEETING_FORM = {
    MeetingForm.IN_PERSON: N_("In person"),
    MeetingForm.ONLINE: N_("Online"),
    MeetingForm.MIXED: N_("In person and online"),
}
ITEM_KIND = {
    ItemKind.DECISION: N_("For decision"),
    ItemKind.DISCUSSION: N_("For discussion"),
    ItemKind.REPORT: N_("Report"),
}

# What static/js/notices.js shows, on any page, for a notice the hub sends to a person:
# the text, and the page it links to (``{name}`` is filled from the message's ``meeting``
# or from its data). Every kind whose audience gets notices needs a row (a test checks).
NOTICES: dict[EventKind, tuple[str, str]] = {
    EventKind.MEETING_UPDATED: (N_("A meeting's details changed."), "/meetings/{meeting}"),
    EventKind.MEETING_PUBLISHED: (N_("A meeting was published."), "/meetings/{meeting}"),
    EventKind.MEETING_SESSION_OPENED: (
        N_("A meeting's session has opened."),
        "/meetings/{meeting}/live",
    ),
    EventKind.MEETING_CLOSED: (N_("A meeting was closed."), "/meetings/{meeting}"),
    EventKind.AGENDA_CHANGED: (N_("A meeting's agenda changed."), "/meetings/{meeting}"),
    EventKind.DOCUMENT_ADDED: (N_("A document was added to a meeting."), "/meetings/{meeting}"),
    EventKind.DOCUMENT_CHANGED: (
        N_("A new version of a meeting document is available."),
        "/meetings/{meeting}",
    ),
    EventKind.DOCUMENT_AMENDED: (
        N_("A meeting document was renamed or reclassified."),
        "/meetings/{meeting}",
    ),
    EventKind.NOTIFICATION_CREATED: (N_("You have a new notification."), "/notifications"),
    EventKind.POLL_APPROVED: (N_("A written poll was approved."), "/polls/{poll_id}"),
    EventKind.POLL_SENT: (N_("A written poll was sent to the members."), "/polls/{poll_id}"),
    EventKind.POLL_CANCELLED: (N_("A written poll was cancelled."), "/polls/{poll_id}"),
    EventKind.POLL_CLOSED: (N_("A written poll is decided."), "/polls/{poll_id}"),
    EventKind.AGENDA_TRIAGED: (N_("A meeting's agenda was triaged."), "/meetings/{meeting}/triage"),
    EventKind.AGENDA_ITEM_STATUS: (
        N_("An agenda item moved between the consent block and discussion."),
        "/meetings/{meeting}/triage",
    ),
    EventKind.COMMENT_ADDED: (N_("A comment was added to a draft."), ""),
    EventKind.COMMENT_REPLIED: (N_("A comment on a draft was answered in its thread."), ""),
    EventKind.COMMENT_RESOLVED: (N_("A comment on a draft was answered."), ""),
    EventKind.POSITION_CHANGED: (
        N_("A member's written position changed."),
        "/meetings/{meeting_id}/matrix",
    ),
}


def classification_code(level: int) -> str:
    """The API's name for a level: public, internal, mat, toi_mat, tuyet_mat."""
    return Classification(level).name.lower()


def classification_from_code(code: str) -> Classification | None:
    try:
        return Classification[code.strip().upper()]
    except KeyError:
        return None
