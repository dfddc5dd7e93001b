"""The secretariat's and chair's pages: the matrix of positions (with filters, counts, the
response rate and a CSV export), and the triage that makes the live agenda."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute

from ..actions import matrix, positions, reminders, triage
from ..actions.packet_rows import ItemRow
from ..auth.permissions import Permission, can
from ..errors import Conflict, ValidationFailed
from ..i18n import gettext_for
from ..models import AgendaItem, utcnow
from ..vocab import ItemStatus
from .charts import response_rate
from .common import actor_of, db_of, int_param
from .page_helpers import page_tools
from .pages_positions import stance_tools
from .routing import page
from .templating import locale_of, render

STATUS_FILTERS = (ItemStatus.PENDING.value, ItemStatus.CONSENT.value, ItemStatus.CONTESTED.value)


def _filters(request: Request) -> dict[str, str]:
    query = request.query_params
    return {
        "stance": query.get("stance", ""),
        "status": query.get("status", ""),
        "missing": "1" if query.get("missing") == "1" else "",
    }


def _shown_items(view: matrix.Matrix, filters: dict[str, str]) -> list[ItemRow]:
    items = view.items
    if filters["status"]:
        items = [i for i in items if i.status == filters["status"]]
    stance = filters["stance"]
    if stance == triage.MISSING:
        items = [i for i in items if view.missing_for(i)]
    elif stance:
        items = [i for i in items if view.counts[i.id or 0].stances.get(stance)]
    return items


async def matrix_page(request: Request) -> Response:
    actor = actor_of(request)
    async with db_of(request).read_only() as tx:
        view = await matrix.matrix(tx, actor, int_param(request, "meeting_id"))
    filters = _filters(request)
    items = _shown_items(view, filters)
    members = view.members
    if filters["missing"]:
        members = [m for m in members if any(view.cell(i, m) is None for i in view.items)]
    meeting = view.meeting
    end = min(
        max(utcnow(), meeting.published_at or meeting.created_at), positions.deadline_of(meeting)
    )
    chart = response_rate(
        view.timeline, view.total_cells, start=meeting.published_at or meeting.created_at, end=end
    )
    return render(
        request,
        "matrix.html",
        {
            **page_tools(request),
            **stance_tools(),
            "view": view,
            "items": items,
            "members": members,
            "filters": filters,
            "status_filters": STATUS_FILTERS,
            "chart": chart,
            "reminded": request.query_params.get("reminded"),
            "prepares": can(actor, Permission.PREPARE_MEETINGS, meeting.body_id),
            "deadline": positions.deadline_of(meeting),
            "grid": _grid(view, items, members, filters["stance"], gettext_for(locale_of(request))),
        },
    )


# A cell of the matrix. Drawn here, not in matrix.html: a matrix has hundreds of cells,
# and a template pays for each value it escapes; a page has only a few distinct cells
# (one per stance, dimmed or not, and those with a text), each escaped once.
CELL = Markup(
    '      <td class="cell stance-{code}{dim}" title="{label}{note}">\n'
    '        <span class="symbol" aria-hidden="true">{symbol}</span>\n'
    '        <span class="visually-hidden">{label}</span>\n'
    "      </td>\n"
)


def _grid(
    view: matrix.Matrix,
    items: list[ItemRow],
    members: list[matrix.Member],
    stance: str,
    gettext: Callable[..., str],
) -> list[tuple[matrix.Member, Markup]]:
    """Each member with their row of cells. Labels are worded once per page."""
    labels = {code: gettext(label) for code, label in positions.STANCE_LABELS.items()}
    symbols = dict(positions.STANCE_SYMBOLS)
    labels[triage.MISSING] = gettext("No position")
    symbols[triage.MISSING] = positions.MISSING_SYMBOL
    drawn: dict[tuple[str, str, bool], str] = {}

    def draw(code: str, text: str) -> str:
        dim = bool(stance) and stance != code
        key = (code, text, dim)
        if key not in drawn:
            drawn[key] = CELL.format(
                code=code,
                dim=" dim" if dim else "",
                label=labels[code],
                note=f": {text}" if text else "",
                symbol=symbols[code],
            )
        return drawn[key]

    rows = []
    for member in members:
        cells = []
        for item in items:
            cell = view.cells.get((item.id, member.seat.id))
            cells.append(draw(cell.stance, cell.text) if cell else draw(triage.MISSING, ""))
        # Every piece is Markup from CELL.format: joined as text, not escaped piece by piece.
        rows.append((member, Markup("".join(cells))))  # noqa: S704
    return rows


async def matrix_csv(request: Request) -> Response:
    async with db_of(request).read_only() as tx:
        view = await matrix.matrix(tx, actor_of(request), int_param(request, "meeting_id"))
    text = matrix.as_csv(view, gettext_for(locale_of(request)))
    # A byte-order mark, so that spreadsheets read the Vietnamese as UTF-8.
    return Response(
        "\ufeff" + text,
        media_type="text/csv; charset=utf-8",
        headers={
            "content-disposition": (
                f'attachment; filename="positions-meeting-{view.meeting.id}.csv"'
            ),
            "cache-control": "private, no-store",
        },
    )


async def remind_missing(request: Request) -> Response:
    meeting_id = int_param(request, "meeting_id")
    async with db_of(request).transaction() as tx:
        count = await reminders.remind_positions_now(tx, actor_of(request), meeting_id)
    return RedirectResponse(
        f"/meetings/{meeting_id}/matrix?{urlencode({'reminded': count})}", status_code=303
    )


async def _triage_page(
    request: Request, meeting_id: int, *, error: str = "", status: int = 200
) -> Response:
    actor = actor_of(request)
    async with db_of(request).transaction() as tx:
        state = await triage.current_triage(tx, actor, meeting_id)
    # Read once the triage (if it was due) committed: audit events join the chain at commit.
    async with db_of(request).transaction() as tx:
        record = await triage.record_of(tx, actor, meeting_id)
    body_id = state.meeting.body_id
    seat = actor.seat(body_id)
    return render(
        request,
        "triage.html",
        {
            **page_tools(request),
            **stance_tools(),
            "state": state,
            "record": record,
            "error": error,
            "deadline": positions.deadline_of(state.meeting),
            "prepares": can(actor, Permission.PREPARE_MEETINGS, body_id),
            "runs": can(actor, Permission.RUN_SESSION, body_id),
            "sees_matrix": can(actor, Permission.VIEW_POSITIONS, body_id),
            "votes": seat is not None
            and can(actor, Permission.GIVE_POSITION, body_id)
            and seat.stand_in_for_id is None,
            "pulled_text": triage.PULLED,
            "item_names": {i.id: f"{i.ordinal}. {i.title}" for i in state.items},
        },
        status=status,
    )


async def triage_page(request: Request) -> Response:
    return await _triage_page(request, int_param(request, "meeting_id"))


async def run_triage(request: Request) -> Response:
    meeting_id = int_param(request, "meeting_id")
    async with db_of(request).transaction() as tx:
        await triage.run_triage(tx, actor_of(request), meeting_id)
    return RedirectResponse(f"/meetings/{meeting_id}/triage", status_code=303)


async def _item_action(request: Request, action: str) -> Response:
    """Move (secretariat) or pull (member) an item; a refusal comes back on the page."""
    form = await request.form()
    item_id = int_param(request, "item_id")
    reason = str(form.get("reason") or "")
    async with db_of(request).read() as session:
        item = await session.get(AgendaItem, item_id)
    meeting_id = int_param(request, "meeting_id")
    try:
        async with db_of(request).transaction() as tx:
            if item is None or item.meeting_id != meeting_id:
                raise ValidationFailed("This item is not on this meeting's agenda.")
            if action == "move":
                await triage.override(
                    tx,
                    actor_of(request),
                    item_id=item_id,
                    status=str(form.get("to") or ""),
                    reason=reason,
                )
            else:
                await triage.pull(tx, actor_of(request), item_id=item_id, reason=reason)
    except (ValidationFailed, Conflict) as error:
        _ = gettext_for(locale_of(request))
        return await _triage_page(
            request, meeting_id, status=error.status, error=_(error.message, **error.params)
        )
    return RedirectResponse(f"/meetings/{meeting_id}/triage#item-{item_id}", status_code=303)


async def move_item(request: Request) -> Response:
    return await _item_action(request, "move")


async def pull_item(request: Request) -> Response:
    return await _item_action(request, "pull")


def routes() -> list[BaseRoute]:
    return [
        page("/meetings/{meeting_id:int}/matrix", matrix_page, name="matrix"),
        page("/meetings/{meeting_id:int}/matrix.csv", matrix_csv, name="matrix_csv"),
        page(
            "/meetings/{meeting_id:int}/reminders",
            remind_missing,
            methods=["POST"],
            name="remind_missing",
        ),
        page("/meetings/{meeting_id:int}/triage", triage_page, name="triage"),
        page("/meetings/{meeting_id:int}/triage", run_triage, methods=["POST"], name="run_triage"),
        page(
            "/meetings/{meeting_id:int}/items/{item_id:int}/move",
            move_item,
            methods=["POST"],
            name="move_item",
        ),
        page(
            "/meetings/{meeting_id:int}/items/{item_id:int}/pull",
            pull_item,
            methods=["POST"],
            name="pull_item",
        ),
    ]
