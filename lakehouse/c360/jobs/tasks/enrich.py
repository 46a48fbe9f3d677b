"""Daily job task (spark_python_task): enrichment from a partner feed. Arguments: the task to
break (``{{job.parameters.fail_task}}``); when it names this task, the partner feed is "down"
and the task fails, so its dependants are marked UPSTREAM_FAILED.
"""

import sys

if len(sys.argv) > 1 and sys.argv[1] == "enrich":
    sys.exit("enrich: the partner feed is unavailable (fail_task=enrich)")
print("enrich: partner data merged")
