"""A written poll whose question offers options to choose between (phương án): drafted
through the API or the form, answered with option keys, decided once everyone answered (no
option stands for silence), and shown with its labels on the page and the result notice."""

from __future__ import annotations

from dataclasses import replace

import httpx
import pytest

from ecabinet.db import Database
from ecabinet.settings import Settings
from ecabinet.web.pages_polls import questions_from_text

from .support.deliberation import add_members, pdf_text, signed_in
from .support.factories import seat_people
from .support.polls import draft, vote

SITES = [
    {"label": "Phương án 1: Đông Anh", "label_en": "Option 1: Dong Anh"},
    {"label": "Phương án 2: Gia Lâm"},
]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return replace(settings, signin_attempts_per_minute=500)


def test_the_form_lists_a_questions_options_under_it() -> None:
    text = (
        "Chọn địa điểm?\n- Phương án 1: Đông Anh | Option 1: Dong Anh\n -Phương án 2: Gia Lâm\n"
        "\nThông qua tờ trình?\n"
    )
    assert questions_from_text(text) == (
        ["Chọn địa điểm?", "Thông qua tờ trình?"],
        [
            (("Phương án 1: Đông Anh", "Option 1: Dong Anh"), ("Phương án 2: Gia Lâm", "")),
            (),
        ],
    )


async def test_members_choose_an_option_in_a_written_poll_decided_once_all_answered(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    body_id = seats["member"].body_id
    ministers = await add_members(db, settings, body_id, 3)
    async with signed_in(
        client, settings, [seats["secretariat"], seats["chair"], seats["member"], *ministers]
    ) as people:
        office, chair, members = people[0], people[1], people[1:]
        one_option = await office.client.post(
            f"/api/bodies/{body_id}/polls",
            json={"title": "X", "questions": ["Chọn?"], "options": [[SITES[0]]]},
        )
        assert one_option.status_code == 422
        assert one_option.json()["detail"] == "Mỗi câu hỏi có từ 2 đến 9 phương án."
        poll = await draft(
            office,
            body_id,
            questions=["Chọn địa điểm?", "Thông qua tờ trình?"],
            options=[SITES, []],
        )
        choose, adopt = poll["questions"]
        assert [o["key"] for o in choose["options"]] == ["opt1", "opt2"] and adopt["options"] == []
        await chair.client.post(f"/api/polls/{poll['id']}/send", json={})
        page = (await members[1].client.get(f"/polls/{poll['id']}")).text
        assert 'data-choice="opt2">Phương án 2: Gia Lâm</button>' in page
        wrong = await members[1].client.post(
            f"/api/polls/{poll['id']}/ballots/options",
            json={"question": adopt["id"], "choice": "opt1"},
        )
        assert wrong.status_code == 422
        assert wrong.json()["detail"] == "opt1 không phải là một lựa chọn của cuộc biểu quyết này."

        for member, choice in zip(members, ["opt2", "opt2", "opt2", "opt1"], strict=False):
            assert (await vote(member, poll["id"], choose["id"], choice)).status_code == 201
            assert (await vote(member, poll["id"], adopt["id"], "for")).status_code == 201
        # Three of five chose option 2, enough; but one member may still answer, and a poll
        # with options is decided once all have answered or at the deadline.
        view = (await office.client.get(f"/api/polls/{poll['id']}")).json()
        assert view["state"] == "open"
        assert view["questions"][0]["counts"]["opt2"] == 3
        assert (await vote(members[4], poll["id"], choose["id"], "abstain")).status_code == 201
        view = (await office.client.get(f"/api/polls/{poll['id']}")).json()
        assert view["state"] == "closed"
        decided = view["questions"][0]["outcome"]
        assert decided["adopted"] == "opt2" and decided["options"] == {"opt1": 1, "opt2": 3}
        assert decided["sentence"] == "Thông qua: Phương án 2: Gia Lâm, được 3/5 phiếu; cần 3."
        pdf = await members[0].client.get(f"/api/polls/{poll['id']}/notice.pdf")
    text = " ".join(pdf_text(pdf.content).split())
    assert "Phương án 2: Gia Lâm: 3 phiếu." in text
    assert "Không biểu quyết: 1. Không trả lời: 0." in text
