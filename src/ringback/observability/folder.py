"""The folder of multiprocess mode that ``ringback serve`` gives its parts."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from ringback.observability.recorder import MULTIPROC_ENV


def multiprocess_folder(data_dir: Path, environ: dict[str, str]) -> str:
    """``PROMETHEUS_MULTIPROC_DIR`` for serve's children: the one set in the
    environment (left as it is), else ``<data folder>/prometheus``, emptied
    here, since counters of an earlier run must not add to this one's."""
    given = environ.get(MULTIPROC_ENV)
    if given:
        return given
    folder = data_dir / "prometheus"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(mode=0o700)
    return os.fspath(folder)
