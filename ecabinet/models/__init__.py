"""SQLModel tables, one module per aggregate. Importing this package registers them all."""

from sqlmodel import SQLModel

from .annotations import Annotation, ItemNote
from .audit import AuditEvent, AuditHead
from .base import utcnow
from .bodies import AttestationRoot, Body, BodyCounter, KeyRegisterRevision, rules_of
from .deliberation import Comment, Position, PositionRevision
from .displays import DisplaySeat
from .documents import BlobChunk, Document, DocumentReading, DocumentVersion, StoredBlob
from .followup import AttendancePlan, CalendarFeed, FollowUpTask, TaskUpdate
from .live import LiveConnection
from .meetings import AgendaItem, Attendance, ItemGuest, Meeting
from .minutes import Minutes
from .notices import (
    Notification,
    NotificationDelivery,
    NotificationPreference,
    PushSubscription,
)
from .people import (
    Enrollment,
    LoginSession,
    Membership,
    PasskeyCredential,
    Person,
    WebAuthnChallenge,
)
from .polls import Ballot, Poll, PollAttachment, PollQuestion
from .recovery import PasskeyQuarantine, Recovery, RecoveryApproval
from .recusals import Recusal
from .search import SearchEntry
from .speakers import SpeakerRequest

metadata = SQLModel.metadata

__all__ = [
    "AgendaItem",
    "Annotation",
    "Attendance",
    "AttendancePlan",
    "AttestationRoot",
    "AuditEvent",
    "AuditHead",
    "Ballot",
    "BlobChunk",
    "Body",
    "BodyCounter",
    "CalendarFeed",
    "Comment",
    "DisplaySeat",
    "Document",
    "DocumentReading",
    "DocumentVersion",
    "Enrollment",
    "FollowUpTask",
    "ItemGuest",
    "ItemNote",
    "KeyRegisterRevision",
    "LiveConnection",
    "LoginSession",
    "Meeting",
    "Membership",
    "Minutes",
    "Notification",
    "NotificationDelivery",
    "NotificationPreference",
    "PasskeyCredential",
    "PasskeyQuarantine",
    "Person",
    "Poll",
    "PollAttachment",
    "PollQuestion",
    "Position",
    "PositionRevision",
    "PushSubscription",
    "Recovery",
    "RecoveryApproval",
    "Recusal",
    "SearchEntry",
    "SpeakerRequest",
    "StoredBlob",
    "TaskUpdate",
    "WebAuthnChallenge",
    "metadata",
    "rules_of",
    "utcnow",
]
