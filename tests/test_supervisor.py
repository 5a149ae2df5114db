"""How long `ringback serve` waits before starting a dead part again, and when it gives up."""

import pytest

from ringback.supervisor import (
    CRASH_LIMIT,
    CRASH_WINDOW_SECONDS,
    CrashLoop,
    Restarts,
    describe_exit,
)


class Ticks:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_pause_doubles_with_each_crash_and_the_fifth_within_a_minute_gives_up():
    ticks = Ticks()
    restarts = Restarts("worker", clock=ticks)
    pauses = []
    for _ in range(CRASH_LIMIT - 1):
        pauses.append(restarts.crashed())
        ticks.now += 5
    assert pauses == [0.5, 1.0, 2.0, 4.0]
    with pytest.raises(CrashLoop, match="worker crashed 5 times within 60 s"):
        restarts.crashed()


def test_crashes_older_than_the_window_are_forgotten():
    ticks = Ticks()
    restarts = Restarts("scheduler", clock=ticks)
    for _ in range(CRASH_LIMIT - 1):
        restarts.crashed()
    ticks.now += CRASH_WINDOW_SECONDS + 1
    assert restarts.crashed() == 0.5  # a part that ran for a while starts afresh


def test_exits_are_described_by_signal_name_or_status():
    assert describe_exit(-9) == "was killed by SIGKILL"
    assert describe_exit(3) == "exited with status 3"
