"""A "choose one option" live vote (phương án 1/2/3): members choose one of the options
the secretariat prepared or abstain; the signed ballot names the option's key and labels;
an unknown key is refused precisely, and a tampered or replayed ballot still is."""

from __future__ import annotations

import json
from typing import Any

import httpx
from sqlmodel import select

from ecabinet.db import Database
from ecabinet.minutes.collect import collect
from ecabinet.minutes.evidence import evidence_of, to_bytes
from ecabinet.minutes.findings import Report
from ecabinet.minutes.recount import check_evidence
from ecabinet.minutes.render import EvidenceSummary, render_minutes
from ecabinet.models import Ballot
from ecabinet.settings import Settings

from ..support.deliberation import pdf_text
from ..support.live import Session, Tablet, make_session, post, tablet

SITES = [
    {"label": "Phương án 1: Đông Anh", "label_en": "Option 1: Dong Anh"},
    {"label": "Phương án 2: Gia Lâm", "label_en": "Option 2: Gia Lam"},
    {"label": "Phương án 3: Hoài Đức", "label_en": ""},
]


async def voting(
    client: httpx.AsyncClient, db: Database, settings: Settings, made: list[Tablet], **rules: Any
) -> tuple[Session, list[Tablet]]:
    """A session on its first contested item, the chair and three members checked in."""
    live = await make_session(db, settings, extra_members=2, **rules)
    ones = [
        await tablet(client._transport, str(client.base_url), settings, live.seats[role])
        for role in ("chair", "member", "member-1", "member-2")
    ]
    made += ones
    chair = ones[0]
    await post(chair, f"/api/meetings/{live.meeting_id}/session/open", {"confirm": True})
    for one in ones:
        assert (await one.check_in(live.meeting_id)).status_code == 200
    await post(chair, f"/api/meetings/{live.meeting_id}/consent-block/adopt")
    await post(chair, f"/api/meetings/{live.meeting_id}/session/next")
    return live, ones


async def open_options_vote(chair: Tablet, item: int) -> dict[str, Any]:
    return await post(
        chair,
        f"/api/items/{item}/polls",
        {"question": "Chọn địa điểm xây dựng bệnh viện?", "options": SITES},
    )


async def test_a_member_chooses_an_option_and_signs_its_key_and_label(
    client: httpx.AsyncClient, db: Database, settings: Settings, tablets: list[Tablet]
) -> None:
    live, [chair, member, *_] = await voting(client, db, settings, tablets)
    poll = await open_options_vote(chair, live.items[1])
    assert poll["options"] == ["opt1", "opt2", "opt3", "abstain"]
    assert [o["key"] for o in poll["question_options"]] == ["opt1", "opt2", "opt3"]
    assert poll["question_options"][2] == {
        "key": "opt3",
        "label": "Phương án 3: Hoài Đức",
        "label_en": "",
    }

    issued, signed = await member.ballot(poll, "opt2")
    assert issued["payload"]["choice"] == "opt2"
    assert issued["payload"]["option"] == {
        "key": "opt2",
        "label": "Phương án 2: Gia Lâm",
        "label_en": "Option 2: Gia Lam",
    }
    cast = await member.client.post(f"/api/polls/{poll['id']}/ballots", json=signed)
    assert cast.status_code == 201, cast.text
    assert cast.json()["choice"] == "opt2"
    async with db.read() as session:
        ballot = (await session.exec(select(Ballot))).one()
    assert ballot.choice == "opt2"
    assert json.loads(ballot.payload)["option"]["label"] == "Phương án 2: Gia Lâm"

    abstaining, _ = await chair.ballot(poll, "abstain")
    assert "option" not in abstaining["payload"]


async def test_an_unknown_option_key_or_a_classic_choice_is_refused_precisely(
    client: httpx.AsyncClient, db: Database, settings: Settings, tablets: list[Tablet]
) -> None:
    live, [chair, member, *_] = await voting(client, db, settings, tablets)
    poll = await open_options_vote(chair, live.items[1])
    for choice in ("opt4", "for", "Phương án 1: Đông Anh"):
        refused = await member.options(poll, choice)
        assert refused.status_code == 422, refused.text
        assert refused.json()["detail"] == (
            f"{choice} is not one of this question's options; choose one of "
            "opt1, opt2, opt3, abstain."
        )
    async with db.read() as session:
        assert (await session.exec(select(Ballot))).all() == []


