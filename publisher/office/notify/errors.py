"""What a sender may raise. The notifier decides what happens next from the type alone:

    SendError            the message did not arrive; try again later (counted, with backoff)
    ├── RateLimited      the robot or server said "too many": try again after `retry_after`,
    │                    never counted as a failure, never dropped
    └── ConfigProblem    the target is set up wrong (missing secret, bad key, signature refused);
                         retried like any failure, and the message says what to fix
"""

from __future__ import annotations


class SendError(Exception):
    """A message did not reach its target. `str()` is a Chinese sentence, free of secrets."""


class RateLimited(SendError):
    def __init__(self, message: str, retry_after: float = 60.0):
        super().__init__(message)
        self.retry_after = retry_after


class ConfigProblem(SendError):
    pass
