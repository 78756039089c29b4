"""Is this Redis safe to hold the broker's queue, claims' locks and shared tokens?

Redis evicts keys under memory pressure unless `maxmemory-policy` is `noeviction`; an evicted
queued message is a lost publication (until stale recovery), an evicted lock lets two workers
refresh one token, an evicted quota window lets an account overspend. Workers (on
`worker_ready`) and `publisher run` with the Celery executor check once at start and warn.
"""

from __future__ import annotations

import logging

import redis

log = logging.getLogger(__name__)

SAFE_POLICY = "noeviction"


def eviction_warning(client: redis.Redis) -> str | None:
    """A sentence for the operator when this Redis may evict keys; None when it is safe or
    cannot be asked (a managed Redis may refuse CONFIG GET: then nothing is known)."""
    try:
        policy = client.config_get("maxmemory-policy").get("maxmemory-policy")
    except redis.exceptions.ResponseError:
        return None
    if isinstance(policy, bytes):
        policy = policy.decode()
    if not policy or policy == SAFE_POLICY:
        return None
    return (
        f"Redis 的 maxmemory-policy 为 {policy}：内存紧张时会删除队列消息、锁和令牌缓存，"
        f"可能导致稿件延误或重复刷新令牌。请设置 maxmemory-policy {SAFE_POLICY}"
        f"（redis-cli CONFIG SET maxmemory-policy {SAFE_POLICY}，并写入 redis.conf）。"
    )


def warn_if_evicting(url_or_client: str | redis.Redis, logger: logging.Logger | None = None) -> str | None:
    """Log the eviction warning (once per call) and return it; connection trouble is not this
    check's business: the broker reports that itself."""
    client = redis.Redis.from_url(url_or_client) if isinstance(url_or_client, str) else url_or_client
    try:
        message = eviction_warning(client)
    except redis.exceptions.RedisError:
        return None
    if message:
        (logger or log).warning(message)
    return message
