"""SQLModel tables, one module per aggregate. Importing this package registers them all."""

from sqlmodel import SQLModel

from .audit import AuditEvent, AuditHead
from .base import utcnow
from .bodies import Body, BodyCounter, rules_of
from .deliberation import Comment, Position, PositionRevision
from .documents import Document, DocumentVersion, StoredBlob
from .meetings import AgendaItem, Attendance, ItemGuest, Meeting
from .minutes import Minutes
from .people import (
    Enrollment,
    LoginSession,
    Membership,
    PasskeyCredential,
    Person,
    WebAuthnChallenge,
)
from .polls import Ballot, Poll, PollQuestion

metadata = SQLModel.metadata

__all__ = [
    "AgendaItem",
    "Attendance",
    "AuditEvent",
    "AuditHead",
    "Ballot",
    "Body",
    "BodyCounter",
    "Comment",
    "Document",
    "DocumentVersion",
    "Enrollment",
    "ItemGuest",
    "LoginSession",
    "Meeting",
    "Membership",
    "Minutes",
    "PasskeyCredential",
    "Person",
    "Poll",
    "PollQuestion",
    "Position",
    "PositionRevision",
    "StoredBlob",
    "WebAuthnChallenge",
    "metadata",
    "rules_of",
    "utcnow",
]
