"""How a vote is printed: question, options, chart, the rule that decided it, and the roll
call by name with each ballot's short receipt (for a secret ballot: counts and receipts)."""

from __future__ import annotations

from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Table, TableStyle

from ..outcomes import describe
from ..pdf.fonts import nfc
from ..rules import Rules, quorum_needed
from ..vocab import PollKind
from .charts import vote_chart
from .labels import (
    CHOICES,
    NO_ANSWER_BEFORE_EARLY_CLOSE,
    NO_BALLOT,
    POLL_KINDS,
    Words,
    short_receipt,
)
from .layout import FRAME_WIDTH, TABLE_SIZE, para
from .record import Seat, VoteRecord

RECEIPTS_PER_ROW = 5
_GRID = colors.HexColor("#d0d0d0")


def vote_block(number: int, vote: VoteRecord, seats: dict[int, Seat], _: Words) -> list[Flowable]:
    if vote.annulled is not None:
        return annulled_block(number, vote, seats, _)
    outcome = vote.decided
    options = ", ".join(_.of(CHOICES, option) for option in vote.options)
    labels = {str(o["key"]): vote.label_of(str(o["key"]), _.locale) for o in vote.labels}
    heading = _(
        "Vote %(n)s (%(kind)s, %(ballot)s)",
        n=number,
        kind=_.of(POLL_KINDS, vote.kind),
        ballot=_("secret ballot") if vote.secret else _("open ballot"),
    )
    verdict = _("Result: adopted.") if outcome.passed else _("Result: not adopted.")
    if vote.labels:
        verdict = (
            _("Result: %(option)s is adopted.", option=labels[outcome.adopted])
            if outcome.adopted in labels
            else _("Result: no option is adopted.")
        )
    head: list[Flowable] = [
        para(heading, "heading"),
        para(_("Question: %(q)s", q=vote.question), "plain"),
        *(
            _option_lines(vote, labels, _)
            if vote.labels
            else [para(_("Options: %(options)s.", options=options), "plain")]
        ),
        *_texts(vote, _),
        *_rerun(vote, _),
        *_quorum_at_opening(vote, _),
        *_timed(vote, _),
        vote_chart(outcome, vote.electorate, _),
        para(
            f"<b>{escape(verdict)}</b> {escape(nfc(describe(outcome, _, labels)))}",
            "plain",
            markup=True,
        ),
        para(_tally_sentence(vote, _), "plain"),
    ]
    blocks: list[Flowable] = [KeepTogether(head)]
    if vote.secret:
        blocks += _secret_receipts(vote, _)
    else:
        blocks += _roll_call(vote, seats, _)
    return blocks


def annulled_block(
    number: int, vote: VoteRecord, seats: dict[int, Seat], _: Words
) -> list[Flowable]:
    """A vote the chair annulled: who, when and why; its ballots listed, not counted."""
    assert vote.annulled is not None
    heading = _(
        "Vote %(n)s (%(kind)s, %(ballot)s): ANNULLED",
        n=number,
        kind=_.of(POLL_KINDS, vote.kind),
        ballot=_("secret ballot") if vote.secret else _("open ballot"),
    )
    head: list[Flowable] = [
        para(heading, "heading"),
        para(_("Question: %(q)s", q=vote.question), "plain"),
        *_texts(vote, _),
        para(
            _(
                "Annulled by %(name)s at %(when)s. Reason: %(reason)s",
                name=vote.annulled.by,
                when=_.time(vote.annulled.at),
                reason=vote.annulled.reason,
            ),
            "plain",
        ),
        para(
            _(
                "Its %(cast)s ballots are kept as evidence and NOT counted; the vote has no "
                "result.",
                cast=len(vote.ballots),
            ),
            "plain",
        ),
    ]
    blocks: list[Flowable] = [KeepTogether(head)]
    if vote.secret:
        return blocks + _secret_receipts(vote, _)
    return blocks + _roll_call(vote, seats, _, not_counted=True)


def _rerun(vote: VoteRecord, _: Words) -> list[Flowable]:
    if vote.rerun_of is None:
        return []
    return [para(_("This vote re-runs the annulled vote above."), "plain")]


def _texts(vote: VoteRecord, _: Words) -> list[Flowable]:
    """The document versions voted on, as the ballots signed them."""
    return [
        para(
            _(
                "Text voted on: %(title)s, version %(version)s (SHA-256 %(hash)s…).",
                title=str(text["title"]),
                version=text["version"],
                hash=short_receipt(str(text["sha256"])),
            ),
            "plain",
        )
        for text in vote.texts
    ]


def _quorum_at_opening(vote: VoteRecord, _: Words) -> list[Flowable]:
    """A live vote states the quorum when it opened (a written poll has none)."""
    if vote.present_at_opening is None or not vote.rules:
        return []
    needed = quorum_needed(Rules.from_profile(vote.rules), vote.electorate)
    present = vote.present_at_opening
    verdict = _("quorum present") if present >= needed else _("NO quorum")
    return [
        para(
            _(
                "When the vote opened (%(when)s): %(present)s of %(members)s members "
                "present, %(needed)s required: %(verdict)s.",
                when=_.time(vote.opened_at),
                present=present,
                members=vote.electorate,
                needed=needed,
                verdict=verdict,
            ),
            "plain",
        )
    ]


