"""Written positions: given until the opinion deadline, then frozen (refused and audited);
every change kept; an assistant drafts and the member submits; the matrix."""

from __future__ import annotations

import httpx
from sqlmodel import select

from ecabinet.ballots.electorate import entitled_voters
from ecabinet.db import Database
from ecabinet.models import Membership, Person, Position, PositionRevision
from ecabinet.settings import Settings

from .support.deliberation import add_members, last_event, make_meeting, pass_deadline, signed_in
from .support.factories import authenticator, enroll, seat_people


async def test_a_member_gives_and_changes_a_position_and_every_change_is_kept(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    await enroll(client, seats["member"].token, authenticator(settings))
    _meeting, items = await make_meeting(db, seats["member"].body_id)
    first = await client.put(f"/api/items/{items[0]}/positions/me", json={"stance": "agree"})
    assert first.status_code == 200, first.text
    assert first.json()["stance"] == "agree" and first.json()["submitted"] is True
    second = await client.put(
        f"/api/items/{items[0]}/positions/me",
        json={"stance": "disagree", "text": "Chưa đánh giá tác động đến ngân sách địa phương."},
    )
    assert second.status_code == 200
    event = await last_event(db)
    assert event.kind == "position.submitted" and event.data["stance"] == "disagree"
    async with db.read() as session:
        position = (await session.exec(select(Position))).one()
        revisions = (await session.exec(select(PositionRevision))).all()
    assert position.stance == "disagree"
    assert [r.stance for r in revisions] == ["agree", "disagree"]
    seat_id = first.json()["membership"]
    history = await client.get(f"/api/items/{items[0]}/positions/{seat_id}/history")
    assert [r["stance"] for r in history.json()["revisions"]] == ["agree", "disagree"]


async def test_the_same_answer_again_adds_no_revision(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    await enroll(client, seats["member"].token, authenticator(settings))
    _meeting, items = await make_meeting(db, seats["member"].body_id)
    for _ in range(2):
        await client.put(f"/api/items/{items[0]}/positions/me", json={"stance": "agree"})
    async with db.read() as session:
        assert len((await session.exec(select(PositionRevision))).all()) == 1


async def test_text_is_required_except_for_plain_agreement(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    await enroll(client, seats["member"].token, authenticator(settings))
    _meeting, items = await make_meeting(db, seats["member"].body_id)
    client.cookies.set("ecab_lang", "en")
    for stance in ("agree_with_comments", "disagree", "discuss"):
        response = await client.put(
            f"/api/items/{items[0]}/positions/me", json={"stance": stance, "text": "  "}
        )
        assert response.status_code == 422, stance
        assert response.json()["detail"].startswith("Say why in a few words")
    unknown = await client.put(f"/api/items/{items[0]}/positions/me", json={"stance": "yes"})
    assert unknown.status_code == 422
    ok = await client.put(
        f"/api/items/{items[0]}/positions/me",
        json={"stance": "discuss", "text": "Cần làm rõ lộ trình."},
    )
    assert ok.status_code == 200


async def test_a_position_after_the_deadline_is_refused_precisely_and_audited(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    await enroll(client, seats["member"].token, authenticator(settings))
    meeting, items = await make_meeting(db, seats["member"].body_id)
    await client.put(f"/api/items/{items[0]}/positions/me", json={"stance": "agree"})
    await pass_deadline(db, meeting)
    client.cookies.set("ecab_lang", "en")
    late = await client.put(
        f"/api/items/{items[0]}/positions/me", json={"stance": "disagree", "text": "Đổi ý."}
    )
    assert late.status_code == 409
    problem = late.json()
    assert problem["type"] == "urn:ecabinet:problem:positions-closed"
    assert "deadline for written positions passed at" in problem["detail"]
    assert "UTC" in problem["detail"]
    event = await last_event(db)
    assert event.kind == "refused.positions-closed"
    assert event.subject == f"item:{items[0]}" and event.actor_id == seats["member"].person_id
    async with db.read() as session:
        assert (await session.exec(select(Position))).one().stance == "agree"


async def test_only_members_give_positions(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    _meeting, items = await make_meeting(db, seats["member"].body_id)
    for role in ("observer", "secretariat"):
        client.cookies.clear()
        await enroll(client, seats[role].token, authenticator(settings))
        response = await client.put(f"/api/items/{items[0]}/positions/me", json={"stance": "agree"})
        assert response.status_code == 403, role
    client.cookies.clear()
    anonymous = await client.put(f"/api/items/{items[0]}/positions/me", json={"stance": "agree"})
    assert anonymous.status_code == 401


async def test_an_assistant_drafts_and_only_the_members_submission_counts(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    body_id = seats["member"].body_id
    async with db.transaction() as tx:
        member = (
            await tx.session.exec(
                select(Membership).where(Membership.person_id == seats["member"].person_id)
            )
        ).one()
        helper = (
            await tx.session.exec(
                select(Membership).where(Membership.person_id == seats["observer"].person_id)
            )
        ).one()
        helper.assists_id = member.id
        tx.session.add(helper)
    _meeting, items = await make_meeting(db, body_id)
    async with signed_in(
        client, settings, [seats["observer"], seats["member"], seats["secretariat"], seats["chair"]]
    ) as people:
        assistant, minister, office, chair = people
        draft = await assistant.client.put(
            f"/api/items/{items[0]}/positions/{member.id}/draft",
            json={"stance": "agree_with_comments", "text": "Đề nghị bổ sung Điều 5."},
        )
        assert draft.status_code == 200, draft.text
        assert draft.json()["submitted"] is False
        matrix = (await office.client.get(f"/api/meetings/{_meeting}/positions")).json()
        assert matrix["cells"] == []  # a draft counts for nothing
        notes = (await minister.client.get("/api/me/notifications")).json()["notifications"]
        assert notes and notes[0]["kind"] == "position.draft"
        sheet = (await minister.client.get(f"/api/meetings/{_meeting}/positions/me")).json()
        reviewed = sheet["items"][0]["position"]
        assert reviewed["stance"] == "agree_with_comments"
        unsaid = await minister.client.post(f"/api/items/{items[0]}/positions/me/submit", json={})
        assert unsaid.status_code == 422  # which revision was reviewed must be said
        # The assistant changes the draft after the member read it: submitting what the
        # member reviewed is refused, and the changed draft does not count.
        changed = await assistant.client.put(
            f"/api/items/{items[0]}/positions/{member.id}/draft",
            json={"stance": "disagree", "text": "Không đồng ý toàn bộ."},
        )
        assert changed.status_code == 200
        stale = await minister.client.post(
            f"/api/items/{items[0]}/positions/me/submit", json={"revision": reviewed["revision"]}
        )
        assert stale.status_code == 409, stale.text
        assert stale.json()["type"] == "urn:ecabinet:problem:draft-changed"
        assert "Trợ lý của bạn đã sửa bản dự thảo này sau khi bạn xem" in stale.json()["detail"]
        matrix = (await office.client.get(f"/api/meetings/{_meeting}/positions")).json()
        assert matrix["cells"] == []
        sheet = (await minister.client.get(f"/api/meetings/{_meeting}/positions/me")).json()
        reviewed = sheet["items"][0]["position"]
        assert reviewed["stance"] == "disagree"
        submitted = await minister.client.post(
            f"/api/items/{items[0]}/positions/me/submit", json={"revision": reviewed["revision"]}
        )
        assert submitted.status_code == 200 and submitted.json()["submitted"] is True
        matrix = (await office.client.get(f"/api/meetings/{_meeting}/positions")).json()
        assert [c["stance"] for c in matrix["cells"]] == ["disagree"]
        again = await assistant.client.put(
            f"/api/items/{items[0]}/positions/{member.id}/draft",
            json={"stance": "disagree", "text": "Không đồng ý."},
        )
        assert again.status_code == 409
        not_theirs = await chair.client.put(
            f"/api/items/{items[1]}/positions/{member.id}/draft", json={"stance": "agree"}
        )
        assert not_theirs.status_code == 403
        history = (
            await minister.client.get(f"/api/items/{items[0]}/positions/{member.id}/history")
        ).json()["revisions"]
        assert [r["action"] for r in history] == ["drafted", "drafted", "submitted"]


async def test_the_matrix_is_for_the_secretariat_and_the_chair(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    body_id = seats["member"].body_id
    extra = await add_members(db, settings, body_id, 2)
    meeting, items = await make_meeting(db, body_id, items=2)
    async with signed_in(
        client, settings, [seats["member"], *extra, seats["secretariat"], seats["chair"]]
    ) as people:
        member, first, second, office, chair = people
        await member.client.put(f"/api/items/{items[0]}/positions/me", json={"stance": "agree"})
        await first.client.put(
            f"/api/items/{items[0]}/positions/me", json={"stance": "disagree", "text": "Trái luật."}
        )
        await second.client.put(
            f"/api/items/{items[1]}/positions/me",
            json={"stance": "discuss", "text": "Xin thảo luận."},
        )
        assert (await member.client.get(f"/api/meetings/{meeting}/positions")).status_code == 403
        assert (await chair.client.get(f"/api/meetings/{meeting}/positions")).status_code == 200
        view = (await office.client.get(f"/api/meetings/{meeting}/positions")).json()
    assert len(view["members"]) == 4  # chair, member and the two ministers; not the others
    counts = {i["id"]: i["counts"] for i in view["items"]}
    assert counts[items[0]] == {
        "agree": 1,
        "agree_with_comments": 0,
        "disagree": 1,
        "discuss": 0,
        "missing": 2,
    }
    assert counts[items[1]]["discuss"] == 1 and counts[items[1]]["missing"] == 3
    assert view["responseRate"]["answered"] == 3 and view["responseRate"]["total"] == 8
    assert [p["answered"] for p in view["responseRate"]["over_time"]] == [1, 2, 3]


async def test_the_matrix_has_a_row_for_each_voter_and_no_one_else(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    """The matrix reads its rows itself: they are the seats that vote in a ballot (chair
    and members, active, not stand-ins), in seat order, each with the person's name."""
    seats = await seat_people(db, settings)
    body_id = seats["member"].body_id
    retired, deputy = await add_members(db, settings, body_id, 2)
    meeting, _items = await make_meeting(db, body_id)
    async with db.transaction() as tx:
        rows = {
            s.person_id: s
            for s in (
                await tx.session.exec(select(Membership).where(Membership.body_id == body_id))
            ).all()
        }
        rows[retired.person_id].active = False
        rows[deputy.person_id].stand_in_for_id = rows[seats["member"].person_id].id
        tx.session.add_all([rows[retired.person_id], rows[deputy.person_id]])
    async with signed_in(client, settings, [seats["secretariat"]]) as (office,):
        view = (await office.client.get(f"/api/meetings/{meeting}/positions")).json()
    async with db.read() as session:
        voters = await entitled_voters(session, body_id)
        names = {p.id: p.full_name for p in (await session.exec(select(Person))).all()}
    assert [m["membership"] for m in view["members"]] == [v.id for v in voters]
    assert [m["name"] for m in view["members"]] == [names[v.person_id] for v in voters]
    assert {retired.person_id, deputy.person_id}.isdisjoint(m["person"] for m in view["members"])


async def test_the_secretariat_records_who_assists_whom(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    async with db.read() as session:
        ids = {m.person_id: m.id for m in (await session.exec(select(Membership))).all()}
    member, helper, chair = (ids[seats[r].person_id] for r in ("member", "observer", "chair"))
    _meeting, items = await make_meeting(db, seats["member"].body_id, items=1)
    async with signed_in(
        client, settings, [seats["secretariat"], seats["member"], seats["observer"]]
    ) as people:
        office, minister, assistant = people
        assert (
            await minister.client.put(f"/api/memberships/{helper}/assists", json={"member": member})
        ).status_code == 403
        assert (
            await office.client.put(f"/api/memberships/{chair}/assists", json={"member": member})
        ).status_code == 422
        before = await assistant.client.put(
            f"/api/items/{items[0]}/positions/{member}/draft", json={"stance": "agree"}
        )
        assert before.status_code == 403
        assigned = await office.client.put(
            f"/api/memberships/{helper}/assists", json={"member": member}
        )
        assert assigned.json() == {"membership": helper, "assists": member}
        assert (await last_event(db)).kind == "membership.assists"
        after = await assistant.client.put(
            f"/api/items/{items[0]}/positions/{member}/draft", json={"stance": "agree"}
        )
        assert after.status_code == 200
        await office.client.put(f"/api/memberships/{helper}/assists", json={"member": None})
        again = await assistant.client.put(
            f"/api/items/{items[0]}/positions/{member}/draft", json={"stance": "agree"}
        )
        assert again.status_code == 403
