"""Check the evidence file of signed minutes: verify every ballot offline, check that it
belongs to the vote it is counted in, then recount each vote under the rules it was decided
by and compare with the outcome the minutes record.

A vote the chair annulled has its ballots verified all the same, and counted in no outcome;
a re-run must name a vote the minutes record as annulled, and no item may have two votes
that count (an annulment dropped from the minutes would make both count)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from ..ballots.evidence import BallotEvidence, EvidenceError, canonical_json, verify_ballot_evidence
from ..i18n import N_
from ..rules import Outcome, Rules, Tally, decide_vote, option_counts
from ..vocab import PollKind, SilencePolicy
from .evidence import FORMAT, b64url_decode
from .findings import Msg, Report, Section, failed, passed
from .keycheck import key_problem
from .labels import short_receipt
from .register import Register

COMPARED = ("passed", "rule", "for", "against", "abstain", "needed", "base", "options", "adopted")


def check_evidence(report: Report, raw: bytes, keys: Register | None = None) -> None:
    section = report.section(N_("Ballot evidence"))
    try:
        evidence = json.loads(raw)
        if evidence.get("format") != FORMAT:
            raise ValueError(f"unknown format {evidence.get('format')!r}")
        votes = list(evidence["votes"])
        origin, rp_id = str(evidence["origin"]), str(evidence["rpId"])
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        section.add(failed(N_("The evidence file is unreadable: %(why)s"), why=str(exc)))
        return
    section.add(
        passed(
            N_("Ballots were cast on %(origin)s (relying party %(rp)s)."), origin=origin, rp=rp_id
        )
    )
    members = evidence.get("members") or {}
    for vote in votes:
        try:
            _check_vote(section, vote, members, origin, rp_id, keys)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            section.add(
                failed(
                    N_("Vote %(n)s: its evidence is malformed: %(why)s"),
                    n=vote.get("number", "?") if isinstance(vote, dict) else "?",
                    why=str(exc),
                )
            )
    try:
        _check_annulments(section, votes)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        section.add(failed(N_("The annulled votes' evidence is malformed: %(why)s"), why=str(exc)))
    head = evidence.get("auditHead") or {}
    audit = report.section(N_("Audit log"))
    audit.add(
        passed(
            N_(
                "Head of the audit chain when the session closed: event %(seq)s, "
                "%(hash)s. The server's `ecabinet audit verify` confirms the chain up to "
                "it."
            ),
            seq=head.get("seq", "?"),
            hash=head.get("hash", "?"),
        )
    )


def _name(members: Mapping[str, Any], membership_id: Any) -> str:
    entry = members.get(str(membership_id)) or {}
    return str(entry.get("name") or f"#{membership_id}")


def _check_vote(
    section: Section,
    vote: dict[str, Any],
    members: Mapping[str, Any],
    origin: str,
    rp_id: str,
    keys: Register | None,
) -> None:
    if "annulled" in vote:
        _check_annulled(section, vote, members, origin, rp_id, keys)
        return
    number = vote["number"]
    recorded = vote["outcome"]
    # Under "silence counts as agreement" the recorded "for" includes those who did not answer.
    silent = (
        int(recorded.get("silent", 0))
        if Rules.from_profile(vote["rules"]).silence is SilencePolicy.AGREE
        else 0
    )
    cast = int(recorded["for"]) + int(recorded["against"]) + int(recorded["abstain"]) - silent
    if _option_keys(vote):
        # Silence chooses no option: the ballots are the option votes and the abstentions.
        options = recorded.get("options") or {}
        cast = sum(int(v) for v in options.values()) + int(recorded["abstain"])
    if vote.get("secret"):
        _check_secret(section, vote, cast)
        return
    ballots = list(vote["ballots"])
    if len(ballots) != cast:
        missing = cast - len(ballots)
        section.add(
            failed(
                N_(
                    "Vote %(n)s: the minutes record %(cast)s ballots but the evidence "
                    "holds %(found)s: %(what)s."
                ),
                n=number,
                cast=cast,
                found=len(ballots),
                what=f"{missing} missing" if missing > 0 else f"{-missing} too many",
            )
        )
    valid = [b for b in ballots if _check_ballot(section, vote, b, members, origin, rp_id, keys)]
    _recount(section, vote, valid, len(ballots))


def _check_annulled(
    section: Section,
    vote: dict[str, Any],
    members: Mapping[str, Any],
    origin: str,
    rp_id: str,
    keys: Register | None,
) -> None:
    """An annulled vote: every ballot still verifies, and none counts towards an outcome."""
    number, annulled = vote["number"], vote["annulled"]
    if vote.get("outcome") is not None:
        section.add(
            failed(
                N_("Vote %(n)s was annulled, yet the minutes count its ballots into an outcome."),
                n=number,
            )
        )
        return
    if vote.get("secret"):
        entries = list(vote.get("secretBallots") or [])
        receipts = [str(e["receipt"]) for e in entries]
        sound = len(set(receipts)) == len(receipts) == len(vote.get("voted") or []) and all(
            e.get("choice") in vote["options"] for e in entries
        )
        if not sound:
            section.add(
                failed(
                    N_(
                        "Vote %(n)s (secret ballot, annulled): its receipts and the members "
                        "who voted do not match."
                    ),
                    n=number,
                )
            )
            return
        count, valid = len(entries), len(entries)
    else:
        ballots = list(vote["ballots"])
        count = len(ballots)
        valid = len(
            [b for b in ballots if _check_ballot(section, vote, b, members, origin, rp_id, keys)]
        )
    if valid != count:
        return
    section.add(
        passed(
            N_(
                "Vote %(n)s (%(text)s) was annulled by %(by)s on %(at)s: %(reason)s. Its "
                "%(count)s ballots verify and are not counted."
            ),
            n=number,
            text=vote.get("text", ""),
            by=str(annulled.get("by") or "?"),
            at=str(annulled.get("at") or "?"),
            reason=str(annulled.get("reason") or ""),
            count=count,
        )
    )


def _check_annulments(section: Section, votes: list[dict[str, Any]]) -> None:
    """A re-run names an annulled vote; an item has at most one vote that counts."""
    annulled = {v["poll"] for v in votes if "annulled" in v}
    for vote in votes:
        original = vote.get("rerunOf")
        if original is not None and original not in annulled:
            section.add(
                failed(
                    N_(
                        "Vote %(n)s re-runs vote %(poll)s, but the minutes do not record that "
                        "vote as annulled: an annulment was dropped."
                    ),
                    n=vote["number"],
                    poll=original,
                )
            )
    counted: dict[Any, int] = {}
    for vote in votes:
        if vote.get("kind") != PollKind.LIVE.value or "item" not in vote or "annulled" in vote:
            continue
        earlier = counted.setdefault(vote["item"], vote["number"])
        if earlier != vote["number"]:
            section.add(
                failed(
                    N_(
                        "Votes %(first)s and %(second)s on the same item both count: one of "
                        "them must be recorded as annulled."
                    ),
                    first=earlier,
                    second=vote["number"],
                )
            )


def _check_secret(section: Section, vote: dict[str, Any], cast: int) -> None:
    """Recount a secret vote from its receipts and choices, without any voter's name."""
    number = vote["number"]
    entries = list(vote.get("secretBallots") or [])
    receipts = [str(e["receipt"]) for e in entries]
    voted = list(vote.get("voted") or [])
    if len(set(receipts)) != len(receipts) or len(set(voted)) != len(voted):
        section.add(
            failed(
                N_("Vote %(n)s (secret ballot): a receipt or a voter is listed twice."), n=number
            )
        )
        return
    if not set(voted) <= set(vote["voters"]):
        section.add(
            failed(
                N_(
                    "Vote %(n)s (secret ballot): someone not entitled to vote is "
                    "listed as having voted."
                ),
                n=number,
            )
        )
        return
    if not len(receipts) == len(voted) == cast:
        section.add(
            failed(
                N_(
                    "Vote %(n)s (secret ballot): %(voted)s members are recorded as "
                    "having voted and the outcome counts %(cast)s ballots, but "
                    "%(found)s receipts are listed."
                ),
                n=number,
                voted=len(voted),
                cast=cast,
                found=len(receipts),
            )
        )
        return
    bad = [e for e in entries if e.get("choice") not in vote["options"]]
    if bad:
        section.add(
            failed(
                N_(
                    "Vote %(n)s (secret ballot): the receipt %(receipt)s carries the "
                    "choice %(choice)s, which is not one of the vote's options."
                ),
                n=number,
                receipt=short_receipt(str(bad[0]["receipt"])),
                choice=str(bad[0].get("choice")),
            )
        )
        return
    tally = Tally.of(str(e["choice"]) for e in entries)
    recorded = vote["outcome"]
    counted = {"for": tally.for_, "against": tally.against, "abstain": tally.abstain}
    keys = _option_keys(vote)
    if keys:
        by_option, abstain = option_counts(keys, (str(e["choice"]) for e in entries))
        if dict(by_option) != recorded.get("options") or abstain != recorded.get("abstain"):
            section.add(
                failed(
                    N_(
                        "Vote %(n)s (secret ballot): the receipts' choices recount to "
                        "%(counts)s, but the minutes record %(rcounts)s."
                    ),
                    n=number,
                    counts=_option_words(dict(by_option), abstain),
                    rcounts=_option_words(recorded.get("options") or {}, recorded.get("abstain")),
                )
            )
            return
        section.add(
            passed(
                N_(
                    "Vote %(n)s is a secret ballot: its %(cast)s receipts with their "
                    "choices recount to %(counts)s, as recorded; each member can find their "
                    "own receipt. The signed ballots stay on the server to keep the vote secret."
                ),
                n=number,
                cast=cast,
                counts=_option_words(dict(by_option), abstain),
            )
        )
        return
    if any(counted[k] != int(recorded.get(k, -1)) for k in counted):
        section.add(
            failed(
                N_(
                    "Vote %(n)s (secret ballot): the receipts' choices recount to %(for)s for, "
                    "%(against)s against, %(abstain)s abstaining, but the minutes record %(rfor)s "
                    "for, %(ragainst)s against, %(rabstain)s abstaining."
                ),
                n=number,
                **counted,
                **{f"r{k}": recorded.get(k) for k in counted},
            )
        )
        return
    section.add(
        passed(
            N_(
                "Vote %(n)s is a secret ballot: its %(cast)s receipts with their "
                "choices recount to %(for)s for, %(against)s against, %(abstain)s "
                "abstaining, as recorded; each member can find their own receipt. "
                "The signed ballots stay on the server to keep the vote secret."
            ),
            n=number,
            cast=cast,
            **counted,
        )
    )


