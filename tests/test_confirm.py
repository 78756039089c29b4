"""`publisher confirm`: an unconfirmed post the editor found on the platform becomes published,
with the link, audited under the editor's name — and is never sent again."""

from __future__ import annotations

import getpass
from datetime import UTC, datetime, timedelta

from publish_fixtures import write_content
from typer.testing import CliRunner

from publisher.cli import app
from publisher.ledger import State, open_ledger
from publisher.schedule.sync import sync
from publisher.settings import Settings

NOW = datetime(2026, 11, 22, 4, 0, tzinfo=UTC)


def test_confirm_marks_the_unconfirmed_row_published(tmp_path):
    root, state = tmp_path / "content", tmp_path / "state"
    write_content(root, 1, "http://127.0.0.1:9", channels=("weibo",), publish_at=NOW - timedelta(hours=1))
    settings = Settings(content_dir=root, state_dir=state, use_git=False)
    with open_ledger(settings.resolved_database_url) as ledger:
        sync(root, ledger, settings, NOW)
        [row] = ledger.claim_due(NOW, 0, 10, "t")
        started = ledger.start(row.id, "t")
        ledger.mark_unconfirmed(row.id, "timeout", "应答超时", attempt=started.attempts)

    env = {"PUBLISHER_STATE_DIR": str(state), "PUBLISHER_USE_GIT": "false"}
    runner = CliRunner()
    missing = runner.invoke(app, ["confirm", row.item_id, "--account", "nobody", "--content", str(root)], env=env)
    assert missing.exit_code == 2 and "没有结果未确认的稿件" in missing.output
    url = "https://weibo.com/1/2"
    done = runner.invoke(app, ["confirm", row.item_id, "--account", "wb-main", "--url", url, "--content", str(root)], env=env)
    assert done.exit_code == 0, done.output

    with open_ledger(settings.resolved_database_url) as ledger:
        after = ledger.get(row.id)
        assert after.state is State.PUBLISHED and after.url == url
        last = ledger.history(publication_id=row.id)[-1]
        assert last.event == "reconciled" and last.actor == getpass.getuser()
        # Published rows are never claimed again.
        assert ledger.claim_due(NOW + timedelta(days=1), 0, 10, "t") == []
