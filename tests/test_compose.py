"""compose.yaml: parses, every service has a health check, Redis never evicts, and every module,
command and task it names exists in this code base."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest
import yaml

COMPOSE = Path(__file__).resolve().parents[1] / "compose.yaml"


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def _command(service: dict) -> list[str]:
    command = service.get("command", [])
    return command.split() if isinstance(command, str) else list(command)


def test_every_service_has_a_health_check(compose):
    services = compose["services"]
    assert {"redis", "postgres", "worker", "beat", "flower", "sandbox"} <= set(services)
    for name, service in services.items():
        assert service.get("healthcheck", {}).get("test"), f"{name} has no health check"


def test_redis_never_evicts(compose):
    command = _command(compose["services"]["redis"])
    assert command[command.index("--maxmemory-policy") + 1] == "noeviction"


def test_celery_app_paths_import_and_the_beat_tasks_exist(compose):
    for name in ("worker", "beat"):
        command = _command(compose["services"][name])
        assert command[0] == "celery"
        module = importlib.import_module(command[command.index("-A") + 1])
        app = module.app
        assert app.main == "workers"
    import workers.tasks  # noqa: F401 - registers the tasks on the app
    from workers import app

    for entry in app.conf.beat_schedule.values():
        assert entry["task"] in app.tasks, entry["task"]
    assert app.conf.task_acks_late and app.conf.task_reject_on_worker_lost
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.accept_content == ["json"]
    assert app.conf.broker_transport_options["visibility_timeout"] > app.conf.task_time_limit


def test_publisher_commands_exist(compose):
    from publisher.cli import app

    names = {c.name or c.callback.__name__ for c in app.registered_commands}
    for service in compose["services"].values():
        command = _command(service)
        if command and command[0] == "publisher":
            assert command[1] in names, command


def test_app_environment_names_real_settings(compose):
    """Every PUBLISHER_* variable given to the app is a setting something reads."""
    from publisher.runtime.context import SchedulingSettings
    from publisher.settings import Settings

    known = {f"PUBLISHER_{k.upper()}" for k in (*Settings.model_fields, *SchedulingSettings.model_fields)}
    env = compose["services"]["worker"]["environment"]
    for key in env:
        if key.startswith("PUBLISHER_SECRET_"):
            continue  # read by settings.account_secret
        assert key in known, key


def test_database_url_driver_is_installed(compose):
    url = compose["services"]["worker"]["environment"]["PUBLISHER_DATABASE_URL"]
    driver = url.split("://", 1)[0].split("+", 1)[1]
    importlib.import_module(driver)


def test_content_is_the_services_own_clone_of_the_remote(compose):
    """No editor's checkout is bind-mounted (git refuses another user's repo; a read-only mount
    cannot be fetched): the services clone PUBLISHER_CONTENT_REMOTE into their own volume."""
    app_service = compose["services"]["worker"]
    env = app_service["environment"]
    assert env["PUBLISHER_CONTENT_DIR"] == "/content"
    assert env["PUBLISHER_CONTENT_REMOTE"].startswith("${PUBLISHER_CONTENT_REMOTE:-")
    mounts = {volume.split(":")[1]: volume.split(":")[0] for volume in app_service["volumes"]}
    assert mounts["/content"] == "content" and "content" in compose["volumes"]  # a named volume
    assert not any(source.startswith((".", "/")) for source in mounts.values())  # no bind mounts
    dockerfile = app_service["build"]["dockerfile_inline"]
    assert "install -y --no-install-recommends git" in dockerfile  # sync runs git
    assert "chown publisher /state /content" in dockerfile  # the volume starts owned by the user


def test_the_images_sample_remote_is_built_and_cloned_the_way_the_services_do(compose, tmp_path, monkeypatch):
    """The Dockerfile's seed step, run here with the image's paths moved to a temporary folder,
    gives a remote that sync clones (as the default PUBLISHER_CONTENT_REMOTE) and reads."""
    import re
    import subprocess

    from publisher.content.source import take_snapshot

    dockerfile = compose["services"]["worker"]["build"]["dockerfile_inline"]
    seed = next(line.strip()[len("RUN "):] for line in dockerfile.splitlines() if "build_signed_repo" in line)
    seed = seed.replace("/app/content", str(COMPOSE.parent / "content")).replace("/srv/", f"{tmp_path}/")
    seed = re.sub(r"&& chown -R publisher \S+", "", seed)
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
    done = subprocess.run(seed.replace("python -c", f"{sys.executable} -c", 1), shell=True, cwd=tmp_path,
                          capture_output=True, text=True, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    default = compose["services"]["worker"]["environment"]["PUBLISHER_CONTENT_REMOTE"]
    remote = default.split(":-", 1)[1].rstrip("}").replace("/srv/", f"{tmp_path}/")
    snapshot = take_snapshot(tmp_path / "content", tmp_path / "snapshots", remote=remote)
    assert snapshot.commit and (snapshot.root / "publisher.toml").is_file()
    assert (tmp_path / "content" / "items").is_dir()  # the clone's work tree, for status and check
    log = subprocess.run(["git", "-C", str(tmp_path / "content"), "log", "--format=%an"], capture_output=True,
                         text=True, check=True).stdout.split("\n")  # fmt: skip
    assert len(set(log) - {""}) > 1  # the reviewers' own commits, not one import commit