def _check_ballot(
    section: Section,
    vote: dict[str, Any],
    ballot: dict[str, Any],
    members: Mapping[str, Any],
    origin: str,
    rp_id: str,
    keys: Register | None,
) -> bool:
    payload = ballot["payload"]
    who = _name(members, payload.get("voter"))
    receipt = short_receipt(str(ballot.get("receipt", "")))
    problem = _binding_problem(vote, ballot, payload, origin)
    if problem is None:
        try:
            verify_ballot_evidence(
                BallotEvidence(
                    payload=payload,
                    authenticator_data=b64url_decode(ballot["authenticatorData"]),
                    client_data_json=b64url_decode(ballot["clientDataJSON"]),
                    signature=b64url_decode(ballot["signature"]),
                    public_key_spki_pem=ballot["publicKey"],
                ),
                expected_origin=origin,
                expected_rp_id=rp_id,
            )
        except EvidenceError as exc:
            problem = str(exc)
    if problem is None and keys is not None:
        problem = _key_problem(keys, ballot, payload)
    if problem is None:
        return True
    section.add(
        failed(
            N_("Vote %(n)s, ballot %(receipt)s of %(who)s: %(why)s"),
            n=vote["number"],
            receipt=receipt,
            who=who,
            why=problem,
        )
    )
    return False


