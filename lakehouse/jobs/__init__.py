"""Databricks Workflows (Jobs) locally: job definitions in the Jobs API 2.2 JSON shape.

* :func:`load_job` / :func:`validate_job` — read and strictly validate a definition;
* :func:`run_job` — run it: notebook tasks (papermill), Python and wheel tasks (a subprocess),
  pipeline tasks (the local pipeline runner), condition tasks; retries, timeouts, ``run_if``,
  parameters and task values; returns the run record (the Jobs API ``Run`` shape);
* :func:`next_runs` — the next fire times of a Quartz cron schedule.

Command line: ``lakehouse jobs run|validate|next-runs FILE``.

Example:
    >>> from lakehouse import jobs
    >>> sorted(jobs.__all__)[:3]
    ['JobDefinitionError', 'JobError', 'JobParameterError']
"""

from .errors import JobDefinitionError, JobError, JobParameterError, ScheduleError
from .runner import run_job, succeeded
from .schedule import next_runs
from .load import load_job
from .spec import validate_job

__all__ = ["JobDefinitionError", "JobError", "JobParameterError", "ScheduleError", "load_job", "next_runs",
           "run_job", "succeeded", "validate_job"]
