"""Synthetic Customer 360 sources and the arrival simulator.

``generate()`` writes, without Spark, every batch ("day") of four sources into a folder:
CRM customers as a JSON-lines CDC feed, transactions as CSV, clickstream events as Parquet
(with schema drift), and support-ticket change sets for a Delta table with Change Data Feed;
defects are injected on purpose at documented rates and counted exactly in ``_manifest.json``.
``arrive()`` lands the next batches into a landing folder, so a running stream picks them up.
See ``data/README.md`` for formats, defect kinds and rates.

Example:
    >>> from lakehouse.datagen import SOURCES, DEFAULT_BATCHES
    >>> SOURCES, DEFAULT_BATCHES
    (('crm', 'transactions', 'clickstream', 'support_tickets'), 6)
    >>> m = generate("data/landing", scale=0.01, seed=42, progress=False)   # doctest: +SKIP
    >>> arrive("data/landing", "/tmp/lab02/landing", batches=1)             # doctest: +SKIP
    [0]
"""

from .arrival import arrive, land_files, landed_batches
from .defects import DEFECT_RATES
from .errors import DatagenError
from .generator import generate
from .manifest import batch_folder, read_manifest
from .plan import DEFAULT_BATCHES, SOURCES, TINY_SCALE

__all__ = ["DEFAULT_BATCHES", "DEFECT_RATES", "SOURCES", "TINY_SCALE", "DatagenError", "arrive", "batch_folder",
           "generate", "land_files", "landed_batches", "read_manifest"]