def _key_problem(keys: Register, ballot: dict[str, Any], payload: dict[str, Any]) -> str | None:
    """The ballot's key must be the register's, for the person who signed, at that time."""
    try:
        at = datetime.fromisoformat(str(payload["issuedAt"]))
    except (KeyError, ValueError) as exc:
        return f"the ballot has no readable time: {exc}"
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    problem = key_problem(
        keys,
        person=int(payload["person"]),
        membership=None,
        public_key=str(ballot["publicKey"]),
        credential_id=None,
        at=at,
    )
    return None if problem is None else f"the voter's passkey: {problem}"


def _binding_problem(
    vote: dict[str, Any], ballot: dict[str, Any], payload: dict[str, Any], origin: str
) -> str | None:
    """A genuine ballot counted in the wrong place is as wrong as a forged one."""
    if hashlib.sha256(canonical_json(payload)).hexdigest() != ballot.get("receipt"):
        return "the receipt is not the hash of this ballot's content: the ballot was altered"
    if payload.get("poll") != vote["poll"] or payload.get("question") != vote["question"]:
        return "the ballot was cast in another vote"
    if payload.get("voter") not in vote["voters"]:
        return "the voter is not entitled to vote here"
    # A ballot signed before the payload named the texts (v1) names none, like its poll.
    if "texts" in vote and payload.get("texts", []) != vote["texts"]:
        return "the ballot names other document versions than those frozen when the vote opened"
    if payload.get("choice") not in vote["options"]:
        return f"the choice {payload.get('choice')!r} is not one of the vote's options"
    shown = next((o for o in vote.get("labels") or [] if o["key"] == payload.get("choice")), None)
    if payload.get("option") != shown:
        return (
            f"the ballot names the option {payload.get('option')!r}, but the vote offered "
            f"{shown!r} under the key {payload.get('choice')!r}"
        )
    if payload.get("origin") != origin:
        return f"the ballot was issued by {payload.get('origin')!r}, not {origin!r}"
    return None


