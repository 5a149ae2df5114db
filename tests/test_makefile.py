"""`make run` installs only what running needs; `make test` adds the dev extras.

Each test asks make what it would do (`make -n`) in a copy of the Makefile and
pyproject.toml, so nothing is installed."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    for name in ("Makefile", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def would_run(checkout: Path, target: str) -> str:
    done = subprocess.run(["make", "-n", target], cwd=checkout, capture_output=True,
                          text=True, timeout=30, check=True)
    return done.stdout


def installs(plan: str) -> list[str]:
    return [line for line in plan.splitlines() if "pip install" in line and "-e " in line]


def stamp_fresh(checkout: Path, *names: str) -> None:
    venv = checkout / ".venv"
    venv.mkdir(exist_ok=True)
    later = time.time() + 5
    for name in names:
        (venv / name).touch()
        os.utime(venv / name, (later, later))


def test_make_run_installs_only_what_running_needs(checkout):
    (install,) = installs(would_run(checkout, "run"))
    assert "[dev]" not in install
    assert install.rstrip().endswith("-e .")


def test_make_test_adds_the_dev_extras_to_the_same_venv(checkout):
    plan = installs(would_run(checkout, "test"))
    assert len(plan) == 2 and "[dev]" in plan[1], plan
    stamp_fresh(checkout, ".runtime-installed")  # after a `make run`
    (dev,) = installs(would_run(checkout, "test"))
    assert "-e '.[dev]'" in dev
    assert ".venv/bin/python" in dev


def test_make_run_after_make_test_installs_nothing(checkout):
    stamp_fresh(checkout, ".runtime-installed", ".dev-installed")
    assert installs(would_run(checkout, "run")) == []
    assert installs(would_run(checkout, "test")) == []
