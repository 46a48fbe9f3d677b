"""Errors of the local Jobs runner and of ``lakehouse.dbutils``, one stable ``code`` each.

Example:
    >>> from lakehouse.jobs.errors import JobDefinitionError, JobError
    >>> issubclass(JobDefinitionError, JobError), JobDefinitionError.code
    (True, 'JOB_DEFINITION_INVALID')
"""

from __future__ import annotations

from ..errors import LakehouseError


class JobError(LakehouseError):
    """Root of the job errors."""

    code = "JOB_ERROR"


class JobDefinitionError(JobError):
    """The job JSON is unreadable, has an unknown field or a bad value, a cycle, an unknown
    ``depends_on``, or a notebook that does not exist (the message names the task and field)."""

    code = "JOB_DEFINITION_INVALID"


class ScheduleError(JobError):
    """The ``schedule`` (Quartz cron expression or time zone) is malformed."""

    code = "JOB_SCHEDULE_INVALID"


class JobParameterError(JobError):
    """A ``--param`` is not ``name=value``, names no job parameter, or a ``{{...}}`` reference
    cannot be resolved."""

    code = "JOB_PARAMETER_INVALID"


class DbutilsError(LakehouseError):
    """A ``dbutils`` call got a bad argument (unknown widget, task value too large, missing path)."""

    code = "DBUTILS_ERROR"