def _timed(vote: VoteRecord, _: Words) -> list[Flowable]:
    """A timed live vote says until when it ran and whether it closed itself then."""
    if vote.kind != PollKind.LIVE.value or vote.deadline is None or vote.closed_at is None:
        return []
    if vote.closed_at >= vote.deadline:
        return [
            para(
                _(
                    "A timed vote: ballots were taken until %(deadline)s, and it closed itself.",
                    deadline=_.time(vote.deadline),
                ),
                "plain",
            )
        ]
    return [
        para(
            _(
                "A timed vote until %(deadline)s, closed by the chair earlier, at %(when)s.",
                deadline=_.time(vote.deadline),
                when=_.time(vote.closed_at),
            ),
            "plain",
        )
    ]


def _option_lines(vote: VoteRecord, labels: dict[str, str], _: Words) -> list[Flowable]:
    """Each option with its votes, the adopted one in bold."""
    outcome = vote.decided
    votes = dict(outcome.options)
    lines: list[Flowable] = [para(_("Options:"), "plain")]
    for n, key in enumerate(labels, start=1):
        line = escape(
            _(
                "Option %(n)s (%(key)s): %(label)s: %(votes)s votes.",
                n=n,
                key=key,
                label=nfc(labels[key]),
                votes=votes.get(key, 0),
            )
        )
        lines.append(
            para(f"<b>{line}</b>" if key == outcome.adopted else line, "plain", markup=True)
        )
    return lines


def _tally_sentence(vote: VoteRecord, _: Words) -> str:
    tally = vote.decided.tally
    if vote.labels:
        return _(
            "%(abstain)s abstaining; %(cast)s ballots of %(electorate)s members entitled to vote.",
            abstain=tally.abstain,
            cast=len(vote.ballots),
            electorate=vote.electorate,
        )
    return _(
        "%(for)s for, %(against)s against, %(abstain)s abstaining; %(cast)s ballots "
        "of %(electorate)s members entitled to vote.",
        **{
            "for": tally.for_,
            "against": tally.against,
            "abstain": tally.abstain,
            "cast": len(vote.ballots),
            "electorate": vote.electorate,
        },
    )


def _roll_call(
    vote: VoteRecord, seats: dict[int, Seat], _: Words, *, not_counted: bool = False
) -> list[Flowable]:
    # Members who had no chance to answer a written poll closed early did not decline to
    # take part: they are listed as such.
    missing = _(NO_ANSWER_BEFORE_EARLY_CLOSE) if vote.closed_early else _(NO_BALLOT)
    # The caption is the table's first row and repeats with the header on every page, so
    # it can never stand alone at a page foot, nor the header without a member under it.
    rows: list[list[str]] = [
        [_("Roll call:"), "", "", ""],
        [_("No."), _("Member"), _("Vote"), _("Ballot receipt")],
    ]
    for index, membership_id in enumerate(vote.voters, start=1):
        seat = seats.get(membership_id)
        ballot = vote.ballot_of(membership_id)
        rows.append(
            [
                str(index),
                nfc(seat.name if seat else f"#{membership_id}"),
                _choice(vote, ballot.choice, _, not_counted) if ballot else missing,
                short_receipt(ballot.receipt) if ballot else "",
            ]
        )
    table = Table(rows, colWidths=[11 * mm, 66 * mm, 50 * mm, FRAME_WIDTH - 127 * mm], repeatRows=2)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), "Serif", TABLE_SIZE, 13),
                ("FONT", (0, 0), (-1, 0), "Serif-Italic", TABLE_SIZE, 13),
                ("FONT", (0, 1), (-1, 1), "Serif-Bold", TABLE_SIZE, 13),
                ("SPAN", (0, 0), (-1, 0)),
                ("LEFTPADDING", (0, 0), (-1, 0), 0),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, _GRID),
                ("TOPPADDING", (0, 0), (-1, -1), 1.2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.2),
            ]
        )
    )
    return [table]


def _choice(vote: VoteRecord, choice: str, _: Words, not_counted: bool = False) -> str:
    """A ballot's choice as the roll call prints it: an option by its number (its label
    is printed above), for/against/abstain in words; in an annulled vote, not counted."""
    position = vote.position_of(choice)
    shown = _("Option %(n)s", n=position) if position else _.of(CHOICES, choice)
    return _("%(choice)s (not counted)", choice=shown) if not_counted else shown


def _secret_receipts(vote: VoteRecord, _: Words) -> list[Flowable]:
    receipts = sorted(short_receipt(b.receipt) for b in vote.ballots)
    note = para(
        _(
            "Secret ballot: only the counts are recorded. The receipts of the "
            "%(n)s ballots cast, in alphabetical order, let each member find their "
            "own:",
            n=len(receipts),
        ),
        "label",
    )
    if not receipts:
        return [note]
    rows = [receipts[i : i + RECEIPTS_PER_ROW] for i in range(0, len(receipts), RECEIPTS_PER_ROW)]
    rows[-1] += [""] * (RECEIPTS_PER_ROW - len(rows[-1]))
    table = Table(rows, colWidths=[FRAME_WIDTH / RECEIPTS_PER_ROW] * RECEIPTS_PER_ROW)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), "Serif", TABLE_SIZE, 13),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
            ]
        )
    )
    return [note, table]
