"""Sign-offs bound to content and to people (DESIGN decision 9), from the item's git trail.

A stage line counts only when the commit that introduced it was made by a reviewer registered in
publisher.toml under that name, allowed to sign that stage, with a signature git verifies when
the repo requires one, and when what readers see has not changed since. A change after a stage's
sign-off invalidates that stage and every later one. Each problem is a Chinese sentence naming
who and which commit, and the fix.

Editors meet these findings in `check` too (the pre-commit hook): there, a change not yet signed
again and a sign-off line not yet committed are warnings, because committing the change (or the
line) is the step that comes before signing; publishing always treats them as errors.
"""

from __future__ import annotations

import base64
import binascii
import hashlib

from publisher.checks.positions import finding
from publisher.content.approval import SignLine, current_digest
from publisher.content.findings import Finding, Severity
from publisher.content.history import Commit, SignEvent, invalidated
from publisher.content.matrix import Reviewer, ReviewPolicy
from publisher.content.model import ContentItem

_SIGNATURE_PROBLEMS = {
    "N": "没有签名",
    "B": "签名无效（提交内容与签名不符）",
    "E": "签名无法核验（git 找不到对应的公钥或 allowed signers 文件）",
    "X": "签名已过期",
    "Y": "签名密钥已过期",
    "R": "签名密钥已被吊销",
    "U": "签名密钥未被信任",
}


def ssh_fingerprint(public_key: str) -> str | None:
    """`SHA256:…` of an OpenSSH public key line, as git's %GF shows it."""
    parts = public_key.split()
    if len(parts) < 2:
        return None
    try:
        blob = base64.b64decode(parts[1], validate=True)
    except (binascii.Error, ValueError):
        return None
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


def key_matches(reviewer: Reviewer, fingerprint: str) -> bool:
    key = (reviewer.key or "").strip()
    if not key or not fingerprint:
        return False
    if key.startswith("SHA256:"):
        return key == fingerprint
    if " " in key:
        return ssh_fingerprint(key) == fingerprint
    wanted, got = key.replace(" ", "").upper(), fingerprint.replace(" ", "").upper()
    return len(wanted) >= 16 and got.endswith(wanted)


def signature_problem(commit: Commit, reviewer: Reviewer) -> str | None:
    status = commit.signature or "N"
    if status == "G" and (reviewer.key is None or key_matches(reviewer, commit.fingerprint)):
        return None
    if status == "U" and key_matches(reviewer, commit.fingerprint):
        return None  # good signature by the key publisher.toml registers for this person
    if status in ("G", "U") and reviewer.key and not key_matches(reviewer, commit.fingerprint):
        return f"签名密钥（{commit.fingerprint or '未知'}）不是{reviewer.name}登记的密钥"
    return _SIGNATURE_PROBLEMS.get(status, f"签名状态异常（{status}）")


