"""Measuring helpers: what a query really read (files, bytes, rows, seconds), before and after.

* :func:`scan_metrics` runs a query and returns its :class:`ScanMetrics`.
* :func:`compare` prints two runs side by side with the ratio and draws bars; :func:`summary`
  tabulates several runs.
* :func:`file_layout` lists a Delta table's files with their min/max stats from the log;
  :func:`plot_file_ranges` draws one column's ranges.
* :func:`make_small_files` writes a table as many tiny appends (the small-files problem).
* :func:`plan_text` returns what ``explain`` prints, to search it (Photon operators on Databricks).

Example:
    >>> from lakehouse import perf
    >>> sorted(perf.__all__)[:3]
    ['ScanMetrics', 'compare', 'file_layout']
"""

from .compare import compare, summary
from .layout import file_layout, plot_file_ranges
from .metrics import ScanMetrics, scan_metrics
from .plan import plan_text
from .smallfiles import make_small_files

__all__ = ["ScanMetrics", "compare", "file_layout", "make_small_files", "plan_text", "plot_file_ranges",
           "scan_metrics", "summary"]
