"""The legacy ``import dlt`` names (Delta Live Tables) as aliases of :mod:`lakehouse.dp`.

``dlt.table``, ``dlt.view`` (= ``temporary_view``), ``dlt.read`` / ``dlt.read_stream`` (a
dataset of the same pipeline), ``dlt.apply_changes`` (= ``create_auto_cdc_flow``),
``dlt.create_streaming_table``, ``dlt.append_flow`` and the ``expect*`` decorators
(https://docs.databricks.com/aws/en/ldp/developer/python-ref). While a pipeline loads
locally, ``import dlt`` gives this module.

Example:
    >>> from lakehouse import dp
    >>> from lakehouse.pipelines import dlt
    >>> dlt.view is dp.temporary_view, dlt.apply_changes is dp.create_auto_cdc_flow
    (True, True)
"""

from .api import (append_flow, create_auto_cdc_flow, create_streaming_table, expect, expect_all, expect_all_or_drop,
                  expect_all_or_fail, expect_or_drop, expect_or_fail, materialized_view, read, read_stream, table,
                  temporary_view)

view = temporary_view
apply_changes = create_auto_cdc_flow
create_target_table = create_streaming_table

__all__ = ["append_flow", "apply_changes", "create_auto_cdc_flow", "create_streaming_table", "create_target_table",
           "expect", "expect_all", "expect_all_or_drop", "expect_all_or_fail", "expect_or_drop", "expect_or_fail",
           "materialized_view", "read", "read_stream", "table", "temporary_view", "view"]
