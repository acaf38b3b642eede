"""The service's clock: UTC now, shifted by an offset tests and demos may set in a file."""

import os
from datetime import UTC, datetime, timedelta

from nameko.extensions import DependencyProvider


def read_offset(path: str | None) -> timedelta:
    """Seconds (a float) written in `path`; none when the path is unset or the file is absent."""
    if not path:
        return timedelta()
    try:
        with open(path, encoding="ascii") as f:
            return timedelta(seconds=float(f.read().strip() or 0))
    except (FileNotFoundError, ValueError):
        return timedelta()


def now(offset_file: str | None = None) -> datetime:
    return datetime.now(UTC) + read_offset(offset_file)


class Clock(DependencyProvider):
    """Gives each worker `now()`; the offset file is CLOCK_OFFSET_FILE in the service config."""

    def setup(self):
        self.offset_file = self.container.config.get("CLOCK_OFFSET_FILE") or os.environ.get(
            "LT_CLOCK_OFFSET_FILE"
        )

    def now(self) -> datetime:
        return now(self.offset_file)

    def get_dependency(self, worker_ctx):
        return self
