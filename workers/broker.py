"""The Redis broker transport the workers use: kombu's, with the broker-restart crash fixed.

kombu 5.7.0 (the newest release; every 5.3+ release has the same code) kills a worker when Redis
dies under it while the worker holds unacknowledged messages (`task_acks_late`: any task
running or prefetched). Seen as

    CRITICAL/MainProcess] Unrecoverable error: AttributeError("'NoneType' object has no
    attribute 'hostname'")   … kombu/transport/redis.py, in _connparams

The sequence (reproduced with real redis-server and worker processes, tests/e2e/test_e2e_redis_restarts.py):

1. The consumer loses the connection and calls `Connection.collect()`, which closes the default
   channel. That channel is waiting on BRPOP, so `Channel.close()` first reads the BRPOP reply
   (kombu PR #1733, so a popped message is not lost). With Redis gone the read raises
   `ConnectionError` before the channel is marked closed; `collect()` swallows the error and
   then detaches the transport (`transport.client = None`).
2. The consumer then calls `Connection.close()`, which closes the same channel again. This time it
   gets as far as restoring the unacknowledged messages, which needs a new Redis pool, whose
   parameters come from `transport.client` — now None. The AttributeError is not a connection
   error, so Celery treats it as fatal and the worker exits.

No kombu, Celery or redis-py release or setting avoids it (the restore on close cannot be turned
off by a transport option, and health checks do not touch this path), so the fix is here, at the
transport, in two parts:

- `Channel.close()` finishes closing when the pending BRPOP read fails because Redis is gone
  (nothing can arrive on that socket any more), so the channel is closed once, while its
  transport is still attached.
- A channel whose transport was detached raises the broker's `ConnectionError` when it needs a
  new pool, instead of AttributeError: Celery treats that as "broker lost, reconnect".

Messages that could not be restored stay in Redis's unacked hash and come back after the
visibility timeout; the ledger's stale-claim recovery re-dispatches their publications sooner
(DESIGN.md decision 1: the broker only carries work).
"""

from __future__ import annotations

from urllib.parse import urlparse

import redis
from kombu.transport import redis as kombu_redis

#: `broker_transport` value for Celery; kombu resolves "module:Class" paths.
TRANSPORT = "workers.broker:Transport"

_REDIS_SCHEMES = {"redis", "rediss"}


def transport_for(broker_url: str) -> str | None:
    """The transport class for a broker URL: ours for plain Redis, kombu's choice otherwise
    (sentinel, memory, …)."""
    return TRANSPORT if urlparse(broker_url).scheme in _REDIS_SCHEMES else None


class Channel(kombu_redis.Channel):
    def close(self):
        if self._in_poll:
            try:
                self._brpop_read()
            except kombu_redis.Empty:
                pass
            except self.connection_errors:
                pass  # Redis went away under the pending BRPOP: close the channel all the same.
        super().close()

    def _connparams(self, asynchronous=False):
        if self.connection is None or self.connection.client is None:
            # The transport was detached by Connection.collect(): this channel belongs to a
            # connection that is gone. Say so as a broker error Celery recovers from.
            raise redis.exceptions.ConnectionError("Redis broker connection closed")
        return super()._connparams(asynchronous=asynchronous)


class Transport(kombu_redis.Transport):
    Channel = Channel