async def test_a_ballot_altered_after_signing_or_replayed_by_another_is_refused(
    client: httpx.AsyncClient, db: Database, settings: Settings, tablets: list[Tablet]
) -> None:
    live, [chair, member, minister, _] = await voting(client, db, settings, tablets)
    poll = await open_options_vote(chair, live.items[1])
    url = f"/api/polls/{poll['id']}/ballots"
    _, signed = await member.ballot(poll, "opt1")
    # The same signature over another option, or over the same key with another label.
    for change in (
        {"choice": "opt2", "option": {**signed["payload"]["option"], "key": "opt2"}},
        {"option": {**signed["payload"]["option"], "label": "Phương án 2: Gia Lâm"}},
    ):
        altered = await member.client.post(
            url, json={**signed, "payload": {**signed["payload"], **change}}
        )
        assert altered.status_code == 403, altered.text
    replayed = await minister.client.post(url, json=signed)
    assert replayed.status_code == 403, replayed.text
    async with db.read() as session:
        assert (await session.exec(select(Ballot))).all() == []


async def test_a_question_offers_two_to_nine_options_each_with_its_label(
    client: httpx.AsyncClient, db: Database, settings: Settings, tablets: list[Tablet]
) -> None:
    live, [chair, *_] = await voting(client, db, settings, tablets)
    url = f"/api/items/{live.items[1]}/polls"
    cases = [
        ([SITES[0]], "A question offers from 2 to 9 options."),
        (
            [SITES[0], {"label": "", "label_en": "Option 2"}],
            "Each option needs its label in Vietnamese.",
        ),
        ([SITES[0], {"label": " Phương án 1:  Đông Anh "}], "Two options have the same label."),
    ]
    for options, detail in cases:
        refused = await chair.client.post(url, json={"options": options})
        assert refused.status_code == 422, refused.text
        assert refused.json()["detail"] == detail


async def test_the_option_with_most_votes_reaching_the_threshold_is_adopted_and_shown(
    client: httpx.AsyncClient, db: Database, settings: Settings, tablets: list[Tablet]
) -> None:
    live, [chair, member, minister, other] = await voting(client, db, settings, tablets)
    poll = await open_options_vote(chair, live.items[1])
    shown = (await member.snapshot(live.meeting_id))["poll"]
    assert [o["label"] for o in shown["question_options"]] == [s["label"] for s in SITES]
    for one, choice in ((chair, "opt2"), (member, "opt2"), (minister, "opt2"), (other, "opt1")):
        assert (await one.vote(poll, choice)).status_code == 201
    closed = await post(chair, f"/api/polls/{poll['id']}/close")
    assert closed["passed"] and closed["adopted"] == "opt2"
    assert closed["sentence"] == "Adopted: Option 2: Gia Lam, with 3 of 4 votes; 3 were needed."
    [result] = (await other.snapshot(live.meeting_id))["results"]
    assert result["outcome"]["options"] == {"opt1": 1, "opt2": 3, "opt3": 0}
    assert result["outcome"]["adopted"] == "opt2" and result["rule"] == "option_majority"
    assert result["sentence"]["vi"] == ("Thông qua: Phương án 2: Gia Lâm, được 3/4 phiếu; cần 3.")
    assert len(result["by_choice"]["opt2"]) == 3 and result["by_choice"]["abstain"] == []
    assert (await other.snapshot(live.meeting_id))["agenda"][1]["status"] == "adopted"


async def test_a_tie_for_first_place_goes_to_the_chairs_option(
    client: httpx.AsyncClient, db: Database, settings: Settings, tablets: list[Tablet]
) -> None:
    live, [chair, member, minister, other] = await voting(client, db, settings, tablets)
    poll = await open_options_vote(chair, live.items[1])
    for one, choice in ((chair, "opt3"), (member, "opt3"), (minister, "opt1"), (other, "opt1")):
        assert (await one.vote(poll, choice)).status_code == 201
    closed = await post(chair, f"/api/polls/{poll['id']}/close")
    assert closed["adopted"] == "opt3" and closed["rule"] == "option_tie_chair"
    assert closed["sentence"] == (
        "Adopted on a tie (Option 1: Dong Anh; Phương án 3: Hoài Đức, 2 votes each): "
        "Phương án 3: Hoài Đức, the option the chair voted for, prevails."
    )


def _recount(evidence: dict[str, Any]) -> list[str]:
    """The verifier's findings on the evidence, as English sentences (problems first)."""
    report = Report("minutes.pdf", "0" * 64)
    check_evidence(report, to_bytes(evidence))
    english = lambda message, **params: message % params if params else message  # noqa: E731
    return [f.text(english) for f in report.problems] or [
        f.text(english) for s in report.sections for f in s.findings
    ]


