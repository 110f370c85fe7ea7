"""What happened in one attempt, and whose fault it was: the two enums every attempt carries.

The router decides with these values, never with a message: an :class:`Outcome` says what
happened, a :class:`Blame` says who answers for it and therefore what is charged::

    blame      charged to                               examples
    ---------  ---------------------------------------  ----------------------------------------
    caller     nobody: the request itself is wrong       unknown symbol or quote (404), bad parameter (422)
    endpoint   that endpoint's breaker and health; the   timeout, refused, 5xx, garbage, an error in a
               provider's next mirror is tried           HTTP 200, an impossible value
    provider   the provider's breaker (or a pause)       429/418/403/451, every endpoint failed, a plugin bug
    none       nobody                                    unsupported, skipped, cancelled, ok
"""

from __future__ import annotations

from enum import StrEnum


class Outcome(StrEnum):
    """The outcome of one attempt (a string in JSON: ``"ok"``, ``"timeout"``, ...)."""

    #: The provider answered with a valid result.
    OK = "ok"
    #: The provider does not serve this category, pair, interval or parameter (no penalty).
    UNSUPPORTED = "unsupported"
    #: The provider does not know the symbol or quote asked for (the caller's, if nobody does).
    NOT_FOUND = "not_found"
    #: The body was malformed, an error in HTTP 200, or held impossible values.
    INVALID = "invalid"
    #: Connection refused or reset, HTTP 5xx, an unexpected status, or a plugin bug.
    FAILED = "failed"
    #: No answer in time (the endpoint's timeout, or the provider's share of the deadline).
    TIMEOUT = "timeout"
    #: HTTP 429/418, or coinrelay's own rate budget for the provider is spent.
    RATE_LIMITED = "rate_limited"
    #: HTTP 403/451: blocked by location or firewall.
    FORBIDDEN = "forbidden"
    #: Not called: breaker open, paused, unconfigured, retry budget spent, hop limit.
    SKIPPED = "skipped"
    #: Called, then abandoned: another provider answered first.
    CANCELLED = "cancelled"


class Blame(StrEnum):
    """Who answers for an attempt's outcome (see the module docstring)."""

    CALLER = "caller"
    ENDPOINT = "endpoint"
    PROVIDER = "provider"
    NONE = "none"