def git_signoff_findings(item: ContentItem, policy: ReviewPolicy, severity: Severity, *, strict: bool) -> list[Finding]:
    """Problems of the item's sign-offs against its git trail (empty when verify = "none")."""
    if policy.verify == "none":
        return []
    review_line = item.line_of("review") if ("review",) in item.positions.spots else item.line_of("title")
    if item.trail is None:
        return [finding(
            item, "review-unverifiable",
            "内容库不在 git 版本管理中，无法核验签发是否由登记的审核人本人提交；请在 git 内容库中用 "
            "publisher sign 签发（仅试用时可在 publisher.toml 的 [review] 中设置 verify = \"none\"）",
            review_line, None, severity,
        )]
    if not policy.reviewers:
        return [finding(
            item, "review-no-reviewers",
            "publisher.toml 中没有登记审核人（[[review.reviewers]]：姓名、git 身份、可签发的环节），签发无法核验",
            review_line, None, severity,
        )]
    soft = severity if strict else Severity.WARNING
    digest, parsed = current_digest(item.source_bytes, item.folder)
    latest: dict[str, tuple[int, SignLine]] = {}
    for index, line in enumerate(parsed.lines):
        latest[line.stage] = (index, line)

    findings: list[Finding] = []
    signed: list[tuple[str, int, SignEvent]] = []  # (stage, line index, event), in policy order
    for stage in policy.stages:
        if stage not in latest:
            continue
        index, line = latest[stage]
        where = item.line_of("review", index)
        event = item.trail.event(line)
        if event is None:
            findings.append(finding(
                item, "review-uncommitted",
                f"“{stage}”签发（{line.by}）尚未提交到内容库；签发须由审核人本人提交（publisher sign {item.id} --stage {stage}）",
                where, None, soft,
            ))
            continue
        signed.append((stage, index, event))
        problem = _identity_problem(stage, line, event.commit, policy)
        if problem:
            code, message = problem
            findings.append(finding(item, code, message, where, None, severity))

    findings.extend(_order_and_people(item, policy, signed, severity))

    undone = invalidated(item.trail, parsed.lines, policy.stages, digest)
    if undone:
        first = undone[0]
        prior = first.prior
        change = f"提交 {first.change.short}（{first.change.who}）" if first.change else "尚未提交的修改"
        # That stage and every later one: a later stage signed before the stage is signed again
        # would be out of order.
        again = "、".join(policy.stages[policy.stages.index(first.stage):])
        where = latest[first.stage][0] if first.stage in latest else None
        findings.append(finding(
            item, "review-changed-after-signoff",
            f"{prior.line.stage}后稿件有改动，需重新签发（{prior.line.stage}由{prior.line.by}在提交 {prior.commit.short} "
            f"签发，之后{change}改动了稿件；查看改动：publisher diff {item.id}；需重新签发：{again}）",
            item.line_of("review", where) if where is not None else review_line, None, soft,
        ))
    return findings


def _identity_problem(stage: str, line: SignLine, commit: Commit, policy: ReviewPolicy) -> tuple[str, str] | None:
    reviewer = policy.reviewer(commit.email)
    fix = f"请由{line.by}本人用 publisher sign 重新签发"
    if reviewer is None:
        return "review-forged", (f"“{stage}”签发写的是“{line.by}”，但这一行是 {commit.who} 在提交 {commit.short} 中加入的，"
                                 f"此人不是登记的审核人；{fix}")
    if reviewer.name != line.by:
        return "review-forged", (f"“{stage}”签发写的是“{line.by}”，但这一行是{reviewer.name}（{commit.email}）"
                                 f"在提交 {commit.short} 中加入的；签发须由本人提交，{fix}")
    if stage not in reviewer.stages:
        return "review-not-allowed", (f"{reviewer.name}无权签发“{stage}”（可签发：{'、'.join(reviewer.stages)}），"
                                      f"见提交 {commit.short}；请由有权签发{stage}的审核人签发")
    if policy.require_signatures:
        why = signature_problem(commit, reviewer)
        if why:
            return "review-unsigned", (f"{reviewer.name}的“{stage}”签发（提交 {commit.short}）{why}；本内容库要求签发提交"
                                       f"带有本人密钥的签名：配置 git 签名后用 publisher sign 重新签发")
    return None


def _order_and_people(item: ContentItem, policy: ReviewPolicy, signed: list[tuple[str, int, SignEvent]],
                      severity: Severity) -> list[Finding]:
    findings: list[Finding] = []
    if policy.in_order:
        for (before, _bi, first), (stage, index, event) in zip(signed, signed[1:], strict=False):
            if event.commit.order < first.commit.order:
                findings.append(finding(
                    item, "review-out-of-order",
                    f"“{stage}”（{event.line.by}，提交 {event.commit.short}）在“{before}”（{first.line.by}，提交 "
                    f"{first.commit.short}）之前提交，审核应按{'→'.join(policy.stages)}的顺序进行；请按顺序重新签发",
                    item.line_of("review", index), None, severity,
                ))
    if policy.distinct_people:
        by_person: dict[str, tuple[str, SignEvent]] = {}
        for stage, index, event in signed:
            earlier = by_person.get(event.commit.email)
            if earlier is not None:
                findings.append(finding(
                    item, "review-same-committer",
                    f"{event.commit.who} 在提交 {earlier[1].commit.short} 签发了“{earlier[0]}”，又在提交 "
                    f"{event.commit.short} 签发了“{stage}”；各审核环节应由不同人员负责",
                    item.line_of("review", index), None, severity,
                ))
            else:
                by_person[event.commit.email] = (stage, event)
    return findings
