"""A realistic closed session for the minutes tests and benchmark, written straight into the
database: the demo Government's 27 members, check-ins (room, remote, absent with a reason,
a stand-in), written positions, a consent block, two live votes (one open, one secret) and
a written poll decided before the session; the open vote is on version 2 of its item's
draft decree, which its ballots name. Every ballot is REAL: each member holds a
software passkey and signs SHA-256 of the ballot payload, so the evidence verifies."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ecabinet import audit
from ecabinet.actions import voted_texts
from ecabinet.actions.ballots import BallotTarget, build_payload, receipt_of
from ecabinet.actions.bodies import add_member, create_body
from ecabinet.ballots.evidence import ballot_challenge, canonical_json
from ecabinet.db import Database, Tx
from ecabinet.demo import government as gov
from ecabinet.models import (
    AgendaItem,
    Attendance,
    Ballot,
    Body,
    Document,
    DocumentVersion,
    Meeting,
    Membership,
    PasskeyCredential,
    Person,
    Poll,
    PollQuestion,
    Position,
    rules_of,
    utcnow,
)
from ecabinet.rules import Rules, Tally, decide, decide_written_poll
from ecabinet.settings import Settings
from ecabinet.softauthn import SoftAuthenticator, b64url, b64url_decode
from ecabinet.vocab import Classification, MeetingForm, MeetingState, PollKind, Role

OPEN_VOTE = "Thông qua dự thảo Nghị định quy định chính sách giảm thuế giá trị gia tăng?"
SECRET_VOTE = "Thông qua cơ chế hỗ trợ phát triển nhà ở xã hội cho công nhân khu công nghiệp?"
WRITTEN_POLL = "Đồng ý ban hành Nghị quyết về chương trình tín dụng ưu đãi?"
VOTED_TEXT = "Dự thảo Nghị định giảm thuế giá trị gia tăng"
VOTED_VERSIONS = (b"draft decree, version 1", b"draft decree, version 2")
# Seats (0-based, in seat order) that are not in the room, and why.
REMOTE = (7, 19)
ABSENT_WITH_REASON = {12: "Đi công tác nước ngoài theo sự phân công của Thủ tướng"}
ABSENT_WITH_STAND_IN = 21
LATE = 25  # checked in after the opening: not counted in the quorum at opening


@dataclass
class ClosedSession:
    body_id: int
    meeting_id: int
    chair_person_id: int
    secretary_person_id: int
    secretary_membership_id: int
    member_names: list[str]
    devices: dict[int, SoftAuthenticator] = field(default_factory=dict)  # by person id
    votes: dict[str, tuple[int, int]] = field(default_factory=dict)  # name -> (poll, question)


async def build_closed_session(
    db: Database, settings: Settings, *, big: bool = False
) -> ClosedSession:
    """The demo session (``big``: 30 debated items with one open vote of 27 each)."""
    async with db.transaction() as tx:
        builder = _Builder(tx, settings)
        return await builder.build(big=big)


class _Builder:
    def __init__(self, tx: Tx, settings: Settings) -> None:
        self.tx = tx
        self.settings = settings
        self.devices: dict[int, SoftAuthenticator] = {}
        self.credentials: dict[int, PasskeyCredential] = {}
        self.now = utcnow()

    async def build(self, *, big: bool) -> ClosedSession:
        body = await create_body(
            self.tx,
            actor_id=None,
            slug=f"cp-{secrets.token_hex(3)}",
            name=gov.BODY.name,
            name_en=gov.BODY.name_en,
            short_name=gov.BODY.short_name,
        )
        voters, secretary, deputy = await self._seats(body)
        opened = self.now - timedelta(hours=3)
        meeting = await self._meeting(body, voters[0], opened)
        await self._attendance(meeting, voters, deputy, opened)
        session = ClosedSession(
            body.id or 0,
            meeting.id or 0,
            voters[0].person_id,
            secretary.person_id,
            secretary.id or 0,
            [p.full_name for p in gov.MEMBERS],
            self.devices,
        )
        await self._written_poll(body, voters, opened - timedelta(days=2), session)
        if big:
            await self._big_agenda(body, meeting, voters, opened, session)
        else:
            await self._agenda(body, meeting, voters, opened, session)
        await audit.record(
            self.tx.session, "meeting.closed", body_id=body.id, subject=f"meeting:{meeting.id}"
        )
        meeting.state = MeetingState.CLOSED.value
        meeting.closed_at = utcnow()
        self.tx.session.add(meeting)
        return session

    async def _seats(self, body: Body) -> tuple[list[Membership], Membership, Membership]:
        voters = []
        for order, person in enumerate(gov.MEMBERS, start=1):
            seat = await add_member(
                self.tx,
                actor_id=None,
                body=body,
                full_name=person.full_name,
                role=Role(person.role),
                title=person.title_vi,
                title_en=person.title_en,
                email=f"{secrets.token_hex(4)}-{person.email}",
                clearance=Classification.MAT,
                seat_order=order,
            )
            voters.append(seat)
            await self._passkey(seat.person_id)
        secretary = await add_member(
            self.tx,
            actor_id=None,
            body=body,
            full_name=gov.SECRETARIAT[0].full_name,
            role=Role.SECRETARIAT,
            title=gov.SECRETARIAT[0].title_vi,
            seat_order=40,
        )
        await self._passkey(secretary.person_id)
        observer = gov.OBSERVERS[0]
        await add_member(
            self.tx,
            actor_id=None,
            body=body,
            full_name=observer.full_name,
            role=Role.OBSERVER,
            title=observer.title_vi,
            seat_order=50,
        )
        deputy = await add_member(
            self.tx,
            actor_id=None,
            body=body,
            full_name="Lưu Đức Thịnh",
            role=Role.MEMBER,
            title="Thứ trưởng Bộ Tài chính",
            seat_order=60,
        )
        deputy.stand_in_for_id = voters[ABSENT_WITH_STAND_IN].id
        self.tx.session.add(deputy)
        return voters, secretary, deputy

    async def _passkey(self, person_id: int) -> None:
        person = await self.tx.session.get(Person, person_id)
        assert person is not None
        device = SoftAuthenticator(origin=self.settings.origin, rp_id=self.settings.rp_id)
        made = device.register(
            {
                "rp": {"id": self.settings.rp_id},
                "challenge": b64url(secrets.token_bytes(32)),
                "user": {"id": b64url(person.webauthn_user_id.encode())},
                "pubKeyCredParams": [{"type": "public-key", "alg": -7}],
            }
        )
        raw = b64url_decode(made["id"])
        row = PasskeyCredential(
            person_id=person_id,
            credential_id=made["id"],
            public_key_cose=device.public_key_cose(raw),
            public_key_spki_pem=device.public_key_spki_pem(raw),
            algorithm=-7,
            device_name="Máy tính bảng",
        )
        self.tx.session.add(row)
        await self.tx.session.flush()
        self.devices[person_id] = device
        self.credentials[person_id] = row

    async def _meeting(self, body: Body, chair: Membership, opened: datetime) -> Meeting:
        assert body.id is not None
        meeting = Meeting(
            body_id=body.id,
            number=9,
            title="Phiên họp Chính phủ thường kỳ tháng 9",
            form=MeetingForm.MIXED.value,
            place="Phòng họp Chính phủ, số 1 Hoàng Hoa Thám, Ba Đình, Hà Nội",
            starts_at=opened,
            opened_at=opened,
            state=MeetingState.IN_SESSION.value,
            chair_membership_id=chair.id,
            consent_adopted_at=opened + timedelta(minutes=12),
        )
        self.tx.session.add(meeting)
        await self.tx.session.flush()
        await audit.record(
            self.tx.session, "session.opened", body_id=body.id, subject=f"meeting:{meeting.id}"
        )
        return meeting

    async def _attendance(
        self, meeting: Meeting, voters: list[Membership], deputy: Membership, opened: datetime
    ) -> None:
        assert meeting.id is not None
        for index, seat in enumerate(voters):
            assert seat.id is not None
            mode, reason, stand_in = "room", "", None
            if index in REMOTE:
                mode = "remote"
            if index in ABSENT_WITH_REASON:
                mode, reason = "absent", ABSENT_WITH_REASON[index]
            if index == ABSENT_WITH_STAND_IN:
                mode, reason, stand_in = "room", "Ốm, có giấy của bác sĩ", deputy.id
            checked = opened + timedelta(minutes=20 if index == LATE else -10)
            self.tx.session.add(
                Attendance(
                    meeting_id=meeting.id,
                    membership_id=seat.id,
                    mode=mode,
                    absence_reason=reason,
                    stand_in_membership_id=stand_in,
                    checked_in_at=None if mode == "absent" else checked,
                )
            )
        await self.tx.session.flush()

    def _present(self, voters: list[Membership]) -> list[Membership]:
        gone = set(ABSENT_WITH_REASON) | {ABSENT_WITH_STAND_IN}
        return [seat for index, seat in enumerate(voters) if index not in gone]

    async def _agenda(
        self,
        body: Body,
        meeting: Meeting,
        voters: list[Membership],
        opened: datetime,
        session: ClosedSession,
    ) -> None:
        statuses = [
            "consent",
            "consent",
            "adopted",
            "rejected",
            "concluded",
            "consent",
            "consent",
            "consent",
        ]
        consent = []
        for ordinal, (agenda, status) in enumerate(zip(gov.AGENDA, statuses, strict=True), 1):
            # As the live session does it: the consent block is adopted in one act, its
            # items become "adopted" and the audit event lists them.
            item = await self._item(
                meeting,
                ordinal,
                agenda.title_vi,
                agenda.title_en,
                agenda.presenter,
                "adopted" if status == "consent" else status,
                debated=status != "consent",
            )
            await self._positions(item, voters, contested=status != "consent")
            if status == "consent":
                consent.append(item.id)
            present = self._present(voters)
            if ordinal == 3:
                choices = ["for"] * 20 + ["against"] * 3 + ["abstain"] * 2
                await self._voted_text(body, item)
                session.votes["open"] = await self._live_vote(
                    body,
                    meeting,
                    item,
                    present,
                    choices,
                    OPEN_VOTE,
                    secret=False,
                    revote=present[5],
                )
            if ordinal == 4:
                choices = ["for"] * 13 + ["against"] * 10 + ["abstain"] * 2
                session.votes["secret"] = await self._live_vote(
                    body, meeting, item, present, choices, SECRET_VOTE, secret=True
                )
        await audit.record(
            self.tx.session,
            "session.consent_adopted",
            body_id=body.id,
            subject=f"meeting:{meeting.id}",
            items=consent,
        )

    async def _big_agenda(
        self,
        body: Body,
        meeting: Meeting,
        voters: list[Membership],
        opened: datetime,
        session: ClosedSession,
    ) -> None:
        for ordinal in range(1, 31):
            agenda = gov.AGENDA[(ordinal - 1) % len(gov.AGENDA)]
            item = await self._item(
                meeting,
                ordinal,
                f"{agenda.title_vi} (phần {ordinal})",
                agenda.title_en,
                agenda.presenter,
                "adopted",
                debated=True,
            )
            await self._positions(item, voters, contested=True)
            choices = ["for"] * 18 + ["against"] * 6 + ["abstain"] * 3
            session.votes[f"item{ordinal}"] = await self._live_vote(
                body,
                meeting,
                item,
                voters,
                choices,
                f"Thông qua nội dung số {ordinal}?",
                secret=False,
            )

    async def _item(
        self,
        meeting: Meeting,
        ordinal: int,
        title: str,
        title_en: str,
        presenter: str,
        status: str,
        *,
        debated: bool,
    ) -> AgendaItem:
        assert meeting.id is not None
        notes = conclusion = ""
        if debated:
            notes = (
                "Bộ trưởng Bộ Tài chính trình bày tờ trình và tiếp thu ý kiến thẩm tra.\n"
                "Các thành viên Chính phủ thảo luận về phạm vi, đối tượng áp dụng và tác "
                "động đến thu ngân sách nhà nước năm 2025."
            )
            conclusion = (
                "Giao cơ quan chủ trì tiếp thu tối đa ý kiến thành viên Chính phủ, "
                "hoàn thiện hồ sơ, trình Thủ tướng Chính phủ trước ngày 15 tháng 10."
            )
        item = AgendaItem(
            meeting_id=meeting.id,
            ordinal=ordinal,
            title=title,
            title_en=title_en,
            presenter=presenter,
            status=status,
            discussion_notes=notes,
            conclusion=conclusion,
        )
        self.tx.session.add(item)
        await self.tx.session.flush()
        return item

    async def _voted_text(self, body: Body, item: AgendaItem) -> None:
        """The item's draft, revised once before the vote: the vote is on version 2."""
        assert body.id is not None and item.id is not None
        document = Document(body_id=body.id, item_id=item.id, title=VOTED_TEXT)
        self.tx.session.add(document)
        await self.tx.session.flush()
        assert document.id is not None
        for number, content in enumerate(VOTED_VERSIONS, start=1):
            self.tx.session.add(
                DocumentVersion(
                    document_id=document.id,
                    number=number,
                    size=len(content),
                    sha256=hashlib.sha256(content).hexdigest(),
                    media_type="application/pdf",
                    filename=f"du-thao-v{number}.pdf",
                )
            )
        await self.tx.session.flush()

    async def _positions(
        self, item: AgendaItem, voters: list[Membership], *, contested: bool
    ) -> None:
        assert item.id is not None
        for index, seat in enumerate(voters[:-2]):  # the last two gave no position
            assert seat.id is not None
            stance, text = "agree", ""
            if index % 7 == 3:
                stance, text = "agree_with_comments", "Đề nghị làm rõ nguồn lực thực hiện."
            if contested and index in (4, 9):
                stance, text = "disagree", "Chưa đánh giá đầy đủ tác động đến thu ngân sách."
            if contested and index == 11:
                stance, text = "discuss", "Đề nghị thảo luận thêm về đối tượng áp dụng."
            self.tx.session.add(
                Position(
                    item_id=item.id,
                    membership_id=seat.id,
                    stance=stance,
                    text=text,
                    submitted_at=self.now,
                )
            )
        await self.tx.session.flush()

    async def _poll(
        self,
        body: Body,
        kind: PollKind,
        text: str,
        *,
        secret: bool,
        meeting: Meeting | None,
        item: AgendaItem | None,
        electorate: int,
    ) -> tuple[Poll, PollQuestion]:
        assert body.id is not None
        poll = Poll(
            body_id=body.id,
            meeting_id=None if meeting is None else meeting.id,
            item_id=None if item is None else item.id,
            kind=kind.value,
            title=text.rstrip("?"),
            options=list(body.vote_options),
            secret=secret,
            state="open",
            rules=rules_of(body),
            electorate=electorate,
            opened_at=self.now - timedelta(hours=1),
            texts=[]
            if item is None or item.id is None
            else await voted_texts.of_item(self.tx.session, item.id),
        )
        self.tx.session.add(poll)
        await self.tx.session.flush()
        assert poll.id is not None
        question = PollQuestion(poll_id=poll.id, ordinal=1, text=text)
        self.tx.session.add(question)
        await self.tx.session.flush()
        return poll, question

    async def _live_vote(
        self,
        body: Body,
        meeting: Meeting,
        item: AgendaItem,
        voters: list[Membership],
        choices: list[str],
        text: str,
        *,
        secret: bool,
        revote: Membership | None = None,
    ) -> tuple[int, int]:
        poll, question = await self._poll(
            body, PollKind.LIVE, text, secret=secret, meeting=meeting, item=item, electorate=27
        )
        if revote is not None:  # first against, then for: only the second counts
            first = await self._ballot(poll, question, revote, "against")
            # Retired before the second is written, as cast_ballot does: the database
            # keeps one current ballot per seat and question.
            first.superseded_by_id = first.id
            self.tx.session.add(first)
            await self.tx.session.flush()
            second = await self._ballot(poll, question, revote, "for")
            first.superseded_by_id = second.id
            self.tx.session.add(first)
            rest = [s for s in voters if s.id != revote.id]
            pairs = list(zip(rest, choices[1:], strict=False))
        else:
            pairs = list(zip(voters, choices, strict=False))
        for seat, choice in pairs:
            await self._ballot(poll, question, seat, choice)
        cast = ([("for", revote)] if revote is not None else []) + [(c, s) for s, c in pairs]
        chair_choice = next((c for c, s in cast if s.role == Role.CHAIR.value), None)
        outcome = decide(
            Rules.from_profile(poll.rules),
            Tally.of(c for c, _ in cast),
            electorate=27,
            present=len(voters),
            chair_choice=chair_choice,
        )
        return await self._close(poll, question, outcome.as_dict())

    async def _written_poll(
        self, body: Body, voters: list[Membership], closed: datetime, session: ClosedSession
    ) -> None:
        poll, question = await self._poll(
            body,
            PollKind.WRITTEN,
            WRITTEN_POLL,
            secret=False,
            meeting=None,
            item=None,
            electorate=27,
        )
        choices = ["for"] * 22 + ["against"]
        for seat, choice in zip(voters, choices, strict=False):
            await self._ballot(poll, question, seat, choice)
        outcome = decide_written_poll(
            Rules.from_profile(poll.rules), Tally.of(choices), electorate=27, chair_choice="for"
        )
        poll.closed_at = closed
        session.votes["written"] = await self._close(poll, question, outcome.as_dict())

    async def _close(
        self, poll: Poll, question: PollQuestion, outcome: dict[str, object]
    ) -> tuple[int, int]:
        poll.state = "closed"
        poll.closed_at = poll.closed_at or self.now - timedelta(minutes=30)
        question.outcome = outcome
        self.tx.session.add_all([poll, question])
        await self.tx.session.flush()
        assert poll.id is not None and question.id is not None
        return poll.id, question.id

    async def _ballot(
        self, poll: Poll, question: PollQuestion, seat: Membership, choice: str
    ) -> Ballot:
        payload = build_payload(
            BallotTarget(poll, question, seat), choice, origin=self.settings.origin
        )
        device = self.devices[seat.person_id]
        response = device.assert_challenge(ballot_challenge(payload))["response"]
        credential = self.credentials[seat.person_id]
        assert credential.id is not None and poll.id is not None and question.id is not None
        assert seat.id is not None
        ballot = Ballot(
            poll_id=poll.id,
            question_id=question.id,
            membership_id=seat.id,
            choice=choice,
            payload=canonical_json(payload).decode("utf-8"),
            receipt=receipt_of(payload),
            credential_id=credential.id,
            authenticator_data=b64url_decode(response["authenticatorData"]),
            client_data_json=b64url_decode(response["clientDataJSON"]),
            signature=b64url_decode(response["signature"]),
            public_key_spki_pem=credential.public_key_spki_pem,
        )
        self.tx.session.add(ballot)
        await self.tx.session.flush()
        return ballot
