"""The capstone's clock (lab 12): kept in the lab's folder across kernel restarts, restarted by a reset.

No Spark: a lab context's folders are plain paths (the session is never touched).
"""

import datetime as dt
import json
import shutil

import pytest

from lakehouse.course.capstone import CLOCK_FILE, Clock, clock_line, read_clock, start_clock
from lakehouse.course.context import LabContext
from lakehouse.course.errors import LabError
from lakehouse.course.grading import Grader


@pytest.fixture
def ctx(tmp_path):
    return LabContext(lab_id="12_capstone", catalog="spark_catalog", schema="lab12", root=tmp_path,
                      spark=None, grader=Grader("12_capstone", []))


def test_the_clock_survives_a_restart_and_a_reset_starts_it_again(ctx, tmp_path, capsys):
    assert read_clock(ctx) is None and "not running" in clock_line(ctx)
    first = start_clock(ctx, minutes=90)
    assert "clock started; time: 0:0" in capsys.readouterr().out
    earlier = first.started - dt.timedelta(minutes=30)   # as if the lab started half an hour ago
    (tmp_path / "output" / CLOCK_FILE).write_text(json.dumps({"started": earlier.isoformat(), "minutes": 90}))

    again = start_clock(ctx, minutes=90)                 # a kernel restart runs the setup cell again
    assert again.started == earlier
    assert "clock running since the first run" in capsys.readouterr().out
    assert clock_line(ctx).startswith("time: 30:") and "left of 90 min" in clock_line(ctx)

    shutil.rmtree(tmp_path / "output")                  # what ctx.reset() (RESET=True) does to the folder
    assert start_clock(ctx, minutes=45).started > earlier


def test_over_the_budget_says_so():
    start = dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.timezone.utc)
    clock = Clock(started=start, minutes=10)
    assert "5:00 OVER the 10 min budget" in clock.status(start + dt.timedelta(minutes=15))


@pytest.mark.parametrize("minutes", [0, -5, 1.5, True, "90"])
def test_a_bad_budget_is_refused(ctx, minutes):
    with pytest.raises(LabError) as info:
        start_clock(ctx, minutes=minutes)
    assert info.value.code == "LAB_ERROR"
