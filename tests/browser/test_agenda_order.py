"""The secretariat reorders an agenda quickly in Chromium while the server is slow to
answer: one save at a time, the moves made meanwhile saved together in the next one, and
the order shown is the order stored. A save made from an order another tablet has changed
since is refused, and the page says so and shows the order the server has."""

from __future__ import annotations

import pytest
from playwright.sync_api import APIResponse, Page, Request, Route, expect
from sqlmodel import col, select

from ecabinet.actions import agenda
from ecabinet.models import AgendaItem
from ecabinet.vocab import MeetingState

from ..support.browser import Devices, LiveServer, enroll, seats
from ..support.deliberation import make_meeting
from ..support.live import actor

pytestmark = pytest.mark.browser


def title(n: int) -> str:
    return f"Tờ trình số {n} về dự thảo Nghị định"


def stored(server: LiveServer, meeting_id: int) -> list[str]:
    async def read() -> list[str]:
        async with server.db.read() as session:
            rows = await session.exec(
                select(AgendaItem.title)
                .where(AgendaItem.meeting_id == meeting_id)
                .order_by(col(AgendaItem.ordinal))
            )
            return list(rows.all())

    return server.call(read())


def shown(page: Page, titles: list[str]) -> None:
    headings = page.locator(".workspace-agenda > li h3")
    expect(headings).to_have_text([f"{n}. {t}" for n, t in enumerate(titles, start=1)])


def move(page: Page, direction: str, n: int) -> None:
    page.get_by_role("button", name=f"Chuyển {direction}: {title(n)}", exact=True).click()


def settled(page: Page) -> None:
    expect(page.locator(".workspace-agenda")).not_to_have_attribute("aria-busy", "true")


def test_quick_moves_during_a_slow_save_end_in_the_order_stored(
    live_server: LiveServer, devices: Devices
) -> None:
    people = seats(live_server)
    meeting_id, item_ids = live_server.call(
        make_meeting(
            live_server.db, people["secretariat"].body_id, items=4, state=MeetingState.DRAFT
        )
    )
    tablet = devices.new()
    enroll(tablet, people["secretariat"].token, name="iPad của Văn phòng")
    page = tablet.open(f"/workspace/meetings/{meeting_id}")
    shown(page, [title(1), title(2), title(3), title(4)])

    # The first save reaches the server and is carried out; its answer is held back.
    sent: list[Request] = []
    held: list[tuple[Route, APIResponse]] = []

    def hold_the_first_answer(route: Route) -> None:
        sent.append(route.request)
        answer = route.fetch()
        if len(sent) == 1:
            held.append((route, answer))
            page.evaluate("window.orderHeld = true")  # for the test to wait on
        else:
            route.fulfill(response=answer)

    page.route("**/agenda/order", hold_the_first_answer)
    move(page, "lên", 4)
    page.wait_for_function("() => window.orderHeld === true")
    # Two more moves while the first save is on its way: none is sent meanwhile.
    move(page, "lên", 4)
    move(page, "xuống", 1)
    shown(page, [title(4), title(1), title(2), title(3)])
    assert len(sent) == 1
    [(route, answer)] = held
    route.fulfill(response=answer)

    def ids(numbers: list[int]) -> list[int]:
        return [item_ids[n - 1] for n in numbers]

    settled(page)
    assert [request.post_data_json for request in sent] == [
        {"itemIds": ids([1, 2, 4, 3]), "basedOn": ids([1, 2, 3, 4])},
        {"itemIds": ids([4, 1, 2, 3]), "basedOn": ids([1, 2, 4, 3])},
    ]
    expect(page.locator("[data-reorder-error]")).to_be_hidden()
    shown(page, [title(4), title(1), title(2), title(3)])
    assert stored(live_server, meeting_id) == [title(4), title(1), title(2), title(3)]


def test_a_save_refused_because_another_tablet_saved_first_shows_the_order_stored(
    live_server: LiveServer, devices: Devices
) -> None:
    people = seats(live_server)
    meeting_id, item_ids = live_server.call(
        make_meeting(
            live_server.db, people["secretariat"].body_id, items=3, state=MeetingState.DRAFT
        )
    )
    tablet = devices.new()
    enroll(tablet, people["secretariat"].token, name="iPad của Văn phòng")
    page = tablet.open(f"/workspace/meetings/{meeting_id}")
    shown(page, [title(1), title(2), title(3)])

    # Another secretary's tablet puts the last item first; this page still shows the old order.
    async def elsewhere() -> None:
        secretary = await actor(live_server.db, people["secretariat"].person_id)
        async with live_server.db.transaction() as tx:
            first = [item_ids[2], item_ids[0], item_ids[1]]
            await agenda.reorder(tx, secretary, meeting_id, first, expected_order=item_ids)

    live_server.call(elsewhere())
    with page.expect_response("**/agenda/order") as answer:
        move(page, "xuống", 1)
    assert answer.value.status == 409

    expect(page.locator("[data-reorder-error]")).to_have_text(
        "Chương trình họp đã được thay đổi ở nơi khác (trên một máy tính bảng khác) sau lần "
        "bạn xem gần nhất, nên thứ tự của bạn chưa được lưu. "
        "Chương trình họp giờ đang hiển thị thứ tự đã được lưu."
    )
    settled(page)
    shown(page, [title(3), title(1), title(2)])
    assert stored(live_server, meeting_id) == [title(3), title(1), title(2)]

    # Made again from the order shown now, the move is saved.
    with page.expect_response("**/agenda/order") as answer:
        move(page, "xuống", 3)
    assert answer.value.ok
    expect(page.locator("[data-reorder-error]")).to_be_hidden()
    settled(page)
    shown(page, [title(1), title(3), title(2)])
    assert stored(live_server, meeting_id) == [title(1), title(3), title(2)]
