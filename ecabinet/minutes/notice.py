"""The conclusion notice (thông báo kết luận): the chair's conclusions and the decisions of
a session on a page or two, for the bodies that carry them out. It names the SHA-256 of
the minutes it summarises and is signed in the same two steps."""

from __future__ import annotations

import json
from typing import Any

from reportlab.platypus import Flowable, KeepTogether, Spacer

from .labels import CHOICES, STATUSES, Words
from .layout import FieldPlacement, Signatory, SignatureBlock, build, national_heading, para
from .record import ItemRecord, MinutesRecord
from .render import CHAIR_FIELD, SECRETARY_FIELD, RenderedPdf

NOTICE_FILE_NAME = "ecabinet-notice.json"
NOTICE_FORMAT = "ecabinet-conclusion-notice/1"


def notice_attachment(record: MinutesRecord, minutes_sha256: str) -> dict[str, bytes]:
    data: dict[str, Any] = {
        "format": NOTICE_FORMAT, "meeting": record.meeting_id, "body": record.body_id,
        "minutesSha256": minutes_sha256,
    }
    return {NOTICE_FILE_NAME: json.dumps(data, sort_keys=True).encode("utf-8")}


def render_notice(record: MinutesRecord, minutes_sha256: str, *, locale: str = "vi"
                  ) -> RenderedPdf:
    _ = Words(locale, record.time_zone)
    placements: list[FieldPlacement] = []
    agency = record.body_name_en or record.body_name if locale == "en" else \
        record.body_short_name
    story: list[Flowable] = [
        national_heading(agency, _.date(record.closed_at or record.starts_at),
                         _("SOCIALIST REPUBLIC OF VIET NAM"),
                         _("Independence - Freedom - Happiness")),
        para(_("NOTICE"), "title"),
        para(_("Conclusions of the chair at the %(title)s", title=record.title), "subtitle"),
        para(_intro(record, _)),
    ]
    if record.consent_items:
        titles = "; ".join(i.title_in(locale) for i in record.consent_items)
        story.append(para(_("Adopted without debate (consent block): %(titles)s.",
                            titles=titles)))
    for number, item in enumerate(record.debated_items, start=1):
        story += _item(number, item, _)
    story += [
        Spacer(0, 6),
        para(_("This notice summarises the minutes of the session; SHA-256 of the minutes as "
               "drafted and approved (their first revision): %(hash)s", hash=minutes_sha256),
             "mono"),
        para(_("Recipients: the members of %(body)s; the archive.", body=record.body_name),
             "small"),
        Spacer(0, 8),
        KeepTogether([SignatureBlock([
            Signatory(SECRETARY_FIELD, _("SECRETARY"), _("(digital signature)"),
                      record.secretary.name if record.secretary else ""),
            Signatory(CHAIR_FIELD, _("CHAIR OF THE SESSION"), _("(digital signature)"),
                      record.chair.name if record.chair else ""),
        ], placements)]),
    ]
    data = build(story, title=_("Conclusion notice: %(title)s", title=record.title),
                 author=record.body_short_name, subject=_("Conclusion notice"),
                 header=_("Conclusion notice: %(title)s", title=record.title),
                 page_label=_("Page %(page)s of %(pages)s"), language=locale)
    return RenderedPdf(data, tuple(placements))


def _intro(record: MinutesRecord, _: Words) -> str:
    chair = record.chair.name if record.chair else "—"
    return _("On %(when)s, %(chair)s chaired the %(title)s, with %(present)s of %(members)s "
             "members present. Having heard the reports and the members' views, the chair "
             "concluded as follows.", when=_.when(record.opened_at or record.starts_at),
             chair=chair, title=record.title, present=record.quorum.present,
             members=record.quorum.members)


def _item(number: int, item: ItemRecord, _: Words) -> list[Flowable]:
    out: list[Flowable] = [para(f"{number}. {item.title_in(_.locale)}", "heading")]
    for vote in item.votes:
        outcome = vote.decided
        verdict = _("adopted") if outcome.passed else _("not adopted")
        out.append(para(_("Vote: %(verdict)s, %(for)s %(for_label)s of %(base)s.",
                          verdict=verdict, base=outcome.base, **{
                              "for": outcome.tally.for_,
                              "for_label": _.of(CHOICES, "for").lower()})))
    if item.conclusion.strip():
        out += [para(line.strip()) for line in item.conclusion.splitlines() if line.strip()]
    else:
        out.append(para(_("Status: %(status)s.", status=_.of(STATUSES, item.status))))
    return out
