"""Option types shared by several commands."""

from __future__ import annotations

import argparse
import os


def jobs_count(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(
            f"expected a number of processes of at least 1, found {text!r}"
        )
    return int(text)


def default_jobs() -> int:
    """The cores this process may use (a container's CPU limit counts, not the host's)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1
