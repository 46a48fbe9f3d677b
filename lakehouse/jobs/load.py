"""Read a job definition, Jobs API JSON or bundle YAML, and validate it (:func:`load_job`).

Example:
    >>> load_job("lakehouse/c360/jobs/daily_job.json")["name"]
    'c360_daily'
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from .errors import JobDefinitionError
from .spec import validate_job


def load_job(source, job_key: str | None = None) -> dict:
    """Read and validate a job definition: Jobs API JSON, bundle YAML, or a dict.

    Args:
        source: a ``.json`` path, a bundle ``.yml``/``.yaml`` (``databricks.yml`` or a resource file
            such as ``resources/x.job.yml``; see :func:`lakehouse.jobs.bundle.bundle_job`), or the
            job settings as a dict.
        job_key: which job of bundle YAML (its key under ``resources.jobs``); optional when it has one.

    Returns:
        A validated deep copy of the job settings (the caller's dict is not modified).

    Raises:
        JobDefinitionError: unreadable JSON or an invalid definition (see :func:`validate_job`).
        ScheduleError: a malformed schedule.

    Example:
        >>> load_job("lakehouse/c360/jobs/daily_job.json")["name"]
        'c360_daily'
    """
    if isinstance(source, (str, os.PathLike)) and Path(source).suffix in (".yml", ".yaml"):
        from .bundle import bundle_job

        source = bundle_job(source, job_key)
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.is_file():
            raise JobDefinitionError(f"job file {str(path)!r} does not exist.",
                                     fix="give the path of a job JSON, e.g. lakehouse/c360/jobs/daily_job.json.")
        try:
            source = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise JobDefinitionError(f"job file {str(path)!r} is not valid JSON: line {exc.lineno}, column "
                                     f"{exc.colno}: {exc.msg}.", fix="fix the JSON syntax there.") from None
    return validate_job(source)
