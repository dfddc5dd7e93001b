"""Display names of the meeting and document vocabularies, as English msgids.

Pages translate them at rendering; the API sends the stable codes beside them.
"""

from __future__ import annotations

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


def classification_code(level: int) -> str:
    """The API's name for a level: public, internal, mat, toi_mat, tuyet_mat."""
    return Classification(level).name.lower()


def classification_from_code(code: str) -> Classification | None:
    try:
        return Classification[code.strip().upper()]
    except KeyError:
        return None
