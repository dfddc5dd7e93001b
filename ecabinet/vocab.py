"""The fixed vocabularies of the domain, stored as their string values."""

from __future__ import annotations

from enum import IntEnum, StrEnum


class Role(StrEnum):
    CHAIR = "chair"
    MEMBER = "member"
    SECRETARIAT = "secretariat"
    OBSERVER = "observer"
    ADMIN = "admin"


class Classification(IntEnum):
    """Document classification, ordered so that a clearance compares with a level."""

    PUBLIC = 0
    INTERNAL = 1
    MAT = 2  # Mật, confidential
    TOI_MAT = 3  # Tối mật, secret
    TUYET_MAT = 4  # Tuyệt mật, top secret


class MeetingKind(StrEnum):
    REGULAR = "regular"
    EXTRAORDINARY = "extraordinary"
    THEMATIC = "thematic"


class MeetingForm(StrEnum):
    IN_PERSON = "in_person"
    ONLINE = "online"
    MIXED = "mixed"


class MeetingState(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    IN_SESSION = "in_session"
    CLOSED = "closed"


class ItemKind(StrEnum):
    DECISION = "decision"
    DISCUSSION = "discussion"
    REPORT = "report"


class ItemStatus(StrEnum):
    PENDING = "pending"
    CONSENT = "consent"
    CONTESTED = "contested"
    ADOPTED = "adopted"
    REJECTED = "rejected"
    CONCLUDED = "concluded"
    DEFERRED = "deferred"


class Stance(StrEnum):
    AGREE = "agree"
    AGREE_WITH_COMMENTS = "agree_with_comments"
    DISAGREE = "disagree"
    DISCUSS = "discuss"


class PollKind(StrEnum):
    LIVE = "live"
    WRITTEN = "written"


class PollState(StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"
    OPEN = "open"
    CLOSED = "closed"
    CANCELLED = "cancelled"
    # A live vote the chair annulled with a reason: its ballots are kept, not counted.
    ANNULLED = "annulled"


class Choice(StrEnum):
    FOR = "for"
    AGAINST = "against"
    ABSTAIN = "abstain"


class AttendanceMode(StrEnum):
    ROOM = "room"
    REMOTE = "remote"
    ABSENT = "absent"


class TieBreak(StrEnum):
    CHAIR_SIDE = "chair_side"
    FAILS = "fails"


class ThresholdBase(StrEnum):
    ALL_MEMBERS = "all_members"
    PRESENT = "present"
    VOTES_CAST = "votes_cast"


class SilencePolicy(StrEnum):
    NOT_A_VOTE = "not_a_vote"
    AGREE = "agree"


class RevotePolicy(StrEnum):
    UNTIL_CLOSE = "until_close"
    ONCE = "once"


class MinutesState(StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"
    SIGNED_BY_SECRETARY = "signed_by_secretary"
    SIGNED = "signed"


class NoticeKind(StrEnum):
    """What a notification is about; a person may mute any kind outside the app except the
    account-security ones."""

    PACKET_PUBLISHED = "packet.published"
    DOCUMENT_CHANGED = "document.changed"
    COMMENT_ANSWERED = "comment.answered"
    POSITION_DRAFT = "position.draft"
    POSITIONS_REMINDER = "positions.reminder"
    POLL_SENT = "poll.sent"
    POLL_REMINDER = "poll.reminder"
    POLL_DECIDED = "poll.decided"
    VOTE_OPENED = "vote.opened"
    MINUTES_READY = "minutes.ready"
    MINUTES_REMINDER = "minutes.reminder"
    MINUTES_SIGNED = "minutes.signed"
    TASK_ASSIGNED = "task.assigned"
    TASK_UPDATED = "task.updated"
    TASK_REMINDER = "task.reminder"
    TASK_OVERDUE = "task.overdue"
    ACCOUNT_DEVICE = "account.device"
    ACCOUNT_RECOVERY = "account.recovery"

    @property
    def silenceable(self) -> bool:
        return not self.value.startswith("account.")


class DeliveryChannel(StrEnum):
    EMAIL = "email"
    PUSH = "push"


class DeliveryState(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class PlannedAttendance(StrEnum):
    ATTEND = "attend"
    REMOTE = "remote"
    APOLOGIES = "apologies"


class TaskState(StrEnum):
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


class SpeechKind(StrEnum):
    """What a member asks the floor for (danh sách phát biểu)."""

    SPEAK = "speak"
    POINT_OF_ORDER = "point_of_order"
    REPLY = "reply"


class SpeechState(StrEnum):
    WAITING = "waiting"
    SPEAKING = "speaking"
    SPOKE = "spoke"
    WITHDRAWN = "withdrawn"
    # Still waiting when the item was concluded or the session closed.
    LAPSED = "lapsed"
