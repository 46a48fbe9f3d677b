"""Daily job task (spark_python_task): a load that fails on its first attempt of a run and passes
on the retry, the way a flaky source does. Arguments: the job run id (``{{job.run_id}}``).

Databricks does not tell a task its attempt number, so the first attempt leaves a marker file
named after the run and fails; the retry finds it and succeeds.
"""

import sys
import tempfile
from pathlib import Path


def main(run_id: str) -> None:
    """Fail the first time for this run, pass the second."""
    marker = Path(tempfile.gettempdir()) / f"lakehouse-flaky-{run_id}"
    if not marker.exists():
        marker.touch()
        sys.exit("flaky_load: the source timed out on the first attempt (simulated); a retry will pass")
    marker.unlink()
    print("flaky_load: loaded on the retry")


if __name__ == "__main__":
    main(sys.argv[1])