def _recount(
    section: Section, vote: dict[str, Any], valid: list[dict[str, Any]], total: int
) -> None:
    number = vote["number"]
    voters = [b["payload"]["voter"] for b in valid]
    if len(set(voters)) != len(voters):
        section.add(failed(N_("Vote %(n)s: a member's ballot is counted twice."), n=number))
        return
    outcome = _decide(vote, valid)
    recorded = vote["outcome"]
    counted = outcome.as_dict()
    if outcome.options:
        _recount_options(section, vote, counted, len(valid) == total)
        return
    if any(counted.get(key) != recorded.get(key) for key in COMPARED):
        section.add(
            failed(
                N_(
                    "Vote %(n)s: the recount from the evidence gives %(for)s for, "
                    "%(against)s against, %(abstain)s abstaining (%(verdict)s), "
                    "but the minutes record %(rfor)s for, %(ragainst)s against, "
                    "%(rabstain)s abstaining (%(rverdict)s)."
                ),
                n=number,
                **_numbers(counted),
                **{f"r{k}": v for k, v in _numbers(recorded).items()},
            )
        )
        return
    if len(valid) == total:
        section.add(
            passed(
                N_(
                    "Vote %(n)s (%(text)s): all %(count)s ballots verify; the recount "
                    "gives %(for)s for, %(against)s against, %(abstain)s abstaining "
                    "(%(verdict)s), as recorded."
                ),
                n=number,
                text=vote.get("text", ""),
                count=total,
                **_numbers(counted),
            )
        )


def _option_keys(vote: Mapping[str, Any]) -> list[str]:
    return [str(o["key"]) for o in vote.get("labels") or []]


def _option_words(counts: Mapping[str, Any], abstain: Any) -> str:
    """ "opt1 3, opt2 1, abstain 0": the counts as the evidence file names them."""
    return ", ".join(f"{key} {votes}" for key, votes in [*counts.items(), ("abstain", abstain)])


def _recount_options(
    section: Section, vote: dict[str, Any], counted: dict[str, Any], all_valid: bool
) -> None:
    """A "choose one option" vote: the recount's counts per option, abstentions and the
    option adopted must be those recorded."""
    number = vote["number"]
    recorded = vote["outcome"]
    words = _option_words(counted["options"], counted["abstain"])
    if any(counted.get(key) != recorded.get(key) for key in COMPARED):
        section.add(
            failed(
                N_(
                    "Vote %(n)s: the recount from the evidence gives %(counts)s, option "
                    "adopted: %(adopted)s; but the minutes record %(rcounts)s, option adopted: "
                    "%(radopted)s."
                ),
                n=number,
                counts=words,
                adopted=counted["adopted"] or "-",
                rcounts=_option_words(recorded.get("options") or {}, recorded.get("abstain")),
                radopted=recorded.get("adopted") or "-",
            )
        )
        return
    if all_valid:
        section.add(
            passed(
                N_(
                    "Vote %(n)s (%(text)s): all %(count)s ballots verify; the recount gives "
                    "%(counts)s, option adopted: %(adopted)s, as recorded."
                ),
                n=number,
                text=vote.get("text", ""),
                count=len(vote["ballots"]),
                counts=words,
                adopted=counted["adopted"] or "-",
            )
        )


def _decide(vote: dict[str, Any], ballots: list[dict[str, Any]]) -> Outcome:
    electorate = int(vote["electorate"])
    written = vote.get("kind") == PollKind.WRITTEN.value
    return decide_vote(
        str(vote.get("kind", "")),
        Rules.from_profile(vote["rules"]),
        [(b["payload"]["voter"], b["payload"]["choice"]) for b in ballots],
        electorate=electorate,
        present=electorate if written else int(vote["present"]),
        chair=vote.get("chairMembership"),
        options=_option_keys(vote),
    )


def _numbers(outcome: Mapping[str, Any]) -> dict[str, Any]:
    verdict = Msg(N_("adopted")) if outcome.get("passed") else Msg(N_("not adopted"))
    return {
        "for": outcome.get("for"),
        "against": outcome.get("against"),
        "abstain": outcome.get("abstain"),
        "verdict": verdict,
    }
