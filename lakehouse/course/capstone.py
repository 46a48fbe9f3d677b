"""The capstone's clock: a visible time budget that a kernel restart does not reset.

Lab 12 is run "under interview conditions": the whole Customer 360 in a fixed time. The clock
starts the first time the lab's setup cell runs and its start is kept in the lab's ``output``
folder, so restarting the kernel (or re-running the lab with ``RESET=False``) keeps counting;
``RESET=True`` empties the lab's folders and so starts the clock again. Every acceptance check
of the lab prints the time used and left (:func:`clock_line`). The clock only informs: a check
never fails for time.

Example:
    >>> import datetime as dt
    >>> start = dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.timezone.utc)
    >>> Clock(started=start, minutes=90).status(start + dt.timedelta(minutes=25, seconds=30))
    'time: 25:30 used, 64:30 left of 90 min (started 12:00 UTC)'
    >>> Clock(started=start, minutes=90).status(start + dt.timedelta(minutes=95))
    'time: 95:00 used, 5:00 OVER the 90 min budget (started 12:00 UTC)'
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from .errors import LabError

CLOCK_FILE = "capstone_clock.json"
DEFAULT_MINUTES = 90


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _mm_ss(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 60}:{seconds % 60:02d}"


@dataclass(frozen=True)
class Clock:
    """A time budget that started at ``started`` (UTC) and lasts ``minutes``."""

    started: dt.datetime
    minutes: int = DEFAULT_MINUTES

    def used(self, now: dt.datetime | None = None) -> dt.timedelta:
        """Time since the start."""
        return (now or _utc_now()) - self.started

    def left(self, now: dt.datetime | None = None) -> dt.timedelta:
        """Time left of the budget (negative when over it)."""
        return dt.timedelta(minutes=self.minutes) - self.used(now)

    def status(self, now: dt.datetime | None = None) -> str:
        """One line: time used and left (or over) of the budget, and when the clock started."""
        used, left = self.used(now).total_seconds(), self.left(now).total_seconds()
        start = self.started.strftime("%H:%M UTC")
        if left >= 0:
            return f"time: {_mm_ss(used)} used, {_mm_ss(left)} left of {self.minutes} min (started {start})"
        return f"time: {_mm_ss(used)} used, {_mm_ss(-left)} OVER the {self.minutes} min budget (started {start})"


def clock_file(ctx) -> Path:
    """Where the lab keeps its clock: ``<lab folder>/output/capstone_clock.json``."""
    return Path(ctx.path("output", CLOCK_FILE))


def start_clock(ctx, minutes: int = DEFAULT_MINUTES) -> Clock:
    """Start the lab's clock, or keep the one already running (a kernel restart does not reset it).

    Args:
        ctx: the lab context (:func:`lakehouse.course.lab`); ``lab(..., reset=True)`` empties its
            folders, which restarts the clock.
        minutes: the time budget; a running clock keeps its start and takes the new budget.

    Returns:
        The :class:`Clock` (its status is printed).

    Raises:
        LabError: ``minutes`` is not a whole number of minutes >= 1.

    Example:
        >>> clock = start_clock(ctx, minutes=90)        # doctest: +SKIP
        time: 0:00 used, 90:00 left of 90 min (started 23:40 UTC)
    """
    if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes < 1:
        raise LabError(f"the time budget must be a whole number of minutes >= 1, got {minutes!r}.",
                       fix="e.g. start_clock(ctx, minutes=90).")
    running = read_clock(ctx)
    clock = Clock(started=running.started if running else _utc_now(), minutes=minutes)
    path = clock_file(ctx)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"started": clock.started.isoformat(), "minutes": minutes}))
    print(("clock running since the first run (RESET=True starts it again); " if running else "clock started; ")
          + clock.status())
    return clock


def read_clock(ctx) -> Clock | None:
    """The lab's running clock, or None when it has not been started (or the file is unreadable)."""
    path = clock_file(ctx)
    try:
        data = json.loads(path.read_text())
        return Clock(started=dt.datetime.fromisoformat(data["started"]), minutes=int(data["minutes"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def clock_line(ctx) -> str:
    """The status line of the lab's clock (or how to start it)."""
    clock = read_clock(ctx)
    return clock.status() if clock else "time: the clock is not running (run the setup cell)"
