"""The one scheduling loop: steps run on their intervals, a failing step never stops the others,
and Celery beat's schedule is made of the same steps."""

from __future__ import annotations

from publisher.schedule.loop import SchedulingLoop, Step, loop_steps, run_step


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_steps_run_at_start_then_on_their_intervals_and_a_failure_is_contained():
    clock, calls = Clock(), []

    def record(name):
        return lambda runtime, executor: calls.append((name, clock.now))

    def broken(runtime, executor):
        calls.append(("broken", clock.now))
        raise RuntimeError("boom")

    steps = [Step("fast", 1.0, record("fast")), Step("broken", 2.0, broken),
             Step("slow", 5.0, record("slow")), Step("off", 0.0, record("off"))]
    seen = []
    loop = SchedulingLoop(None, None, steps, clock=clock, on_result=lambda step, result: seen.append(step.name))
    for tick in range(0, 11):
        clock.now = float(tick)
        loop.run_due()
    by_name = {name: [t for n, t in calls if n == name] for name in ("fast", "broken", "slow", "off")}
    assert by_name["fast"] == [float(t) for t in range(11)]
    assert by_name["broken"] == [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]  # raised each time, tried again
    assert by_name["slow"] == [0.0, 5.0, 10.0]
    assert by_name["off"] == []
    assert "broken" not in seen and seen.count("slow") == 3


def test_every_step_is_known_by_name_and_beat_schedules_the_same_steps(monkeypatch):
    from workers.app import STEP_TASKS, create_app

    monkeypatch.setenv("PUBLISHER_NOTIFY_SECONDS", "45")
    names = [step.name for step in loop_steps()]
    assert names == ["sync-content", "dispatch-tick", "poll-status", "pull-reach", "inspect", "notify"]
    assert set(STEP_TASKS) == set(names)
    schedule = create_app().conf.beat_schedule
    assert schedule["notify"]["schedule"] == 45 and schedule["notify"]["task"] == STEP_TASKS["notify"]
    tick = next(s for s in loop_steps() if s.name == "dispatch-tick")
    assert schedule["dispatch-tick"]["options"]["expires"] == tick.expires == 2 * tick.seconds


def test_an_unknown_step_is_refused():
    import pytest

    with pytest.raises(LookupError):
        run_step("no-such-step", None, None, steps=[])


def test_a_slow_background_step_never_delays_the_tick():
    import threading

    clock, release, ticks, slow_turns = Clock(), threading.Event(), [], []

    def slow(runtime, executor):
        slow_turns.append(clock.now)
        release.wait(5)

    steps = [Step("notify", 1.0, slow, background=True), Step("dispatch-tick", 1.0, lambda r, e: ticks.append(clock.now))]
    loop = SchedulingLoop(None, None, steps, clock=clock)
    for tick in range(4):
        clock.now = float(tick)
        loop.run_due()
    assert ticks == [0.0, 1.0, 2.0, 3.0]  # the tick ran on time while notify was stuck
    assert slow_turns == [0.0]  # one turn at a time: the stuck one is not started again
    release.set()
    loop.join_background(5)
    clock.now = 4.0
    loop.run_due()
    loop.join_background(5)
    assert slow_turns == [0.0, 4.0]
