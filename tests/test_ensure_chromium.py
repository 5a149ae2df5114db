"""scripts/ensure-chromium: a Chromium that cannot be had skips the browser tests
on a developer's machine, and fails the run on CI."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "ensure-chromium"


def run_without_chromium(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """The script on a machine with no Chromium and no apt-get (a PATH of sh and id only)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("sh", "id"):
        found = shutil.which(tool)
        assert found, tool
        (bin_dir / tool).symlink_to(found)
    environment = {"PATH": str(bin_dir), "RINGBACK_CHROMIUM": str(tmp_path / "no-chromium"),
                   **env}
    return subprocess.run(["sh", str(SCRIPT)], env=environment, capture_output=True,
                          text=True, timeout=30, check=False)


def test_missing_chromium_fails_the_run_on_ci(tmp_path):
    result = run_without_chromium(tmp_path, CI="true")
    assert result.returncode == 1
    assert "CI needs the browser tests" in result.stderr


def test_missing_chromium_only_skips_the_browser_tests_elsewhere(tmp_path):
    result = run_without_chromium(tmp_path)
    assert result.returncode == 0
    assert "browser tests will be skipped" in result.stderr


@pytest.mark.skipif(not os.access("/usr/bin/chromium", os.X_OK), reason="needs Chromium")
def test_an_installed_chromium_passes_on_ci(tmp_path):
    result = subprocess.run(["sh", str(SCRIPT)], env={**os.environ, "CI": "true"},
                            capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 0, result.stderr
