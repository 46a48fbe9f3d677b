"""Daily job task (spark_python_task): the clean-up that runs whatever happened upstream
(``run_if: ALL_DONE``); it records that the run finished in ``<schema>.job_audit``.
Arguments: the schema and the run date (``{{job.parameters.schema}}``, ``{{job.parameters.run_date}}``).
"""

import sys
from pathlib import Path


def main(schema: str, run_date: str) -> None:
    """Append one audit row for this run."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[4]))  # the repository root (a Git folder on Databricks)
    from lakehouse import get_spark

    spark = get_spark()
    spark.sql(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    spark.sql(f"CREATE TABLE IF NOT EXISTS {schema}.job_audit (run_date STRING, finished_at TIMESTAMP) USING DELTA")
    spark.sql(f"INSERT INTO {schema}.job_audit SELECT '{run_date}', current_timestamp()")
    print(f"cleanup: run of {run_date} recorded in {schema}.job_audit")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
