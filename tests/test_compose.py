"""compose.yaml: parses, every service has a health check, Redis never evicts, and every module,
command and task it names exists in this code base."""

from __future__ import annotations

import importlib
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
