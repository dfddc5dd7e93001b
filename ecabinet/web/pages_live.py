"""Pages of the live session: the tablet (members vote, the chair runs the session) and
the room display for the projector. Both are drawn by static/js/session.js from the
snapshot and kept current over /ws; the server gives them the words and the table of
what the chair may do in each phase."""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from ..actions.access import load_meeting, meeting_access
from ..actions.session import ALLOWED
from ..i18n import N_, gettext_for
from .common import actor_of, db_of, int_param
from .display_views import viewable
from .routing import page
from .templating import locale_of, render

# The words session.js shows, translated once per language (live_data).
WORDS: dict[str, str] = {
    "phase.draft": N_("Being prepared"),
    "phase.published": N_("Not opened yet"),
    "phase.open": N_("In session"),
    "phase.item": N_("In session: an item is being taken"),
    "phase.voting": N_("Voting"),
    "phase.closed": N_("Session closed"),
    "status.pending": N_("On the agenda"),
    "status.consent": N_("Consent block"),
    "status.contested": N_("For debate"),
    "status.adopted": N_("Adopted"),
    "status.rejected": N_("Not adopted"),
    "status.concluded": N_("Concluded"),
    "status.deferred": N_("Deferred"),
    "choice.for": N_("For"),
    "choice.against": N_("Against"),
    "choice.abstain": N_("Not voting"),
    "option": N_("Option %(n)s"),
    "option.votes": N_("%(votes)s votes"),
    "option.adopted": N_("(adopted)"),
    "mode.room": N_("in the room"),
    "mode.remote": N_("remote"),
    "present": N_("Present"),
    "away": N_("Connection lost"),
    "absent": N_("Not checked in"),
    "stand_in": N_("Stand-in: %(name)s"),
    "quorum.met": N_(
        "Quorum reached: %(present)s of %(members)s members present (%(needed)s needed)."
    ),
    "quorum.missing": N_(
        "No quorum: %(present)s of %(members)s members present (%(needed)s needed)."
    ),
    "cast": N_("%(cast)s of %(present)s present have voted (%(electorate)s members)."),
    "receipt": N_("Your ballot is recorded. Receipt: %(receipt)s"),
    "your_choice": N_("Your vote: %(choice)s"),
    "not_voted": N_("You have not voted yet."),
    "vote_opened": N_("A vote is open: %(question)s"),
    "secret": N_("Secret ballot: only the counts are shown."),
    "text_voted": N_("Text voted on: %(title)s, version %(version)s (SHA-256 %(hash)s…)"),
    "texts_differ": N_(
        "The ballot names other document versions than this screen shows; "
        "it was not signed. Reload the page."
    ),
    "annulled": N_("Vote annulled: %(reason)s"),
    "annulled_by": N_(
        "Annulled by %(by)s. Its ballots are kept but do not count; the vote can be re-run."
    ),
    "no_item": N_("No item is being taken."),
    "no_vote": N_("No vote is open."),
    "vote.left": N_("Voting closes in %(time)s"),
    "vote.closing": N_("The time is up: no more ballots are taken and the vote is closing."),
    "checked_in": N_("You are checked in (%(mode)s)."),
    "live.online": N_("Live"),
    "live.offline": N_("Reconnecting…"),
    "waiting": N_(
        "Follow the instructions on your device: touch the fingerprint sensor or "
        "look at the camera."
    ),
    "cancelled": N_(
        "Your fingerprint or face could not be verified, or the request was cancelled. Try again."
    ),
    "network": N_("The server could not be reached. Check the network connection and try again."),
    "failed": N_(
        "The device could not complete the request. Try again, and tell the "
        "secretariat if it happens again."
    ),
    "ballot_lost": N_("The answer did not arrive; checking whether your ballot was recorded."),
    "ballot_not_known": N_(
        "The answer did not arrive, so it is not known whether your ballot was recorded. "
        "Your screen now shows it: a receipt if it was recorded. Vote again only if there is none."
    ),
    "ballot_was_recorded": N_(
        "Your ballot had already been recorded: only the answer was "
        "lost on the way. It counts once."
    ),
    "speech.speak": N_("Speech"),
    "speech.point_of_order": N_("Point of order"),
    "speech.reply": N_("Reply to a speaker"),
    "speakers.nobody": N_("Nobody has the floor."),
    "speakers.empty": N_("Nobody is waiting to speak."),
    "speakers.closed": N_(
        "The list of speakers is closed: only a point of order can still be raised."
    ),
    "speakers.your_place": N_("You are number %(place)s on the list of speakers."),
    "speakers.your_turn": N_("You have the floor."),
    "speakers.left": N_("Time left: %(time)s"),
    "speakers.over": N_("Over time: %(time)s"),
    "speakers.up": N_("Move up"),
    "speakers.down": N_("Move down"),
    "recused": N_("%(name)s does not take part in this item (conflict of interest)."),
    "recused_reason": N_(
        "%(name)s does not take part in this item (conflict of interest): %(reason)s"
    ),
    "roll_call.waiting": N_("Not voted yet"),
    "presenting.page": N_("%(title)s, page %(page)s of %(pages)s"),
    "checkin_lost": N_(
        "The answer did not arrive; the page now shows whether your check-in was recorded."
    ),
}


def words(locale: str) -> dict[str, str]:
    _ = gettext_for(locale)
    return {key: _(message) for key, message in WORDS.items()}


@cache
def live_data(locale: str) -> dict[str, Markup]:
    """The words and the step table as the pages embed them (JSON safe inside HTML):
    the same for every page in a language, so made once per process."""
    return {
        "words_json": htmlsafe_json_dumps(words(locale), sort_keys=True),
        "steps_json": htmlsafe_json_dumps(steps_by_phase(), sort_keys=True),
    }


def steps_by_phase() -> dict[str, list[str]]:
    """ALLOWED turned around: for each phase, the chair's steps it allows."""
    phases: dict[str, list[str]] = {}
    for step, allowed in ALLOWED.items():
        for phase in allowed:
            phases.setdefault(phase.value, []).append(step.value)
    return phases


async def _page(request: Request, template: str) -> Response:
    meeting_id = int_param(request, "meeting")
    async with db_of(request).read() as session:
        meeting = await load_meeting(session, meeting_id)
        await meeting_access(session, actor_of(request), meeting)
    context: dict[str, Any] = {"meeting": meeting, **live_data(locale_of(request))}
    return render(request, template, context)


async def tablet(request: Request) -> Response:
    return await _page(request, "live_session.html")


async def display(request: Request) -> Response:
    """The room display: for anyone who may see the meeting, and for a display seat of its
    body (a projector enrolled by the secretariat, nobody signed in)."""
    meeting, _view = await viewable(request, int_param(request, "meeting"))
    context: dict[str, Any] = {"meeting": meeting, **live_data(locale_of(request))}
    return render(request, "live_display.html", context)


def routes() -> list[BaseRoute]:
    return [
        page("/meetings/{meeting}/live", tablet, name="live_tablet"),
        page("/meetings/{meeting}/display", display, name="live_display", public=True),
    ]
