"""The one error hierarchy.

Every refusal is an :class:`EcabinetError` carrying its HTTP status, a short title and a
detail a person can act on. One handler renders it as an HTML page for browsers and as
RFC 9457 problem details under ``/api``. ``audit`` marks refusals that are security
relevant: the handler writes them to the audit log.
"""

from __future__ import annotations

from typing import Any, ClassVar


class EcabinetError(Exception):
    status: ClassVar[int] = 400
    title: ClassVar[str] = "Bad request"
    kind: ClassVar[str] = "bad-request"
    audit: ClassVar[bool] = False

    def __init__(self, message: str, **params: Any) -> None:
        """``message`` is an English msgid; ``params`` fill its ``%(name)s`` slots.

        Keeping the msgid and the values apart lets the page be rendered in the reader's
        language while the audit log and the logs keep the English text.
        """
        self.message = message
        self.params = params
        # Set by Tx.refuse, which put the refusal on the audit record in its own
        # transaction: the error handler does not audit it a second time.
        self.recorded = False
        # Set by Tx.refuse for a refusal nobody signed in caused: what to audit, which the
        # error handler counts rather than writing each one (``web.refusals``).
        self.anonymous_audit: dict[str, Any] | None = None
        super().__init__(self.detail)

    @property
    def detail(self) -> str:
        return self.message % self.params if self.params else self.message


class ConfigurationError(EcabinetError):
    """Bad configuration: raised at start-up, never at the first request."""

    status = 500
    title = "Configuration error"
    kind = "configuration"


class BadRequest(EcabinetError):
    pass


class ValidationFailed(EcabinetError):
    status = 422
    title = "Invalid input"
    kind = "invalid-input"


class Unauthenticated(EcabinetError):
    status = 401
    title = "Sign-in required"
    kind = "unauthenticated"


class Forbidden(EcabinetError):
    status = 403
    title = "Not allowed"
    kind = "forbidden"
    audit = True


class CsrfRefused(Forbidden):
    title = "Form expired or forged"
    kind = "csrf"


class NotFound(EcabinetError):
    status = 404
    title = "Not found"
    kind = "not-found"


class MethodNotAllowed(EcabinetError):
    status = 405
    title = "Method not allowed"
    kind = "method-not-allowed"


class Conflict(EcabinetError):
    """The request is well formed but the state of things does not allow it now."""

    status = 409
    title = "Conflict"
    kind = "conflict"


class PayloadTooLarge(EcabinetError):
    status = 413
    title = "Too large"
    kind = "too-large"


class TooCostly(EcabinetError):
    """The input is well formed but would take more time or memory than its budget."""

    status = 422
    title = "Too costly to process"
    kind = "too-costly"


class UnsupportedMediaType(EcabinetError):
    status = 415
    title = "Unsupported type"
    kind = "unsupported-type"


class TooManyRequests(EcabinetError):
    status = 429
    title = "Too many attempts"
    kind = "rate-limited"
    audit = True


class ServiceUnavailable(EcabinetError):
    status = 503
    title = "Not ready"
    kind = "unavailable"


class InvalidBody(ValidationFailed):
    """A request body that does not match its endpoint's model (web/bodies.py)."""

    kind = "invalid-body"
