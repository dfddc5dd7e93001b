"""Words and dates of the minutes in the reader's language (English msgids, Vietnamese in
the catalog), every string NFC-normalised before it reaches the PDF."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from ..i18n import N_, gettext_for
from ..pdf.fonts import nfc

CHOICES = {"for": N_("For"), "against": N_("Against"), "abstain": N_("Abstain")}
NO_BALLOT = N_("Did not vote")
NO_ANSWER_BEFORE_EARLY_CLOSE = N_("No answer yet when the poll closed early")
STANCES = {
    "agree": N_("Agree"),
    "agree_with_comments": N_("Agree with comments"),
    "disagree": N_("Disagree"),
    "discuss": N_("Wish to discuss"),
    "none": N_("No position"),
}
FORMS = {"in_person": N_("In person"), "online": N_("Online"), "mixed": N_("In person and online")}
KINDS = {
    "regular": N_("Regular session"),
    "extraordinary": N_("Extraordinary session"),
    "thematic": N_("Thematic session"),
}
MODES = {"room": N_("In the room"), "remote": N_("Remotely"), "absent": N_("Absent")}
STATUSES = {
    "pending": N_("Not taken up"),
    "consent": N_("Adopted in the consent block"),
    "contested": N_("Debated"),
    "adopted": N_("Adopted"),
    "rejected": N_("Not adopted"),
    "concluded": N_("Concluded"),
    "deferred": N_("Deferred"),
}
SPEECH_KINDS = {"speak": N_("speech"), "point_of_order": N_("point of order"), "reply": N_("reply")}
POLL_KINDS = {"live": N_("vote in the session"), "written": N_("written poll")}

DATE_PATTERNS = {"vi": "'ngày' d 'tháng' M 'năm' y", "en": "d MMMM y"}
TIME_PATTERN = "HH:mm"


class Words:
    """The translator and formatters for one rendering."""

    def __init__(self, locale: str, time_zone: str) -> None:
        self.locale = locale
        self.zone = ZoneInfo(time_zone)
        self._gettext: Callable[..., str] = gettext_for(locale)

    def __call__(self, message: str, **params: Any) -> str:
        return nfc(self._gettext(message, **params))

    def of(self, table: dict[str, str], key: str) -> str:
        return self(table[key]) if key in table else nfc(key)

    def date(self, moment: datetime | None) -> str:
        if moment is None:
            return ""
        return nfc(
            format_datetime(
                moment,
                DATE_PATTERNS.get(self.locale, "d MMMM y"),
                tzinfo=self.zone,
                locale=self.locale,
            )
        )

    def time(self, moment: datetime | None) -> str:
        if moment is None:
            return ""
        return format_datetime(moment, TIME_PATTERN, tzinfo=self.zone, locale=self.locale)

    def when(self, moment: datetime | None) -> str:
        if moment is None:
            return ""
        return f"{self.time(moment)}, {self.date(moment)}"


def short_receipt(receipt: str) -> str:
    """The first 12 hex digits in groups of four: enough for a member to find a ballot."""
    head = receipt[:12]
    return " ".join(head[i : i + 4] for i in range(0, len(head), 4))
