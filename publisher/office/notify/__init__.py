"""Notifications: tell the people who must act, by mail and group robot (DESIGN.md, decision 11).

Events come from the ledger (`events`, `digest`), are queued once per target in the ledger's
outbox (`publisher.ledger.notifications`) and delivered by `notifier.notify_once` with each
target's rate limit and retries. Senders: `mail` (SMTP, SSL/STARTTLS), `robots` (企业微信,
钉钉 with 加签). `sandbox` serves both robots locally for the demo and the tests.
"""

from publisher.office.notify.notifier import NotifyReport, notify_once, send_test

__all__ = ["NotifyReport", "notify_once", "send_test"]
