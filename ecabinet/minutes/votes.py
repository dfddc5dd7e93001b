"""How a vote is printed: question, options, chart, the rule that decided it, and the roll
call by name with each ballot's short receipt (for a secret ballot: counts and receipts)."""

from __future__ import annotations

from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Table, TableStyle

from ..outcomes import describe
from ..pdf.fonts import nfc
from .charts import vote_chart
from .labels import CHOICES, NO_BALLOT, POLL_KINDS, Words, short_receipt
from .layout import FRAME_WIDTH, para
from .record import Seat, VoteRecord

RECEIPTS_PER_ROW = 5
_GRID = colors.HexColor("#d0d0d0")


def vote_block(number: int, vote: VoteRecord, seats: dict[int, Seat], _: Words
               ) -> list[Flowable]:
    outcome = vote.decided
    options = ", ".join(_.of(CHOICES, option) for option in vote.options)
    heading = _("Vote %(n)s (%(kind)s, %(ballot)s)", n=number,
                    kind=_.of(POLL_KINDS, vote.kind),
                    ballot=_("secret ballot") if vote.secret else _("open ballot"))
    verdict = _("Result: adopted.") if outcome.passed else _("Result: not adopted.")
    head: list[Flowable] = [
        para(heading, "heading"),
        para(_("Question: %(q)s", q=vote.question)),
        para(_("Options: %(options)s.", options=options)),
        vote_chart(outcome, vote.electorate, _),
        para(f"<b>{escape(verdict)}</b> {escape(nfc(describe(outcome, _)))}",
             markup=True),
        para(_tally_sentence(vote, _)),
    ]
    blocks: list[Flowable] = [KeepTogether(head)]
    if vote.secret:
        blocks += _secret_receipts(vote, _)
    else:
        blocks += _roll_call(vote, seats, _)
    return blocks


def _tally_sentence(vote: VoteRecord, _: Words) -> str:
    tally = vote.decided.tally
    return _("%(for)s for, %(against)s against, %(abstain)s abstaining; %(cast)s ballots "
                 "of %(electorate)s members entitled to vote.", **{
                     "for": tally.for_, "against": tally.against, "abstain": tally.abstain,
                     "cast": len(vote.ballots), "electorate": vote.electorate})


def _roll_call(vote: VoteRecord, seats: dict[int, Seat], _: Words) -> list[Flowable]:
    rows: list[list[str]] = [[_("No."), _("Member"), _("Vote"),
                              _("Ballot receipt")]]
    for index, membership_id in enumerate(vote.voters, start=1):
        seat = seats.get(membership_id)
        ballot = vote.ballot_of(membership_id)
        rows.append([
            str(index), nfc(seat.name if seat else f"#{membership_id}"),
            _.of(CHOICES, ballot.choice) if ballot else _(NO_BALLOT),
            short_receipt(ballot.receipt) if ballot else "",
        ])
    table = Table(rows, colWidths=[10 * mm, 68 * mm, 42 * mm, FRAME_WIDTH - 120 * mm],
                  repeatRows=1)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), "Sans", 8.5, 10.5),
        ("FONT", (0, 0), (-1, 0), "Sans-Bold", 8.5, 10.5),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, _GRID),
        ("TOPPADDING", (0, 0), (-1, -1), 1.2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.2),
    ]))
    return [para(_("Roll call:"), "caption"), table]


def _secret_receipts(vote: VoteRecord, _: Words) -> list[Flowable]:
    receipts = sorted(short_receipt(b.receipt) for b in vote.ballots)
    note = para(_("Secret ballot: only the counts are recorded. The receipts of the "
                      "%(n)s ballots cast, in alphabetical order, let each member find their "
                      "own:", n=len(receipts)), "label")
    if not receipts:
        return [note]
    rows = [receipts[i:i + RECEIPTS_PER_ROW] for i in range(0, len(receipts), RECEIPTS_PER_ROW)]
    rows[-1] += [""] * (RECEIPTS_PER_ROW - len(rows[-1]))
    table = Table(rows, colWidths=[FRAME_WIDTH / RECEIPTS_PER_ROW] * RECEIPTS_PER_ROW)
    table.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), "Sans", 8.5, 10.5),
                               ("TOPPADDING", (0, 0), (-1, -1), 1),
                               ("BOTTOMPADDING", (0, 0), (-1, -1), 1)]))
    return [note, table]
