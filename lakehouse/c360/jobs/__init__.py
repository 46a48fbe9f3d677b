"""The Customer 360 jobs as Databricks job definitions (Jobs API 2.2 JSON), run by ``lakehouse.jobs``.

* ``daily_job.json`` — the daily batch job of lab 11: ingest, a flaky load that retries, a
  condition task that branches, publish, enrichment, an alert on failure, a clean-up that always
  runs; its tasks are the small notebooks in ``notebooks/`` and Python files in ``tasks/``.
* ``streaming_job.json`` — the streaming job: one availableNow refresh every 15 minutes.

Example:
    >>> DAILY_JOB.name, STREAMING_JOB.name
    ('daily_job.json', 'streaming_job.json')
"""

from pathlib import Path

HERE = Path(__file__).resolve().parent
DAILY_JOB = HERE / "daily_job.json"
STREAMING_JOB = HERE / "streaming_job.json"

__all__ = ["DAILY_JOB", "STREAMING_JOB"]