async def test_the_minutes_list_the_options_and_the_verifier_recounts_them(
    client: httpx.AsyncClient, db: Database, settings: Settings, tablets: list[Tablet]
) -> None:
    live, [chair, member, minister, other] = await voting(client, db, settings, tablets)
    poll = await open_options_vote(chair, live.items[1])
    for one, choice in ((chair, "opt2"), (member, "opt2"), (minister, "opt2"), (other, "abstain")):
        assert (await one.vote(poll, choice)).status_code == 201
    await post(chair, f"/api/polls/{poll['id']}/close")

    async with db.read() as session:
        record = await collect(session, settings, live.meeting_id)
    [vote] = record.votes
    assert vote.options == ("opt1", "opt2", "opt3", "abstain")
    assert [o["label"] for o in vote.labels] == [s["label"] for s in SITES]
    text = " ".join(
        pdf_text(render_minutes(record, EvidenceSummary("0" * 64, 0), locale="en").data).split()
    )
    assert "Option 1 (opt1): Option 1: Dong Anh: 0 votes." in text
    assert "Option 2 (opt2): Option 2: Gia Lam: 3 votes." in text
    assert "Option 3 (opt3): Phương án 3: Hoài Đức: 0 votes." in text
    assert "Result: Option 2: Gia Lam is adopted." in text
    assert "1 abstaining; 4 ballots of 4 members entitled to vote." in text
    vi = " ".join(
        pdf_text(render_minutes(record, EvidenceSummary("0" * 64, 0), locale="vi").data).split()
    )
    assert "Kết quả: thông qua Phương án 2: Gia Lâm." in vi

    evidence = evidence_of(record)
    assert (
        "Vote 1 (Chọn địa điểm xây dựng bệnh viện?): all 4 ballots verify; the recount gives "
        "opt1 0, opt2 3, opt3 0, abstain 1, option adopted: opt2, as recorded."
    ) in _recount(evidence)
    # The minutes claiming another option adopted.
    claimed = json.loads(to_bytes(evidence))
    claimed["votes"][0]["outcome"]["adopted"] = "opt1"
    assert _recount(claimed) == [
        "Vote 1: the recount from the evidence gives opt1 0, opt2 3, opt3 0, abstain 1, "
        "option adopted: opt2; but the minutes record opt1 0, opt2 3, opt3 0, abstain 1, "
        "option adopted: opt1."
    ]
    # The evidence offering a relabelled option: the ballots name what members were shown.
    relabelled = json.loads(to_bytes(evidence))
    relabelled["votes"][0]["labels"][1]["label"] = "Phương án 2: Sóc Sơn"
    problems = _recount(relabelled)
    assert len(problems) == 4 and all("but the vote offered" in p for p in problems[:3])


async def test_a_secret_option_vote_is_recounted_from_its_receipts(
    client: httpx.AsyncClient, db: Database, settings: Settings, tablets: list[Tablet]
) -> None:
    live, [chair, member, minister, other] = await voting(
        client, db, settings, tablets, secret_ballot_allowed=True
    )
    poll = await post(
        chair,
        f"/api/items/{live.items[1]}/polls",
        {"question": "Chọn địa điểm?", "options": SITES, "secret": True},
    )
    for one, choice in ((chair, "opt3"), (member, "opt3"), (minister, "opt3"), (other, "opt1")):
        assert (await one.vote(poll, choice)).status_code == 201
    closed = await post(chair, f"/api/polls/{poll['id']}/close")
    assert closed["adopted"] == "opt3"
    async with db.read() as session:
        evidence = evidence_of(await collect(session, settings, live.meeting_id))
    assert (
        "Vote 1 is a secret ballot: its 4 receipts with their choices recount to opt1 1, "
        "opt2 0, opt3 3, abstain 0, as recorded; each member can find their own receipt. "
        "The signed ballots stay on the server to keep the vote secret."
    ) in _recount(evidence)
    moved = json.loads(to_bytes(evidence))
    entry = next(e for e in moved["votes"][0]["secretBallots"] if e["choice"] == "opt1")
    entry["choice"] = "abstain"
    assert _recount(moved) == [
        "Vote 1 (secret ballot): the receipts' choices recount to opt1 0, opt2 0, opt3 3, "
        "abstain 1, but the minutes record opt1 1, opt2 0, opt3 3, abstain 0."
    ]


async def test_a_rerun_of_an_annulled_option_vote_offers_the_same_options(
    client: httpx.AsyncClient, db: Database, settings: Settings, tablets: list[Tablet]
) -> None:
    live, (chair, member, *_) = await voting(client, db, settings, tablets)
    poll = await open_options_vote(chair, live.items[1])
    assert (await member.vote(poll, "opt2")).status_code == 201
    annulled = await chair.client.post(
        f"/api/polls/{poll['id']}/annul", json={"reason": "Nhầm phương án"}
    )
    assert annulled.status_code == 200, annulled.text
    again = await post(chair, f"/api/polls/{poll['id']}/rerun")
    assert again["rerun_of"] == poll["id"]
    assert again["options"] == poll["options"]
    assert again["question_options"] == poll["question_options"]
    assert (await member.vote(again, "opt3")).status_code == 201
