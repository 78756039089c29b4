"""Fault switches for the sandbox servers: what can go wrong, how often, deterministically.

A switch is set over the loopback-only admin endpoint (`POST <sandbox>/_admin/faults`, JSON) or
from the environment when the sandbox starts:

    PUBLISHER_SANDBOX_FAULTS='{"error": {"rate": 0.1}, "latency_ms": 50}'   full settings, JSON
    PUBLISHER_SANDBOX_SEED=7                     seed of the random draws (same seed, same faults)
    PUBLISHER_SANDBOX_ERROR_RATE=0.1             share of API requests answered HTTP 503
    PUBLISHER_SANDBOX_LATENCY_MS=200             delay before every API request
    PUBLISHER_SANDBOX_TIMEOUT_RATE=0.1           share processed, then answered too late
    PUBLISHER_SANDBOX_TIMEOUT_SECONDS=30         how late
    PUBLISHER_SANDBOX_REVIEW_REJECT_RATE=0.2     share of WeChat publish jobs ending publish_status 4
    PUBLISHER_SANDBOX_INVALIDATE_TOKEN_RATE=0.01 share of API requests preceded by a token revocation
    PUBLISHER_SANDBOX_MATERIAL_INVALID_RATE=1    share of WeChat draft/add and submit calls whose cover
                                                 material answers 40007 (as if deleted)
    PUBLISHER_SANDBOX_QUOTA_EXHAUSTED=wx-a,*     accounts (appid / weibo uid, `*` all) out of quota
    PUBLISHER_SANDBOX_PERMISSION_DENIED=wx-a     accounts whose API calls lack the right (48001/10014)

A rule fires when the request path matches one of `paths` (all when empty), a draw under `rate`
succeeds, and `times` (when set) is not used up.
"""

from __future__ import annotations

import json
import os
import random
import threading
from collections import Counter

from pydantic import BaseModel, ConfigDict, Field


class FaultRule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rate: float = Field(1.0, ge=0.0, le=1.0)
    paths: list[str] = Field(default_factory=list, description="API paths it applies to; empty: all")
    times: int | None = Field(None, ge=0, description="fire at most this many times")
    seconds: float = Field(30.0, ge=0.0, description="timeout rule only: how late the answer comes")
    status: int = Field(503, description="error rule only: HTTP status (200: the channel's 'busy' code)")


class FaultSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    seed: int = 0
    latency_ms: int = Field(0, ge=0)
    latency_paths: list[str] = Field(default_factory=list)
    error: FaultRule | None = None  # HTTP 503 before processing
    timeout: FaultRule | None = None  # processed, then answered after `seconds`
    invalidate_token: FaultRule | None = None  # the account's token is revoked first
    review_reject: FaultRule | None = None  # WeChat publish job ends with publish_status 4
    material_invalid: FaultRule | None = None  # WeChat cover material answers 40007 (invalid media_id)
    quota_exhausted: list[str] = Field(default_factory=list)
    permission_denied: list[str] = Field(default_factory=list)  # accounts without API rights


def settings_from_env(environ: dict[str, str] | None = None) -> FaultSettings:
    env = os.environ if environ is None else environ
    data: dict = json.loads(env.get("PUBLISHER_SANDBOX_FAULTS") or "{}")
    if env.get("PUBLISHER_SANDBOX_SEED"):
        data["seed"] = int(env["PUBLISHER_SANDBOX_SEED"])
    if env.get("PUBLISHER_SANDBOX_LATENCY_MS"):
        data["latency_ms"] = int(env["PUBLISHER_SANDBOX_LATENCY_MS"])
    for name in ("error", "timeout", "review_reject", "invalidate_token", "material_invalid"):
        rate = env.get(f"PUBLISHER_SANDBOX_{name.upper()}_RATE")
        if rate:
            data[name] = {**data.get(name, {}), "rate": float(rate)}
    if env.get("PUBLISHER_SANDBOX_TIMEOUT_SECONDS"):
        data["timeout"] = {**data.get("timeout", {"rate": 0.0}), "seconds": float(env["PUBLISHER_SANDBOX_TIMEOUT_SECONDS"])}
    for name in ("quota_exhausted", "permission_denied"):
        listed = env.get(f"PUBLISHER_SANDBOX_{name.upper()}")
        if listed:
            data[name] = [a.strip() for a in listed.split(",") if a.strip()]
    return FaultSettings.model_validate(data)


class Faults:
    """The live switches of one sandbox. Thread-safe; draws come from one seeded generator."""

    def __init__(self, settings: FaultSettings | None = None) -> None:
        self._lock = threading.Lock()
        # Faults injected so far, by kind; unlike `times` bookkeeping it survives `replace`, so a
        # chaos run can report every fault it caused (the admin `counters` endpoint shows it).
        self.injected: Counter[str] = Counter()
        self.replace(settings or FaultSettings())

    @property
    def settings(self) -> FaultSettings:
        return self._settings

    def replace(self, settings: FaultSettings) -> None:
        with self._lock:
            self._settings = settings
            self._random = random.Random(settings.seed)
            self._fired: dict[str, int] = {}

    def update(self, changes: dict) -> FaultSettings:
        """Merge `changes` into the current settings (a key set to null switches it off)."""
        merged = {**self._settings.model_dump(), **changes}
        settings = FaultSettings.model_validate(merged)
        self.replace(settings)
        return settings

    def fires(self, name: str, path: str) -> FaultRule | None:
        rule: FaultRule | None = getattr(self._settings, name)
        if rule is None or (rule.paths and path not in rule.paths):
            return None
        with self._lock:
            if rule.times is not None and self._fired.get(name, 0) >= rule.times:
                return None
            if self._random.random() >= rule.rate:
                return None
            self._fired[name] = self._fired.get(name, 0) + 1
            self.injected[name] += 1
        return rule

    def latency_seconds(self, path: str) -> float:
        s = self._settings
        if not s.latency_ms or (s.latency_paths and path not in s.latency_paths):
            return 0.0
        return s.latency_ms / 1000.0

    def quota_exhausted(self, account: str) -> bool:
        listed = self._settings.quota_exhausted
        return self._count("quota_exhausted", "*" in listed or account in listed)

    def permission_denied(self, account: str) -> bool:
        listed = self._settings.permission_denied
        return self._count("permission_denied", "*" in listed or account in listed)

    def _count(self, name: str, fired: bool) -> bool:
        if fired:
            with self._lock:
                self.injected[name] += 1
        return fired

    def clear_quota(self, account: str) -> None:
        with self._lock:
            remaining = [a for a in self._settings.quota_exhausted if a != account]
            self._settings = self._settings.model_copy(update={"quota_exhausted": remaining})
