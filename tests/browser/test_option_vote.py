"""A three-option vote (phương án 1/2/3) in Chromium: the chair prepares the options in
Vietnamese and English, members (one on a 390×844 phone) see them as large buttons and
choose with their passkeys, and the tablets and the room display show each option's votes
and the option adopted."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from ..support.browser import (
    PROJECTOR,
    Devices,
    LiveServer,
    assert_accessible,
    bound,
    convene,
    join,
)
from ..support.live import make_session

pytestmark = pytest.mark.browser

SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshot-display-options.png"
OPTIONS = ["Phương án 1: Đông Anh", "Phương án 2: Gia Lâm", "Phương án 3: Hoài Đức"]


def test_members_choose_between_three_options_and_every_screen_shows_the_one_adopted(
    live_server: LiveServer, devices: Devices
) -> None:
    live = live_server.call(make_session(live_server.db, live_server.settings, extra_members=1))
    roles = ("chair", "member", "member-1")
    room = convene(join(devices, live, roles, phones=("member-1",), display=PROJECTOR))
    tablets = list(room.tablets.values())
    chair_page, member_page, phone_page = tablets
    display = room.display
    assert display is not None
    screens = room.screens

    chair_page.get_by_label("Nội dung đưa ra biểu quyết").fill("Chọn địa điểm xây dựng bệnh viện?")
    chair_page.get_by_label("Các phương án để lựa chọn").fill("\n".join(OPTIONS))
    chair_page.get_by_label("Các phương án đó bằng tiếng Anh").fill(
        "Option 1: Dong Anh\nOption 2: Gia Lam\nOption 3: Hoai Duc"
    )
    chair_page.get_by_role("button", name="Mở biểu quyết").click()
    for page in screens:
        expect(bound(page, "question")).to_have_text("Chọn địa điểm xây dựng bệnh viện?")
        expect(page.locator('[data-part="vote-options"] li')).to_have_text(OPTIONS)
    # On the phone the options are large buttons on the first screen, long labels wrapped.
    choices = phone_page.locator('[data-part="choices"] button')
    expect(choices).to_have_text([*OPTIONS, "Không biểu quyết"])
    box = choices.first.bounding_box()
    assert box is not None and box["width"] <= 390 and box["height"] >= 64
    assert_accessible(phone_page)
    for page, label in (
        (chair_page, OPTIONS[1]),
        (member_page, OPTIONS[1]),
        (phone_page, OPTIONS[0]),
    ):
        page.get_by_role("button", name=label, exact=True).click()
        expect(bound(page, "my-ballot")).to_contain_text(f"{label}. ")
    expect(bound(display, "cast-number")).to_have_text("3")

    chair_page.get_by_role("button", name="Kết thúc biểu quyết").click()
    for page in screens:
        expect(bound(page, "sentence")).to_have_text(
            "Thông qua: Phương án 2: Gia Lâm, được 2/3 phiếu; cần 2."
        )
        results = page.locator('[data-part="option-results"] li')
        expect(results).to_have_text(
            [
                "Phương án 1: Đông Anh (1 phiếu)",
                "Phương án 2: Gia Lâm (2 phiếu) (được thông qua)",
                "Phương án 3: Hoài Đức (0 phiếu)",
            ]
        )
    for page in tablets:
        expect(page.locator('[data-part="agenda"] li').nth(1)).to_contain_text("Thông qua")
    expect(bound(display, "current-status")).to_have_text("Thông qua")
    bars = display.locator('[data-part="bars"] svg')
    expect(bars).to_have_attribute(
        "aria-label", "Phương án 1: 1, Phương án 2: 2, Phương án 3: 0, Không biểu quyết: 0"
    )
    assert_accessible(display)
    display.screenshot(path=str(SCREENSHOT))
