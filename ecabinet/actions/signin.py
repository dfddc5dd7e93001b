"""Sign-in with a discoverable passkey, sign-out, and fresh checks for sensitive actions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import col

from .. import audit
from ..auth import passkeys
from ..auth.actor import Actor
from ..auth.actor_cache import actors_changed
from ..auth.login_ends import LOGINS_ENDED
from ..auth.logins import end_login, start_login
from ..auth.permissions import ensure_signed_in
from ..db import Tx
from ..errors import Forbidden, Unauthenticated
from ..events import Event, LoginsEnded
from ..models import LoginSession, utcnow
from ..settings import Settings

SIGNIN = "signin"
FRESH = "fresh"


class FreshAuthRequired(Forbidden):
    title = "Confirm with your passkey"
    kind = "fresh-auth-required"
    audit = False


async def signin_options(tx: Tx, settings: Settings, *, client: passkeys.Client) -> dict[str, Any]:
    await passkeys.check_rate(tx, settings, client=client, purposes=(SIGNIN,))
    return await passkeys.authentication_options(tx, settings, client=client, purpose=SIGNIN)


async def finish_signin(
    tx: Tx, settings: Settings, credential: dict[str, Any], *, client: passkeys.Client
) -> str:
    """Verify the assertion and open a session; returns the cookie's token."""
    assertion = await passkeys.verify_assertion(tx, settings, credential, purpose=SIGNIN)
    token = await start_login(
        tx.session,
        assertion.person,
        credential_id=assertion.credential.id,
        fresh_minutes=settings.fresh_auth_minutes,
        user_agent=client.user_agent,
    )
    await audit.record(
        tx.session,
        "session.started",
        actor_id=assertion.person.id,
        subject=f"person:{assertion.person.id}",
        credential=assertion.credential.id,
        client=client.address,
    )
    return token


async def open_session_after_enrollment(
    tx: Tx, settings: Settings, person_id: int, credential_id: int, client: passkeys.Client
) -> str:
    from ..models import Person

    person = await tx.session.get(Person, person_id)
    assert person is not None
    token = await start_login(
        tx.session,
        person,
        credential_id=credential_id,
        fresh_minutes=settings.fresh_auth_minutes,
        user_agent=client.user_agent,
    )
    await audit.record(
        tx.session,
        "session.started",
        actor_id=person_id,
        subject=f"person:{person_id}",
        credential=credential_id,
        client=client.address,
        via="enrollment",
    )
    return token


async def sign_out(tx: Tx, actor: Actor, token: str | None) -> None:
    login = await end_login(tx.session, token)
    if login is not None:
        # Every process closes its websockets and forgets it (auth/actor_cache.py).
        assert login.id is not None
        tx.emit(Event.of(LOGINS_ENDED, LoginsEnded((login.id,), "signed out")))
        await audit.record(
            tx.session,
            "session.ended",
            actor_id=login.person_id,
            subject=f"person:{login.person_id}",
        )


async def fresh_options(
    tx: Tx, settings: Settings, actor: Actor, *, client: passkeys.Client
) -> dict[str, Any]:
    ensure_signed_in(actor)
    return await passkeys.authentication_options(
        tx, settings, client=client, purpose=FRESH, person_id=actor.person_id
    )


async def confirm_fresh(
    tx: Tx, settings: Settings, actor: Actor, credential: dict[str, Any]
) -> None:
    ensure_signed_in(actor)
    assert actor.login is not None
    await passkeys.verify_assertion(tx, settings, credential, purpose=FRESH)
    # Only this column, and only on a login still open: the actor's copy of the login may
    # come from the process's cache, and must never write its other columns back.
    confirmed = await tx.session.exec(
        update(LoginSession)
        .where(col(LoginSession.id) == actor.login.id, col(LoginSession.ended_at).is_(None))
        .values(fresh_until=utcnow() + timedelta(minutes=settings.fresh_auth_minutes))
    )
    if confirmed.rowcount != 1:
        raise Unauthenticated("Sign in with your passkey to continue.")
    assert actor.person_id is not None
    actors_changed(tx, [actor.person_id], "confirmed")
    await audit.record(
        tx.session,
        "session.confirmed",
        actor_id=actor.person_id,
        subject=f"person:{actor.person_id}",
    )


def ensure_fresh(actor: Actor) -> None:
    """Sensitive actions (signing minutes, changing roles) need a recent passkey check."""
    ensure_signed_in(actor)
    assert actor.login is not None
    fresh_until = actor.login.fresh_until
    if fresh_until is None or fresh_until < utcnow():
        raise FreshAuthRequired("Confirm with your fingerprint or face to continue.")
