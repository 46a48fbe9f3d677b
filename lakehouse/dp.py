"""``from lakehouse import dp``: Databricks' ``pyspark.pipelines`` API, with expectations.

On Databricks (``DATABRICKS_RUNTIME_VERSION`` set) this module *is* the runtime's own
``pyspark.pipelines``, so the same pipeline files run there unchanged. Locally the names come
from :mod:`lakehouse.pipelines.api` (decorators record; :func:`lakehouse.pipelines.run` runs):
``table``, ``materialized_view``, ``temporary_view``, ``create_streaming_table``,
``append_flow``, ``create_auto_cdc_flow``, ``expect``, ``expect_or_drop``, ``expect_or_fail``,
``expect_all``, ``expect_all_or_drop``, ``expect_all_or_fail``
(https://docs.databricks.com/aws/en/ldp/developer/python-ref).

Example:
    >>> from lakehouse import dp
    >>> callable(dp.table), callable(dp.expect_or_drop)
    (True, True)
"""

import os as _os

if _os.environ.get("DATABRICKS_RUNTIME_VERSION"):  # the real thing on Databricks
    from pyspark.pipelines import *  # noqa: F401,F403
    from pyspark.pipelines import __all__  # noqa: F401
else:
    from .pipelines.api import (append_flow, create_auto_cdc_flow, create_streaming_table, expect, expect_all,
                                expect_all_or_drop, expect_all_or_fail, expect_or_drop, expect_or_fail,
                                materialized_view, table, temporary_view)

    __all__ = ["append_flow", "create_auto_cdc_flow", "create_streaming_table", "expect", "expect_all",
               "expect_all_or_drop", "expect_all_or_fail", "expect_or_drop", "expect_or_fail", "materialized_view",
               "table", "temporary_view"]
