"""Sign-offs bound to content and to people (DESIGN decision 9), on real git repos: each forged,
unsigned, stale, out-of-order or not-allowed sign-off is blocked with a sentence naming who and
which commit; a correct history passes; `publisher sign` and `publisher diff` work as reviewers
use them."""

from __future__ import annotations

import os
import subprocess
from datetime import UTC, datetime

import pytest
from typer.testing import CliRunner

from publisher.checks import check_items
from publisher.content.matrix import load_matrix
from publisher.ledger import State, open_ledger
from publisher.schedule.sync import sync
from publisher.settings import Settings

from .signoff_repo import EDITOR, ITEM_ID, REVIEWERS, make_repo, signed_history

runner = CliRunner()


def review_errors(repo) -> list:
    matrix = load_matrix(repo.root)
    report = check_items(repo.root, matrix, strict_review=True, workers=1)
    return [f for f in report.findings if f.code.startswith("review") and f.is_error]


def codes(findings) -> list[str]:
    return [f.code for f in findings]


def test_a_correct_history_passes(tmp_path):
    repo = make_repo(tmp_path)
    signed_history(repo)
    assert review_errors(repo) == []


def test_a_line_committed_by_someone_else_is_forged(tmp_path):
    repo = make_repo(tmp_path)
    repo.sign("初审", "周敏", "2026-11-03 10:00")
    repo.sign("复审", "陈立群", "2026-11-03 15:00")
    last = repo.sign("终审", "刘振华", "2026-11-04 09:00", committer="王编辑")
    [error] = review_errors(repo)
    assert error.code == "review-forged"
    assert "刘振华" in error.message and EDITOR[1] in error.message and last[:7] in error.message
    assert "不是登记的审核人" in error.message


def test_a_reviewer_cannot_sign_in_another_reviewers_name(tmp_path):
    repo = make_repo(tmp_path)
    repo.sign("初审", "周敏", "2026-11-03 10:00")
    repo.sign("复审", "陈立群", "2026-11-03 15:00")
    last = repo.sign("终审", "刘振华", "2026-11-04 09:00", committer="陈立群")
    errors = review_errors(repo)
    assert "review-forged" in codes(errors)
    forged = next(f for f in errors if f.code == "review-forged")
    assert "陈立群" in forged.message and last[:7] in forged.message


def test_a_reviewer_not_allowed_for_the_stage_is_blocked(tmp_path):
    repo = make_repo(tmp_path)
    repo.sign("初审", "周敏", "2026-11-03 10:00")
    repo.sign("复审", "陈立群", "2026-11-03 15:00")
    commit = repo.sign("终审", "吴海东", "2026-11-04 09:00")
    [error] = review_errors(repo)
    assert error.code == "review-not-allowed"
    assert error.message.startswith("吴海东无权签发“终审”") and commit[:7] in error.message


def test_an_edit_after_final_signoff_blocks_until_signed_again(tmp_path):
    repo = make_repo(tmp_path)
    signed_history(repo)
    final = repo.git("rev-parse", "HEAD")
    repo.edit("重点任务", "重点任务和保障措施")
    repo.commit("补充正文", ("周敏", REVIEWERS["周敏"][0]))  # by anyone, a reviewer included
    [error] = review_errors(repo)
    assert error.code == "review-changed-after-signoff"
    assert error.message.startswith("终审后稿件有改动，需重新签发")
    assert final[:7] in error.message and "需重新签发：终审）" in error.message
    # Only the final stage signs again: the earlier ones approved what was handed on.
    repo.sign("终审", "刘振华", "2026-11-04 16:00")
    assert review_errors(repo) == []


def test_schedule_changes_and_new_signoff_lines_do_not_ask_for_a_new_review(tmp_path):
    repo = make_repo(tmp_path)
    signed_history(repo)
    repo.edit("publish_at: 2026-11-05 09:00", "publish_at: 2026-11-06 10:00")
    repo.commit("改期")
    assert review_errors(repo) == []


def test_a_picture_changed_after_signoff_counts_as_a_change(tmp_path):
    repo = make_repo(tmp_path)
    (repo.item.parent / "photo.png").write_bytes(b"\x89PNG first")
    repo.commit("配图")
    signed_history(repo)
    (repo.item.parent / "photo.png").write_bytes(b"\x89PNG second")
    repo.commit("换图")
    [error] = review_errors(repo)
    assert error.message.startswith("终审后稿件有改动")


