"""Daily job task (spark_python_task): enrichment from a partner feed. Arguments: the task to
break (``{{job.parameters.fail_task}}``); when it names this task, the partner feed is "down"
and the task fails, so its dependants are marked UPSTREAM_FAILED.
"""

import sys


def main(fail_task: str) -> None:
    """Fail when ``fail_task`` is ``enrich``."""
    if fail_task == "enrich":
        sys.exit("enrich: the partner feed is unavailable (fail_task=enrich)")
    print("enrich: partner data merged")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "")
