"""Errors a channel adapter raises. The tree, in one place (the httpx way):

    ChannelError                  anything a channel reports; `.code` is the platform's code
    ├── Transient(retry_after)    safe to try again later (5xx before acceptance, -1, rate limits)
    ├── Unconfirmed               the request may have reached the channel and no answer came:
    │                             never re-send blindly; reconcile by asking the channel
    └── Permanent                 retrying will not help; the editor must act
        ├── AuthExpired           credentials/token refused after one forced refresh; re-authorise
        ├── Rejected(findings)    the platform refused the content (review, too long, similar)
        │   └── DuplicateContent  same/similar text already on the account: the ledger decides
        │                         whether it is our own earlier post or a real conflict
        ├── QuotaExceeded(reset_at)  daily/hourly quota used up: pause the account until reset
        └── NotSupported          the channel cannot do this (e.g. retract on a channel without it)

Messages are Chinese sentences for editors; they never contain secrets or tokens.
"""

from __future__ import annotations

from datetime import datetime


class ChannelError(Exception):
    def __init__(self, message: str, *, code: str | int | None = None):
        super().__init__(message)
        self.message = message
        self.code = code


class Transient(ChannelError):
    def __init__(self, message: str, *, code: str | int | None = None, retry_after: float = 5.0):
        super().__init__(message, code=code)
        self.retry_after = retry_after


class Unconfirmed(ChannelError):
    pass


class Permanent(ChannelError):
    pass


class AuthExpired(Permanent):
    pass


class Rejected(Permanent):
    def __init__(self, message: str, *, code: str | int | None = None, findings: list | None = None):
        super().__init__(message, code=code)
        self.findings = findings or []


class DuplicateContent(Rejected):
    """The platform says this text was already posted (Weibo 20019 identical, 20017 similar).

    It may be our own post whose answer was lost (an earlier attempt ended unconfirmed), or
    someone else's; only the ledger knows which, so the adapter does not guess."""

    # Set by the adapter when this publication had already sent the same post without an answer.
    earlier_attempt: bool = False


class QuotaExceeded(Permanent):
    def __init__(self, message: str, *, code: str | int | None = None, reset_at: datetime | None = None):
        super().__init__(message, code=code)
        self.reset_at = reset_at


class NotSupported(Permanent):
    pass