def test_an_edit_after_second_review_only_invalidates_it_and_the_final(tmp_path):
    repo = make_repo(tmp_path)
    repo.sign("初审", "周敏", "2026-11-03 10:00")
    second = repo.sign("复审", "陈立群", "2026-11-03 15:00")
    repo.edit("重点任务", "重点工作任务")
    repo.commit("改稿")
    repo.sign("终审", "刘振华", "2026-11-04 09:00")  # signed the changed text, but 复审 never saw it
    [error] = review_errors(repo)
    assert error.message.startswith("复审后稿件有改动，需重新签发")
    assert second[:7] in error.message and "需重新签发：复审、终审）" in error.message
    # 复审 signs again; 终审 is now older than 复审 and must follow.
    repo.sign("复审", "陈立群", "2026-11-04 10:00")
    assert codes(review_errors(repo)) == ["review-out-of-order"]
    repo.sign("终审", "刘振华", "2026-11-04 11:00")
    assert review_errors(repo) == []


def test_stages_committed_out_of_order_are_blocked(tmp_path):
    repo = make_repo(tmp_path)
    repo.sign("初审", "周敏", "2026-11-03 10:00")
    final = repo.sign("终审", "刘振华", "2026-11-03 12:00")
    repo.sign("复审", "陈立群", "2026-11-03 11:00")  # written as earlier, committed later
    errors = review_errors(repo)
    assert codes(errors) == ["review-out-of-order"]
    assert final[:7] in errors[0].message and "刘振华" in errors[0].message and "初审→复审→终审" in errors[0].message


def test_one_person_signing_two_stages_is_blocked(tmp_path):
    repo = make_repo(tmp_path)
    first = repo.sign("初审", "吴海东", "2026-11-03 10:00")
    second = repo.sign("复审", "吴海东", "2026-11-03 15:00")
    repo.sign("终审", "刘振华", "2026-11-04 09:00")
    errors = review_errors(repo)
    assert "review-same-person" in codes(errors) and "review-same-committer" in codes(errors)
    same = next(f for f in errors if f.code == "review-same-committer")
    assert first[:7] in same.message and second[:7] in same.message and "吴海东" in same.message


def test_an_uncommitted_line_does_not_count(tmp_path):
    repo = make_repo(tmp_path)
    repo.sign("初审", "周敏", "2026-11-03 10:00")
    repo.sign("复审", "陈立群", "2026-11-03 15:00")
    repo.add_line("终审", "刘振华", "2026-11-04 09:00")  # typed, never committed
    [error] = review_errors(repo)
    assert error.code == "review-uncommitted"


def test_outside_git_signoffs_are_unverifiable_unless_the_policy_says_none(tmp_path):
    repo = make_repo(tmp_path)
    signed_history(repo)
    plain = tmp_path / "plain"
    subprocess.run(["cp", "-r", str(repo.root), str(plain)], check=True)
    subprocess.run(["rm", "-rf", str(plain / ".git")], check=True)
    report = check_items(plain, load_matrix(plain), strict_review=True, workers=1)
    assert "review-unverifiable" in codes(report.errors)
    config = plain / "publisher.toml"
    config.write_text(config.read_text(encoding="utf-8").replace("[review]\n", '[review]\nverify = "none"\n'),
                      encoding="utf-8")
    report = check_items(plain, load_matrix(plain), strict_review=True, workers=1)
    assert not [f for f in report.errors if f.code.startswith("review")]


def test_sync_blocks_the_row_with_the_sentence(tmp_path):
    repo = make_repo(tmp_path)
    signed_history(repo)
    repo.edit("重点任务", "重点任务（修改）")
    repo.commit("改稿")
    settings = Settings(state_dir=tmp_path / "state")
    with open_ledger(f"sqlite:///{tmp_path / 'ledger.sqlite3'}") as ledger:
        sync(repo.root, ledger, settings, now=datetime(2026, 11, 6, tzinfo=UTC))
        [row] = ledger.publications()
    assert row.state is State.BLOCKED and "终审后稿件有改动，需重新签发" in row.blocked_reason


# -- signatures ---------------------------------------------------------------------------------

def test_signed_history_passes_and_an_unsigned_or_foreign_key_signoff_is_blocked(tmp_path):
    repo = make_repo(tmp_path, require_signatures=True)
    signed_history(repo)
    assert review_errors(repo) == []

    # 终审 again, committed by 刘振华 but without a signature.
    repo.edit("重点任务", "重点任务部署")
    repo.commit("改稿")
    unsigned = repo.sign("终审", "刘振华", "2026-11-04 16:00", signed=False)
    [error] = review_errors(repo)
    assert error.code == "review-unsigned"
    assert "刘振华" in error.message and unsigned[:7] in error.message and "没有签名" in error.message

    # Signed, but with a key that is not the one registered for 刘振华.
    repo.keys["刘振华"] = repo.keys["stranger"]
    foreign = repo.sign("终审", "刘振华", "2026-11-04 17:00")
    [error] = review_errors(repo)
    assert error.code == "review-unsigned" and foreign[:7] in error.message


