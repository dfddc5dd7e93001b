"""The result notice of a written poll (thông báo kết quả lấy ý kiến): the questions, the
counts, the result of each and the rule that decided it, the rules applied, and (for an open
ballot) each member's answer with the receipt that lets anyone check the signed ballot."""

from __future__ import annotations

from datetime import datetime
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from ..i18n import N_
from ..outcomes import describe
from ..reports import Notice, QuestionState, outcome_of
from ..rules import Rules
from ..vocab import SilencePolicy, ThresholdBase, TieBreak
from ..vote_options import option_of
from .report_kit import Gettext, build, grid, local, para

CHOICE_LABELS = {"for": N_("For"), "against": N_("Against"), "abstain": N_("Not voting")}


def render(notice: Notice, _: Gettext, zone: ZoneInfo, now: datetime) -> bytes:
    poll = notice.state.poll
    story: list[Flowable] = [
        para(notice.body.name.upper(), "agency"),
        para(_("RESULT NOTICE OF THE WRITTEN POLL"), "title"),
        para(poll.title, "subtitle"),
        para(
            _(
                "Sent on %(sent)s with a deadline of %(deadline)s; decided on %(closed)s.",
                sent=local(poll.opened_at, zone),
                deadline=local(poll.deadline, zone),
                closed=local(poll.closed_at, zone),
            )
        ),
        para(_("Members asked: %(n)s.", n=poll.electorate or 0)),
        para(_rules_sentence(poll.rules, _)),
    ]
    if poll.description:
        story.append(para(poll.description))
    for question in notice.state.questions:
        story += _question(notice, question, _)
    story += [
        Spacer(1, 6 * mm),
        para(
            _(
                "Made on %(when)s. Each receipt is the SHA-256 of a "
                "signed ballot; the ballot evidence verifies it "
                "offline.",
                when=local(now, zone),
            ),
            "small",
        ),
    ]
    return build(
        story,
        title=_("Result notice of the written poll"),
        page_label=lambda n: _("Page %(n)s", n=n),
    )


def _rules_sentence(profile: dict[str, object], _: Gettext) -> str:
    rules = Rules.from_profile(profile)
    base = {
        ThresholdBase.ALL_MEMBERS: _("of all members"),
        ThresholdBase.PRESENT: _("of the members present"),
        ThresholdBase.VOTES_CAST: _("of the votes cast"),
    }[rules.pass_base]
    silence = (
        _("no answer counts as agreement")
        if rules.silence is SilencePolicy.AGREE
        else _("no answer is not a vote")
    )
    tie = (
        _("on a tie the side the chair voted for prevails")
        if rules.tie_break is TieBreak.CHAIR_SIDE
        else _("a tie does not pass")
    )
    return _(
        "Rules applied: adopted with more than %(share)s %(base)s voting for; %(silence)s;"
        " %(tie)s.",
        share=f"{rules.pass_share.numerator}/{rules.pass_share.denominator}",
        base=base,
        silence=silence,
        tie=tie,
    )


def _question(notice: Notice, question: QuestionState, _: Gettext) -> list[Flowable]:
    outcome = outcome_of(question.question)
    tally = question.tally
    flow: list[Flowable] = [
        para(
            _("Question %(n)s: %(text)s", n=question.question.ordinal, text=question.question.text),
            "heading",
        ),
        *[
            para(
                _(
                    "%(label)s: %(votes)s votes.",
                    label=option["label"],
                    votes=sum(b.choice == option["key"] for b in question.ballots),
                )
            )
            for option in question.question.options
        ],
        para(
            _(
                "Not voting: %(abstain)s. No answer: %(silent)s.",
                abstain=tally.abstain,
                silent=len(notice.state.silent_on(question)),
            )
            if question.question.options
            else _(
                "For: %(for)s. Against: %(against)s. Not voting: %(abstain)s. No answer: "
                "%(silent)s.",
                **{"for": tally.for_},
                against=tally.against,
                abstain=tally.abstain,
                silent=len(notice.state.silent_on(question)),
            )
        ),
    ]
    if outcome is not None:
        verdict = _("ADOPTED") if outcome.passed else _("NOT ADOPTED")
        labels = {o["key"]: o["label"] for o in question.question.options}
        sentence = describe(outcome, _, labels)
        flow.append(para(f"<b>{escape(verdict)}</b>. {escape(sentence)}", markup=True))
        if (question.question.outcome or {}).get("early"):
            flow.append(
                para(
                    _("Decided before the deadline: no remaining answer could change the result."),
                    "small",
                )
            )
    if not notice.state.poll.secret:
        flow.append(Spacer(1, 2 * mm))
        flow.append(_ballots(notice, question, _))
    return flow


def _ballots(notice: Notice, question: QuestionState, _: Gettext) -> Flowable:
    rows: list[list[Flowable]] = [
        [
            para(_(h), "head")
            for h in (N_("Member"), N_("Answer"), N_("Receipt (SHA-256 of the ballot)"))
        ]
    ]
    for seat in notice.state.voters:
        ballot = question.ballot_of(seat.id)
        option = None if ballot is None else option_of(question.question.options, ballot.choice)
        answer = (
            option["label"]
            if option is not None
            else _(CHOICE_LABELS[ballot.choice])
            if ballot
            else _("No answer")
        )
        rows.append(
            [
                para(notice.name_of(seat), "cell"),
                para(answer, "cell"),
                para(ballot.receipt if ballot else "", "small"),
            ]
        )
    return grid(rows, [60 * mm, 30 * mm, 90 * mm])
