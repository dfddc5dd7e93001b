"""The synthesis report of comments on a draft (báo cáo tổng hợp, tiếp thu, giải trình ý
kiến): every comment with its passage and page, who made it, the replies, and how the
secretariat or the drafting agency answered it."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer

from ..i18n import N_
from ..models import Person
from ..reports import RESOLUTION_LABELS, Synthesis, Thread
from .report_kit import Gettext, build, grid, local, para

PAGE = landscape(A4)


def render(report: Synthesis, _: Gettext, zone: ZoneInfo, now: datetime) -> bytes:
    story: list[Flowable] = [
        para(report.body.name.upper(), "agency"),
        para(_("SYNTHESIS REPORT OF COMMENTS, ACCEPTED AND EXPLAINED"), "title"),
        para(_("on the draft: %(title)s", title=report.document.title), "subtitle"),
    ]
    if report.meeting is not None:
        story.append(para(_("Meeting: %(title)s", title=report.meeting.title)))
    if report.item is not None:
        story.append(
            para(_("Agenda item %(n)s: %(title)s", n=report.item.ordinal, title=report.item.title))
        )
    story += [
        para(_summary(report, _)),
        para(_("Made on %(when)s.", when=local(now, zone)), "small"),
        Spacer(1, 4 * mm),
    ]
    if report.threads:
        story.append(_table(report, _, zone))
    else:
        story.append(para(_("No comments were made on this draft.")))
    return build(
        story,
        title=_("Synthesis report of comments"),
        pagesize=PAGE,
        page_label=lambda n: _("Page %(n)s", n=n),
    )


def _summary(report: Synthesis, _: Gettext) -> str:
    resolved = [t.comment.resolution for t in report.threads]
    return _(
        "%(total)s comments: %(accepted)s accepted, %(explained)s explained, "
        "%(open)s not yet answered.",
        total=len(resolved),
        accepted=resolved.count("accepted"),
        explained=resolved.count("explained"),
        open=resolved.count(None),
    )


def _who(report: Synthesis, person_id: int | None) -> str:
    person: Person | None = report.people.get(person_id or 0)
    if person is None:
        return ""
    title = report.titles.get(person.id or 0, "")
    return f"{person.full_name}, {title}" if title else person.full_name


def _table(report: Synthesis, _: Gettext, zone: ZoneInfo) -> Flowable:
    head = [
        para(_(h), "head")
        for h in (
            N_("No."),
            N_("Commented by"),
            N_("Where"),
            N_("Comment"),
            N_("Answer (accepted / explained)"),
        )
    ]
    rows: list[list[Flowable | str]] = [list(head)]
    for number, thread in enumerate(report.threads, start=1):
        rows.append(
            [
                para(str(number), "cell"),
                para(_who(report, thread.comment.author_id), "cell"),
                para(_where(report, thread, _), "cell"),
                _comment_cell(report, thread, _, zone),
                _answer_cell(report, thread, _, zone),
            ]
        )
    width = PAGE[0] - 30 * mm
    return grid(rows, [10 * mm, 45 * mm, 28 * mm, width * 0.42, width - 83 * mm - width * 0.42])


def _where(report: Synthesis, thread: Thread, _: Gettext) -> str:
    version = report.versions.get(thread.comment.version_id)
    number = version.number if version else "?"
    if thread.comment.page:
        return _("Version %(v)s, page %(page)s", v=number, page=thread.comment.page)
    return _("Version %(v)s", v=number)


def _comment_cell(report: Synthesis, thread: Thread, _: Gettext, zone: ZoneInfo) -> list[Paragraph]:
    cell: list[Paragraph] = []
    if thread.comment.quote:
        cell.append(para("“" + thread.comment.quote + "”", "small"))
    cell.append(para(thread.comment.text, "cell"))
    for answer in thread.replies:
        cell.append(
            para(
                _(
                    "Reply from %(who)s (%(when)s): %(text)s",
                    who=_who(report, answer.author_id),
                    when=local(answer.created_at, zone),
                    text=answer.text,
                ),
                "small",
            )
        )
    return cell


def _answer_cell(report: Synthesis, thread: Thread, _: Gettext, zone: ZoneInfo) -> list[Paragraph]:
    comment = thread.comment
    if comment.resolution is None:
        return [para(_("Not yet answered"), "cell")]
    return [
        para(_(RESOLUTION_LABELS[comment.resolution]), "head"),
        para(comment.response, "cell"),
        para(
            _(
                "By %(who)s, %(when)s",
                who=_who(report, comment.resolved_by_id),
                when=local(comment.resolved_at, zone),
            ),
            "small",
        ),
    ]
