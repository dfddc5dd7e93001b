"""Who issues the minutes and the conclusion notice, under which number, where and when,
as Decree 30/2020/NĐ-CP writes it: "Số: 09/BB-CP", "Hà Nội, ngày 29 tháng 11 năm 2026".

The minutes are the body's own record (BB-<body>); the conclusion notice is issued by the
body's office on the chair's behalf (TB-VP<body>, "TL. THỦ TƯỚNG"), as the Government's
Working Regulation has the Government Office do for the Prime Minister's conclusions.
"""

from __future__ import annotations

import unicodedata

from .labels import Words
from .record import MinutesRecord

MINUTES_KIND = "BB"  # biên bản
NOTICE_KIND = "TB"  # thông báo


def body_code(short_name: str) -> str:
    """The body's initials without diacritics: "Chính phủ" -> "CP"."""
    letters = [word[0] for word in short_name.split() if word[:1].isalpha()]
    bare = unicodedata.normalize("NFD", "".join(letters).replace("Đ", "D").replace("đ", "d"))
    return "".join(c for c in bare if not unicodedata.combining(c)).upper() or "CQ"


def serial(record: MinutesRecord) -> str:
    """The session's number, two digits at least (Decree 30: a leading zero below 10)."""
    return f"{record.number or record.meeting_id:02d}"


def minutes_number(record: MinutesRecord, _: Words) -> str:
    return _(
        "No.: %(number)s",
        number=f"{serial(record)}/{MINUTES_KIND}-{body_code(record.body_short_name)}",
    )


def notice_number(record: MinutesRecord, _: Words) -> str:
    return _(
        "No.: %(number)s",
        number=f"{serial(record)}/{NOTICE_KIND}-VP{body_code(record.body_short_name)}",
    )


def office_name(record: MinutesRecord, _: Words) -> str:
    """The body's office, which issues the notice: "Văn phòng Chính phủ"."""
    return _("Office of the %(body)s", body=record.body_short_name)


def chair_office(record: MinutesRecord, locale: str) -> str:
    """The chair's office without the body's name: "Thủ tướng Chính phủ" -> "Thủ tướng"."""
    if record.chair is None:
        return ""
    title = record.chair.title_in(locale).strip()
    short = record.body_short_name.strip()
    if short and title.lower().endswith(" " + short.lower()):
        title = title[: -len(short)].strip()
    return title


def on_behalf(record: MinutesRecord, _: Words) -> str:
    """ "TL. THỦ TƯỚNG": signed by order of the chair."""
    office = chair_office(record, _.locale) or _("the chair")
    return _("BY ORDER OF THE %(office)s", office=office).upper()


def place_and_date(record: MinutesRecord, _: Words) -> str:
    """ "Hà Nội, ngày 05 tháng 02 năm 2026": the place comes before the date; days below 10
    and the months January and February take a leading zero (Decree 30, Appendix I)."""
    moment = record.closed_at or record.starts_at
    if _.locale != "vi":
        return f"{record.issuing_place}, {_.date(moment)}"
    local = moment.astimezone(_.zone)
    month = f"{local.month:02d}" if local.month < 3 else str(local.month)
    return f"{record.issuing_place}, ngày {local.day:02d} tháng {month} năm {local.year}"
