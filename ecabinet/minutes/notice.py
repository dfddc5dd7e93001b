"""The conclusion notice (thông báo kết luận): the chair's conclusions and the decisions of
a session on a page or two, for the bodies that carry them out. It names the SHA-256 of
the minutes it summarises and is signed in the same two steps."""

from __future__ import annotations

import json
from typing import Any

from reportlab.platypus import Flowable, KeepTogether, Spacer

from .issuer import notice_number, office_name, on_behalf, place_and_date
from .labels import CHOICES, STATUSES, Words
from .layout import (
    FieldPlacement,
    Heading,
    Signatory,
    SignatureBlock,
    build,
    national_heading,
    para,
    recipients,
)
from .record import ItemRecord, MinutesRecord
from .render import CHAIR_FIELD, SECRETARY_FIELD, RenderedPdf

NOTICE_FILE_NAME = "ecabinet-notice.json"
NOTICE_FORMAT = "ecabinet-conclusion-notice/1"


def notice_attachment(record: MinutesRecord, minutes_sha256: str) -> dict[str, bytes]:
    data: dict[str, Any] = {
        "format": NOTICE_FORMAT,
        "meeting": record.meeting_id,
        "body": record.body_id,
        "minutesSha256": minutes_sha256,
    }
    return {NOTICE_FILE_NAME: json.dumps(data, sort_keys=True).encode("utf-8")}


def render_notice(record: MinutesRecord, minutes_sha256: str, *, locale: str = "vi") -> RenderedPdf:
    """Issued by the body's office on the chair's behalf ("TL. THỦ TƯỚNG"), numbered
    "Số: 09/TB-VPCP"; items keep the numbers they have in the minutes."""
    _ = Words(locale, record.time_zone)
    placements: list[FieldPlacement] = []
    number = notice_number(record, _)
    story: list[Flowable] = [
        national_heading(
            Heading(
                office_name(record, _),
                number,
                place_and_date(record, _),
                _("SOCIALIST REPUBLIC OF VIET NAM"),
                _("Independence - Freedom - Happiness"),
            )
        ),
        para(_("NOTICE"), "title"),
        para(_("Conclusions of the chair at the %(title)s", title=record.title), "subtitle"),
        para(_intro(record, _)),
    ]
    if record.consent_items:
        titles = "; ".join(f"{i.ordinal}. {i.title_in(locale)}" for i in record.consent_items)
        story.append(para(_("Adopted without debate (consent block): %(titles)s.", titles=titles)))
    for item in record.debated_items:
        story += _item(item.ordinal, item, _)
    # The signatures never stand alone on a page: the last paragraph goes with them.
    story += [
        Spacer(0, 6),
        KeepTogether(
            [
                para(
                    _(
                        "This notice summarises the minutes of the session; SHA-256 of the minutes "
                        "as drafted and approved (their first revision): %(hash)s",
                        hash=minutes_sha256,
                    ),
                    "mono",
                ),
                Spacer(0, 8),
                SignatureBlock(
                    [
                        Signatory(
                            CHAIR_FIELD,
                            _("CHAIR OF THE SESSION"),
                            _("(digital signature)"),
                            record.chair.name if record.chair else "",
                        ),
                        Signatory(
                            SECRETARY_FIELD,
                            _signer_lines(record, _),
                            _("(digital signature)"),
                            record.secretary.name if record.secretary else "",
                        ),
                    ],
                    placements,
                ),
                *recipients(_("Recipients:"), _recipients(record, _)),
            ]
        ),
    ]
    data = build(
        story,
        title=_("Conclusion notice: %(title)s", title=record.title),
        author=office_name(record, _),
        subject=_("Conclusion notice"),
        footer=number,
        language=locale,
    )
    return RenderedPdf(data, tuple(placements))


def _signer_lines(record: MinutesRecord, _: Words) -> str:
    """ "TL. THỦ TƯỚNG" over the signer's own office ("VỤ TRƯỞNG VỤ TỔNG HỢP")."""
    title = record.secretary.title_in(_.locale).split(",")[0].strip() if record.secretary else ""
    return "\n".join(x for x in (on_behalf(record, _), title.upper()) if x)


def _recipients(record: MinutesRecord, _: Words) -> list[str]:
    presenters = sorted({i.presenter for i in record.debated_items if i.presenter})
    return [
        _("The members of the %(body)s", body=record.body_short_name),
        *presenters,
        _("Filed: the archive, the secretariat"),
    ]


def _intro(record: MinutesRecord, _: Words) -> str:
    chair = record.chair.name if record.chair else "—"
    return _(
        "On %(when)s, %(chair)s chaired the %(title)s, with %(present)s of %(members)s "
        "members present. Having heard the reports and the members' views, the chair "
        "concluded as follows.",
        when=_.when(record.opened_at or record.starts_at),
        chair=chair,
        title=record.title,
        present=record.quorum.attended,
        members=record.quorum.members,
    )


def _item(number: int, item: ItemRecord, _: Words) -> list[Flowable]:
    out: list[Flowable] = [para(f"{number}. {item.title_in(_.locale)}", "heading")]
    for vote in item.votes:
        if vote.annulled is not None:
            continue  # the notice states what was decided: the re-run, not the annulled vote
        outcome = vote.decided
        verdict = _("adopted") if outcome.passed else _("not adopted")
        out.append(
            para(
                _(
                    "Vote: %(verdict)s, %(for)s %(for_label)s of %(base)s.",
                    verdict=verdict,
                    base=outcome.base,
                    **{"for": outcome.tally.for_, "for_label": _.of(CHOICES, "for").lower()},
                )
            )
        )
    if item.conclusion.strip():
        out += [para(line.strip()) for line in item.conclusion.splitlines() if line.strip()]
    else:
        out.append(para(_("Status: %(status)s.", status=_.of(STATUSES, item.status))))
    for task in item.tasks:
        out.append(
            para(
                _(
                    "Task assigned to %(agency)s, due %(deadline)s: %(text)s",
                    agency=task.agency,
                    deadline=_.date(task.deadline),
                    text=task.text,
                )
            )
        )
    return out