def test_an_allowed_signers_file_named_in_the_policy_is_used(tmp_path):
    repo = make_repo(tmp_path, require_signatures=True)
    signed_history(repo)
    lines = "".join(f'{email} namespaces="git" {repo.keys[name].with_suffix(".pub").read_text().strip()}\n'
                    for name, (email, _stages) in REVIEWERS.items())
    (repo.root / "allowed_signers").write_text(lines, encoding="utf-8")
    config = repo.root / "publisher.toml"
    text = config.read_text(encoding="utf-8")
    # Keys only in the allowed signers file: git's own verdict (G) is what counts.
    text = "\n".join(line for line in text.split("\n") if not line.startswith("key = "))
    config.write_text(text.replace("require_signatures = true", 'require_signatures = true\nallowed_signers = "allowed_signers"'),
                      encoding="utf-8")
    assert review_errors(repo) == []
    (repo.root / "allowed_signers").write_text("", encoding="utf-8")
    assert {f.code for f in review_errors(repo)} == {"review-unsigned"}


# -- publisher sign / publisher diff --------------------------------------------------------------

def as_person(monkeypatch, name: str, email: str) -> None:
    for kind in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{kind}_NAME", name)
        monkeypatch.setenv(f"GIT_{kind}_EMAIL", email)


@pytest.fixture
def cli_repo(tmp_path, monkeypatch):
    repo = make_repo(tmp_path)
    monkeypatch.setenv("PUBLISHER_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("PUBLISHER_DATABASE_URL", raising=False)
    return repo


def test_sign_writes_the_line_and_commits_as_the_reviewer(cli_repo, monkeypatch):
    from publisher.cli import app

    repo = cli_repo
    for stage, name in (("初审", "周敏"), ("复审", "陈立群"), ("终审", "刘振华")):
        as_person(monkeypatch, name, REVIEWERS[name][0])
        result = runner.invoke(app, ["sign", ITEM_ID, "--stage", stage, "--content", str(repo.root)])
        assert result.exit_code == 0, result.output
        assert f"已签发“{stage}”" in result.output
        assert repo.git("log", "-1", "--format=%ae") == REVIEWERS[name][0]
    assert review_errors(repo) == []
    assert repo.git("status", "--porcelain") == ""


def test_sign_refuses_unregistered_people_stages_not_theirs_and_uncommitted_edits(cli_repo, monkeypatch):
    from publisher.cli import app

    repo = cli_repo
    sign = ["sign", ITEM_ID, "--stage", "终审", "--content", str(repo.root)]
    as_person(monkeypatch, *EDITOR)
    result = runner.invoke(app, sign)
    assert result.exit_code != 0 and "不是 publisher.toml 中登记的审核人" in result.output
    as_person(monkeypatch, "周敏", REVIEWERS["周敏"][0])
    result = runner.invoke(app, sign)
    assert result.exit_code != 0 and "周敏无权签发“终审”" in result.output
    as_person(monkeypatch, "刘振华", REVIEWERS["刘振华"][0])
    repo.edit("重点任务", "重点任务（未提交）")
    result = runner.invoke(app, sign)
    assert result.exit_code != 0 and "未提交的改动" in result.output
    assert "刘振华" not in repo.item.read_text(encoding="utf-8")


def test_diff_shows_what_changed_since_the_signoff(cli_repo, monkeypatch):
    from publisher.cli import app

    repo = cli_repo
    signed_history(repo)
    repo.edit("重点任务", "重点任务和保障措施")
    repo.commit("补充正文")
    result = runner.invoke(app, ["diff", ITEM_ID, "--content", str(repo.root)])
    assert result.exit_code == 0, result.output
    assert "自“终审”签发（刘振华" in result.output
    assert "-会议部署了下一阶段数据工作重点任务。" in result.output
    assert "+会议部署了下一阶段数据工作重点任务和保障措施。" in result.output


def test_check_cli_shows_the_sentence(cli_repo):
    from publisher.cli import app

    repo = cli_repo
    signed_history(repo)
    repo.edit("重点任务", "重点任务和保障措施")
    repo.commit("补充正文")
    result = runner.invoke(app, ["check", "--content", str(repo.root)], env={**os.environ, "COLUMNS": "200"})
    assert "终审后稿件有改动，需重新签发" in result.output
