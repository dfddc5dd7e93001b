"""The minutes (biên bản) of a session as a PDF, in Vietnamese or in English.

``render_minutes`` lays out the record with reportlab and reports where the two signature
boxes landed; ``ecabinet.minutes.pdfdoc.prepare`` then adds the empty signature fields and
the evidence file, so that both signatures can later be added without invalidating each
other.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from xml.sax.saxutils import escape

from reportlab.platypus import Flowable, KeepTogether, Spacer

from ..pdf.fonts import nfc
from .evidence import FILE_NAME
from .issuer import minutes_number, place_and_date
from .labels import FORMS, KINDS, MODES, SPEECH_KINDS, STANCES, STATUSES, Words
from .layout import (
    FieldPlacement,
    Heading,
    Signatory,
    SignatureBlock,
    build,
    national_heading,
    para,
    paragraphs,
    recipients,
)
from .record import ItemRecord, MinutesRecord, Presence, Seat, VoteRecord
from .votes import vote_block

SECRETARY_FIELD = "Secretary"
CHAIR_FIELD = "Chair"
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")


@dataclass(frozen=True)
class RenderedPdf:
    data: bytes
    fields: tuple[FieldPlacement, ...]


@dataclass(frozen=True)
class EvidenceSummary:
    sha256: str
    ballots: int


def render_minutes(
    record: MinutesRecord, evidence: EvidenceSummary, *, locale: str = "vi"
) -> RenderedPdf:
    _ = Words(locale, record.time_zone)
    placements: list[FieldPlacement] = []
    story: list[Flowable] = [*_opening(record, _)]
    sections = [_attendance, _consent, _debated, _written, _conclusions]
    number = 0
    for section in sections:
        content = section(record, _)
        if content:
            story += [para(f"{ROMAN[number]}. {content[0]}", "section"), *content[1:]]
            number += 1
    if record.closed_at:
        story.append(para(_("The session closed at %(when)s.", when=_.when(record.closed_at))))
    *proof, last = _evidence(record, evidence, _)
    # The signatures never stand alone on a page: the last line of text goes with them.
    story += [
        para(f"{ROMAN[number]}. {_('ELECTRONIC EVIDENCE')}", "section"),
        *proof,
        KeepTogether(
            [
                last,
                Spacer(0, 10),
                SignatureBlock(_signatories(record, _), placements),
                *recipients(_("Recipients:"), minutes_recipients(record, _)),
            ]
        ),
    ]
    data = build(
        story,
        title=_title(record, _),
        author=record.body_short_name,
        subject=_("Minutes"),
        footer=minutes_number(record, _),
        language=locale,
    )
    return RenderedPdf(data, tuple(placements))


def minutes_recipients(record: MinutesRecord, _: Words) -> list[str]:
    return [
        _("The members of the %(body)s", body=record.body_short_name),
        _("Filed: the archive, the secretariat"),
    ]


def _title(record: MinutesRecord, _: Words) -> str:
    return f"{_('Minutes')}: {record.title}"


def _body_name(record: MinutesRecord, _: Words) -> str:
    if _.locale == "en":
        return record.body_name_en or record.body_name
    return record.body_short_name


def _opening(record: MinutesRecord, _: Words) -> list[Flowable]:
    heading = national_heading(
        Heading(
            _body_name(record, _),
            minutes_number(record, _),
            place_and_date(record, _),
            _("SOCIALIST REPUBLIC OF VIET NAM"),
            _("Independence - Freedom - Happiness"),
        )
    )
    subtitle = record.title
    if record.number:
        subtitle += " " + _("(session no. %(n)s)", n=record.number)
    facts = [
        (
            _("Body"),
            record.body_name_en if _.locale == "en" and record.body_name_en else record.body_name,
        ),
        (_("Session"), _.of(KINDS, record.kind)),
        (_("Time"), _.when(record.opened_at or record.starts_at)),
        (_("Place"), record.place or "—"),
        (_("Form"), _.of(FORMS, record.form)),
        (_("Chair"), _seat_line(record.chair, _)),
        (_("Secretary"), _seat_line(record.secretary, _)),
    ]
    return [
        heading,
        para(_("MINUTES"), "title"),
        para(subtitle, "subtitle"),
        *[
            para(f"<b>{escape(nfc(k))}:</b> {escape(nfc(v))}", "plain", markup=True)
            for k, v in facts
        ],
    ]


def _seat_line(seat: Seat | None, _: Words) -> str:
    if seat is None:
        return "—"
    title = seat.title_in(_.locale)
    return f"{seat.name}, {title}" if title else seat.name


def _attendance(record: MinutesRecord, _: Words) -> list[Flowable]:
    out: list[Flowable] = []
    for mode in ("room", "remote"):
        present = [p for p in record.attendance if p.mode == mode]
        out += _people(
            _("%(mode)s (%(n)s):", mode=_.of(MODES, mode), n=len(present)),
            (_presence_line(p, _) for p in present),
        )
    absent = [p for p in record.attendance if p.mode == "absent"]
    out += _people(_("Absent (%(n)s):", n=len(absent)), (_absence_line(p, _) for p in absent))
    stand_ins = [p for p in record.attendance if p.stand_in is not None]
    out += _people(
        _("Attending in a member's place (%(n)s):", n=len(stand_ins)),
        (_stand_in_line(p, _) for p in stand_ins),
    )
    out += _people(
        _("Invited, without a vote (%(n)s):", n=len(record.invitees)),
        (_presence_line(p, _) for p in record.invitees),
    )
    guests = [
        (g, item) for item in (*record.consent_items, *record.debated_items) for g in item.guests
    ]
    out += _people(
        _("Invited for an item (%(n)s):", n=len(guests)),
        (
            _(
                "%(name)s, %(affiliation)s (item %(item)s)",
                name=g[0],
                affiliation=g[1] or "—",
                item=item.ordinal,
            )
            for g, item in guests
        ),
    )
    return [
        _("ATTENDANCE"),
        *out,
        para(f"<b>{escape(quorum_sentence(record, _))}</b>", "plain", markup=True),
    ]


def quorum_sentence(record: MinutesRecord, _: Words) -> str:
    """At the opening, and when the quorum was first reached if that was later: a session
    the chair opened before the members checked in still had its quorum for the votes."""
    quorum = record.quorum
    opening = _(
        "At the opening (%(when)s): %(present)s of %(members)s members present; "
        "%(needed)s are required for the quorum.",
        when=_.time(record.opened_at),
        present=quorum.present,
        members=quorum.members,
        needed=quorum.needed,
    )
    if quorum.reached:
        return f"{opening} {_('The session could proceed.')}"
    if quorum.reached_at is not None:
        return f"{opening} " + _(
            "The quorum was reached at %(when)s, with %(present)s members present.",
            when=_.time(quorum.reached_at),
            present=quorum.present_when_reached,
        )
    return f"{opening} " + _("The quorum was NOT reached during the session.")


def _people(label: str, lines: Iterable[str]) -> list[Flowable]:
    items = list(lines)
    if not items:
        return []
    return [para(label, "label"), *[para(line, "bullet") for line in items]]


def _presence_line(presence: Presence, _: Words) -> str:
    title = presence.seat.title_in(_.locale)
    return f"{presence.seat.name}, {title}" if title else presence.seat.name


def _absence_line(presence: Presence, _: Words) -> str:
    line = _presence_line(presence, _)
    if presence.reason:
        return _("%(who)s: %(reason)s", who=line, reason=presence.reason)
    if not presence.recorded:
        return _("%(who)s: no attendance recorded", who=line)
    return _("%(who)s: no reason given", who=line)


def _stand_in_line(presence: Presence, _: Words) -> str:
    assert presence.stand_in is not None
    if presence.stand_in_items:
        return _(
            "%(deputy)s, in place of %(member)s, only for items %(items)s; on the "
            "other items the member's seat was absent",
            deputy=_presence_line(Presence(presence.stand_in, "room"), _),
            member=presence.seat.name,
            items=", ".join(str(n) for n in presence.stand_in_items),
        )
    return _(
        "%(deputy)s, in place of %(member)s (without a vote)",
        deputy=_presence_line(Presence(presence.stand_in, "room"), _),
        member=presence.seat.name,
    )


def _consent(record: MinutesRecord, _: Words) -> list[Flowable]:
    if not record.consent_items:
        return []
    intro = (
        _(
            "No member disagreed with or asked to discuss the following items; they "
            "were adopted together at %(when)s without debate:",
            when=_.when(record.consent_adopted_at),
        )
        if record.consent_adopted_at
        else _(
            "No member disagreed with or asked to discuss the following items; they "
            "form the consent block:"
        )
    )
    lines = [
        para(
            f"{item.ordinal}. {item.title_in(_.locale)}"
            + (f" ({item.presenter})" if item.presenter else ""),
            "bullet",
        )
        for item in record.consent_items
    ]
    return [_("ITEMS ADOPTED IN THE CONSENT BLOCK"), para(intro), *lines]


def _debated(record: MinutesRecord, _: Words) -> list[Flowable]:
    if not record.debated_items:
        return []
    out: list[Flowable] = [_("ITEMS DEBATED AND VOTED ON")]
    numbers = vote_numbers(record)
    for item in record.debated_items:
        out += _item(item, record, _, numbers)
    return out


def _item(
    item: ItemRecord, record: MinutesRecord, _: Words, numbers: dict[tuple[int, int], int]
) -> list[Flowable]:
    out: list[Flowable] = [para(f"{item.ordinal}. {item.title_in(_.locale)}", "heading")]
    if item.presenter:
        out.append(para(_("Presented by: %(who)s.", who=item.presenter)))
    out.append(para(_("Status: %(status)s.", status=_.of(STATUSES, item.status))))
    if item.status_reason:
        out.append(
            para(_("Reason recorded by the secretariat: %(reason)s", reason=item.status_reason))
        )
    out += _positions(item, _)
    for seat, reason in item.recusals:
        out.append(
            para(
                _(
                    "Did not take part (conflict of interest): %(name)s. Reason: %(reason)s",
                    name=seat.name,
                    reason=reason,
                )
            )
        )
    out += _speeches(item, _)
    if item.discussion_notes.strip():
        out += [para(_("Discussion:"), "label"), *paragraphs(item.discussion_notes)]
    for vote in item.votes:
        out += vote_block(numbers[vote_key(vote)], vote, record.seats, _)
    return out


def _speeches(item: ItemRecord, _: Words) -> list[Flowable]:
    if not item.speeches:
        return []
    out: list[Flowable] = [para(_("Speakers, in order:"), "label")]
    for n, line in enumerate(item.speeches, start=1):
        minutes, seconds = divmod(line.seconds, 60)
        out.append(
            para(
                _(
                    "%(n)s. %(name)s (%(kind)s, %(minutes)s min %(seconds)s s, from %(time)s)",
                    n=n,
                    name=line.seat.name,
                    kind=_.of(SPEECH_KINDS, line.kind),
                    minutes=minutes,
                    seconds=f"{seconds:02d}",
                    time=_.time(line.started_at),
                ),
                "bullet",
            )
        )
    return out


def _positions(item: ItemRecord, _: Words) -> list[Flowable]:
    counts = ", ".join(
        f"{_.of(STANCES, stance)}: {count}"
        for stance, count in sorted(
            item.stance_counts.items(),
            key=lambda kv: list(STANCES).index(kv[0]) if kv[0] in STANCES else 99,
        )
    )
    out: list[Flowable] = [
        para(_("Written positions before the session: %(counts)s.", counts=counts or "—"))
    ]
    for line in item.positions:
        out.append(
            para(
                f"<b>{escape(nfc(line.seat.name))}</b> "
                f"({escape(_.of(STANCES, line.stance))}): "
                f"{escape(nfc(line.text))}",
                "bullet",
                markup=True,
            )
        )
    return out


def _written(record: MinutesRecord, _: Words) -> list[Flowable]:
    if not record.written_votes:
        return []
    out: list[Flowable] = [_("WRITTEN POLLS DECIDED SINCE THE LAST SESSION")]
    numbers = vote_numbers(record)
    for vote in record.written_votes:
        out.append(para(vote.title, "heading"))
        if vote.closed_early:
            out.append(
                para(
                    _(
                        "Closed early at %(when)s, before its deadline (%(deadline)s): "
                        "the answers received already decided the result, and no "
                        "answer still to come could have changed it.",
                        when=_.when(vote.closed_at),
                        deadline=_.when(vote.deadline) or "—",
                    )
                )
            )
        elif vote.closed_at:
            out.append(para(_("Closed at %(when)s.", when=_.when(vote.closed_at))))
        out += vote_block(numbers[vote_key(vote)], vote, record.seats, _)
    return out


def _conclusions(record: MinutesRecord, _: Words) -> list[Flowable]:
    concluded = [i for i in (*record.consent_items, *record.debated_items) if i.conclusion.strip()]
    if not concluded:
        return []
    out: list[Flowable] = [_("CONCLUSIONS OF THE CHAIR")]
    for item in concluded:
        out += [
            para(f"{item.ordinal}. {item.title_in(_.locale)}", "heading"),
            *paragraphs(item.conclusion),
        ]
    return out


def _evidence(record: MinutesRecord, evidence: EvidenceSummary, _: Words) -> list[Flowable]:
    head = record.audit_head
    annulled = sum(len(v.ballots) for v in record.votes if v.annulled and not v.secret)
    return [
        para(
            _(
                "The attached file %(file)s holds the %(n)s ballots counted in the open "
                "votes above, each with the member's passkey signature, so that anyone "
                "can verify every ballot and recount every vote offline.",
                file=FILE_NAME,
                n=evidence.ballots,
            )
        ),
        *(
            [
                para(
                    _(
                        "%(n)s of them were cast in annulled votes: they are verified and "
                        "not counted.",
                        n=annulled,
                    )
                )
            ]
            if annulled
            else []
        ),
        para(_("SHA-256 of the evidence file: %(hash)s", hash=evidence.sha256), "mono"),
        para(
            _(
                "Head of the audit log when the session closed (event %(seq)s): %(hash)s",
                seq=head.seq,
                hash=head.hash,
            ),
            "mono",
        ),
        para(
            _(
                "On the server, ecabinet audit verify --at %(seq)s confirms that the audit "
                "log is intact up to that event and that its hash is the one above.",
                seq=head.seq,
            ),
            "small",
        ),
        para(
            _(
                "To verify this document: ecabinet minutes verify FILE.pdf, or the page %(url)s",
                url=f"{record.origin}/minutes/verify",
            ),
            "small",
        ),
    ]


def _signatories(record: MinutesRecord, _: Words) -> list[Signatory]:
    # Decree 30, Appendix II: the secretary signs on the left, the chair on the right.
    note = _("(digital signature)")
    return [
        Signatory(
            SECRETARY_FIELD, _("SECRETARY"), note, record.secretary.name if record.secretary else ""
        ),
        Signatory(
            CHAIR_FIELD, _("CHAIR OF THE SESSION"), note, record.chair.name if record.chair else ""
        ),
    ]


def vote_numbers(record: MinutesRecord) -> dict[tuple[int, int], int]:
    """Votes are numbered through the whole document, session votes first."""
    return {vote_key(v): n for n, v in enumerate(record.votes, start=1)}


def vote_key(vote: VoteRecord) -> tuple[int, int]:
    return vote.poll_id, vote.question_id
