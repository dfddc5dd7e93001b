"""The JSON shapes of what the actions return, for the API (the actions return objects,
never JSON)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..actions import positions
from ..actions.matrix import Matrix
from ..actions.minutes_view import Workspace
from ..auth.actor import Actor
from ..models import NotificationPreference, Poll
from ..notices.schedule import format_hhmm
from ..reports import PollTally, QuestionState, outcome_of
from ..vocab import NoticeKind


def poll_as_json(state: PollTally, actor: Actor, *, sentence: Any) -> dict[str, Any]:
    """``sentence``: (Outcome, the question's options) -> the words that say which rule
    decided."""
    poll = state.poll
    seat = actor.seat(poll.body_id)
    mine = None if seat is None else seat.id
    return {
        "id": poll.id,
        "kind": poll.kind,
        "title": poll.title,
        "description": poll.description,
        "state": poll.state,
        "secret": poll.secret,
        "options": poll.options,
        "electorate": poll.electorate,
        "deadline": poll.deadline.isoformat() if poll.deadline else None,
        "openedAt": poll.opened_at.isoformat() if poll.opened_at else None,
        "closedAt": poll.closed_at.isoformat() if poll.closed_at else None,
        "closing": state.closing,
        "rules": poll.rules or None,
        "questions": [_question_json(state, q, mine, sentence) for q in state.questions],
    }


def hides_choices(poll: Poll) -> bool:
    """While a secret poll is open, nobody sees how the answers so far divide: a running
    count per choice, watched as each member answers, would tell who chose what. Only how
    many answered is shown until it closes."""
    return bool(poll.secret) and poll.state == "open"


def _question_json(
    state: PollTally, question: QuestionState, mine: int | None, sentence: Any
) -> dict[str, Any]:
    tally = question.tally
    outcome = outcome_of(question.question)
    own = question.ballot_of(mine) if mine is not None else None
    return {
        "id": question.question.id,
        "ordinal": question.question.ordinal,
        "text": question.question.text,
        # A "choose one option" question's options ({"key", "label", "label_en"}); the
        # ballots' choices are their keys or abstain.
        "options": question.question.options,
        "counts": {
            **(
                {"for": None, "against": None, "abstain": None}
                if hides_choices(state.poll)
                else {"for": tally.for_, "against": tally.against, "abstain": tally.abstain}
            ),
            **(
                {}
                if hides_choices(state.poll) or not question.question.options
                else {
                    o["key"]: sum(b.choice == o["key"] for b in question.ballots)
                    for o in question.question.options
                }
            ),
            "answered": len(question.ballots),
            "silent": max((state.poll.electorate or 0) - len(question.ballots), 0),
        },
        "outcome": None
        if outcome is None
        else {
            **(question.question.outcome or {}),
            "sentence": sentence(outcome, question.question.options),
        },
        "myBallot": None
        if own is None
        else {"choice": own.choice, "receipt": own.receipt, "castAt": own.cast_at.isoformat()},
    }


def matrix_as_json(view: Matrix) -> dict[str, object]:
    return {
        "meeting": {
            "id": view.meeting.id,
            "title": view.meeting.title,
            "deadline": positions.deadline_of(view.meeting).isoformat(),
            "frozen": view.frozen,
            "triagedAt": view.meeting.triaged_at.isoformat() if view.meeting.triaged_at else None,
        },
        "members": [
            {
                "membership": m.seat.id,
                "person": m.seat.person_id,
                "name": m.name,
                "title": m.seat.title,
                "role": m.seat.role,
            }
            for m in view.members
        ],
        "items": [
            {
                "id": i.id,
                "ordinal": i.ordinal,
                "title": i.title,
                "status": i.status,
                "reason": i.status_reason,
                "counts": view.counts[i.id].as_dict() if i.id in view.counts else {},
                "missing": [m.seat.id for m in view.missing_for(i)],
            }
            for i in view.items
        ],
        "cells": [
            {
                "item": p.item_id,
                "membership": p.membership_id,
                "stance": p.stance,
                "text": p.text,
                "submittedAt": p.submitted_at.isoformat() if p.submitted_at else None,
            }
            for p in view.cells.values()
        ],
        "responseRate": {
            "answered": view.answered,
            "total": view.total_cells,
            "over_time": [{"at": at.isoformat(), "answered": n} for at, n in view.timeline],
        },
    }


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def minutes_as_json(view: Workspace) -> dict[str, Any]:
    minutes = view.minutes
    return {
        "meeting": view.meeting.id,
        "state": minutes.state,
        "language": minutes.language,
        "draftSha256": minutes.draft_sha256 or None,
        "secretarySha256": minutes.secretary_sha256 or None,
        "signedSha256": minutes.signed_sha256 or None,
        "noticeSignedSha256": minutes.notice_signed_sha256 or None,
        "evidenceSha256": minutes.evidence_sha256 or None,
        "auditHead": minutes.audit_head or None,
        "approvedBy": view.approved_by or None,
        "approvedAt": _iso(minutes.approved_at),
        "secretarySignedAt": _iso(minutes.secretary_signed_at),
        "chairSignedAt": _iso(minutes.chair_signed_at),
    }


def preferences_as_json(pref: NotificationPreference, default_leads: list[int]) -> dict[str, Any]:
    return {
        "email": pref.email,
        "emailDigest": pref.email_digest,
        "digestHour": pref.digest_hour,
        "push": pref.push,
        "muted": list(pref.muted),
        "quietStart": format_hhmm(pref.quiet_start),
        "quietEnd": format_hhmm(pref.quiet_end),
        "leadHours": list(pref.lead_hours) or list(default_leads),
        "kinds": [{"kind": k.value, "silenceable": k.silenceable} for k in NoticeKind],
    }
