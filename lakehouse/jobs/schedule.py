"""Quartz cron schedules of Databricks jobs: validation and the next fire times.

A job's ``schedule.quartz_cron_expression`` uses Quartz syntax (seconds first, ``?``, ``L``,
``W``, ``#``; day of week 1 = Sunday ... 7 = Saturday), resolved in ``schedule.timezone_id``
(a Java time-zone id). https://docs.databricks.com/jobs/scheduled and
http://www.quartz-scheduler.org/documentation/quartz-2.3.0/tutorials/crontrigger.html

croniter does the calendar arithmetic; it numbers days of the week as Unix cron does
(0 = Sunday ... 6 = Saturday) and writes "last Friday" as ``L5``, so the day-of-week field is
translated first: Quartz ``6`` -> ``5``, ``6L`` -> ``L5``, ``6#3`` -> ``5#3``, ``2-6`` -> ``1-5``.

Example:
    >>> from datetime import datetime
    >>> [t.isoformat() for t in next_runs("0 15 10 ? * 6L", "UTC", count=2, start=datetime(2026, 1, 1))]
    ['2026-01-30T10:15:00+00:00', '2026-02-27T10:15:00+00:00']
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ScheduleError

_FIELDS = ("seconds", "minutes", "hours", "day-of-month", "month", "day-of-week", "year")
_DOW_ITEM = re.compile(r"^(?P<a>\d+)(?:-(?P<b>\d+))?(?:(?P<last>L)|#(?P<nth>\d)|/(?P<step>\d+))?$")
_DOC = "see http://www.quartz-scheduler.org/documentation/quartz-2.3.0/tutorials/crontrigger.html"


def to_croniter(expression: str) -> str:
    """The croniter form of a Quartz cron expression (day of week renumbered).

    Args:
        expression: 6 or 7 fields: seconds minutes hours day-of-month month day-of-week [year].

    Returns:
        The expression for ``croniter(..., second_at_beginning=True)``.

    Raises:
        ScheduleError: wrong number of fields, both day fields set (Quartz needs one ``?``),
            or a day-of-week number outside 1-7.

    Example:
        >>> to_croniter("0 0 6 ? * 2-6")
        '0 0 6 ? * 1-5'
    """
    if not isinstance(expression, str):
        raise ScheduleError(f"quartz_cron_expression must be a string, got {type(expression).__name__}.")
    fields = expression.split()
    if len(fields) not in (6, 7):
        raise ScheduleError(f"quartz_cron_expression {expression!r} has {len(fields)} fields; Quartz has 6 or 7 "
                            f"({' '.join(_FIELDS)}).", fix=f"e.g. '0 0 6 * * ?' (06:00 every day); {_DOC}.")
    dom, dow = fields[3], fields[5]
    if (dom == "?") == (dow == "?"):
        raise ScheduleError(f"quartz_cron_expression {expression!r}: exactly one of day-of-month ({dom!r}) and "
                            f"day-of-week ({dow!r}) must be '?' in Quartz.",
                            fix="write '?' in the field you do not use, e.g. '0 0 6 * * ?'.")
    fields[5] = ",".join(_dow_item(item, expression) for item in dow.split(","))
    return " ".join(fields)


def _dow_item(item: str, expression: str) -> str:
    if item in ("?", "*") or item[:3].isalpha():
        return item  # names (MON-FRI) mean the same in both
    if item == "L":
        return "6"  # Quartz: "L" alone in day-of-week is 7, Saturday
    m = _DOW_ITEM.match(item)
    if not m or not all(1 <= int(v) <= 7 for v in (m["a"], m["b"] or m["a"])):
        raise ScheduleError(f"quartz_cron_expression {expression!r}: day-of-week {item!r} is not valid Quartz "
                            "(days are 1-7, 1 = Sunday, or SUN-SAT).", fix=_DOC + ".")
    a = int(m["a"]) - 1
    if m["last"]:
        return f"L{a}"
    text = str(a) + (f"-{int(m['b']) - 1}" if m["b"] else "")
    return text + (f"#{m['nth']}" if m["nth"] else "") + (f"/{m['step']}" if m["step"] else "")


def zone(timezone_id: str) -> ZoneInfo:
    """The time zone of ``schedule.timezone_id``.

    Raises:
        ScheduleError: not a known time-zone id.

    Example:
        >>> zone("Europe/Paris").key
        'Europe/Paris'
    """
    try:
        return ZoneInfo(timezone_id)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ScheduleError(f"timezone_id {timezone_id!r} is not a time-zone id.",
                            fix="use a Java/IANA id such as 'UTC' or 'Europe/Paris'.") from None


def next_runs(expression: str, timezone_id: str = "UTC", *, count: int = 5, start: datetime | None = None) -> list:
    """The next ``count`` fire times of a Quartz cron expression in its time zone.

    Args:
        expression: the job's ``quartz_cron_expression``.
        timezone_id: the job's ``timezone_id``.
        count: how many fire times.
        start: the instant to count from (naive = in ``timezone_id``); default now.

    Returns:
        A list of time-zone aware datetimes, in ``timezone_id``.

    Raises:
        ScheduleError: a malformed expression or time zone, or a count below 1.

    Example:
        >>> from datetime import datetime
        >>> [t.strftime("%a %H:%M") for t in next_runs("0 0 6 ? * MON-FRI", count=2, start=datetime(2026, 1, 2))]
        ['Fri 06:00', 'Mon 06:00']
    """
    from croniter import croniter
    from croniter.croniter import CroniterError

    if not isinstance(count, int) or count < 1:
        raise ScheduleError(f"count must be a positive integer, got {count!r}.")
    tz = zone(timezone_id)
    start = datetime.now(tz) if start is None else (start.replace(tzinfo=tz) if start.tzinfo is None else start)
    translated = to_croniter(expression)
    fields = translated.split()
    keep = _last_day_filter(fields[3])  # Quartz "L-n" and "LW", which croniter lacks: filter every day
    if keep:
        fields[3] = "*"
    try:
        it = croniter(" ".join(fields), start, second_at_beginning=True)
        out: list = []
        for _ in range(100_000):
            if len(out) == count:
                return out
            t = it.get_next(datetime)
            if keep is None or keep(t):
                out.append(t)
    except (CroniterError, ValueError, KeyError) as exc:
        raise ScheduleError(f"quartz_cron_expression {expression!r} is not valid: {exc}.", fix=_DOC + ".") from None
    raise ScheduleError(f"quartz_cron_expression {expression!r} never fires in the next 100,000 candidates.",
                        fix="check the day and year fields.")


def _last_day_filter(dom: str):
    """A day test for Quartz day-of-month ``L-n`` (n days before the last) and ``LW`` (last weekday)."""
    import calendar

    m = re.fullmatch(r"L-(\d+)", dom)
    if m:
        back = int(m[1])
        return lambda t: t.day == calendar.monthrange(t.year, t.month)[1] - back
    if dom == "LW":
        def last_weekday(t):
            last = calendar.monthrange(t.year, t.month)[1]
            day = last - max(0, calendar.weekday(t.year, t.month, last) - 4)
            return t.day == day
        return last_weekday
    return None
