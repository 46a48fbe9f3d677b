"""``dbutils`` where course notebooks expect it: the real one on Databricks, a local one here.

``from lakehouse.dbutils import dbutils`` gives, locally, the parts of Databricks Utilities the
course uses, with the same names (https://docs.databricks.com/dev-tools/databricks-utils.html):

* ``dbutils.widgets``: ``text``, ``dropdown``, ``get``, ``getAll``, ``remove``, ``removeAll``;
  values come from the job run (job parameters, ``base_parameters``) or papermill parameters;
* ``dbutils.jobs.taskValues``: ``set`` / ``get`` (``default``, ``debugValue``; JSON values up
  to 48 KiB);
* ``dbutils.fs``: ``ls``, ``cp``, ``mv``, ``rm``, ``mkdirs``, ``head``, ``put`` on local paths,
  ``file:/`` paths, ``dbfs:/`` (under ``LAKEHOUSE_HOME/dbfs``) and ``/Volumes/<catalog>/<schema>/<volume>/``
  (under ``LAKEHOUSE_HOME/volumes``, a lab's ``files`` volume in its lab folder);
* ``dbutils.notebook.exit(value)``.

On Databricks (``DATABRICKS_RUNTIME_VERSION`` set) ``dbutils`` is the notebook's own object.

Example:
    >>> from lakehouse.dbutils import dbutils
    >>> dbutils.widgets.text("run_date", "2026-01-01")
    >>> dbutils.widgets.get("run_date")
    '2026-01-01'
"""

from __future__ import annotations

from ..runtime.paths import on_databricks
from .local import LocalDbutils, NotebookExit


def _databricks_dbutils():
    """The notebook's ``dbutils`` on a Databricks cluster."""
    try:
        from databricks.sdk.runtime import dbutils as real  # present on Databricks runtimes
        return real
    except ImportError:
        import IPython

        return IPython.get_ipython().user_ns["dbutils"]


def __getattr__(name):
    if name == "dbutils":
        return _databricks_dbutils() if on_databricks() else _LOCAL
    raise AttributeError(f"module 'lakehouse.dbutils' has no attribute {name!r}")


_LOCAL = LocalDbutils()

__all__ = ["LocalDbutils", "NotebookExit", "dbutils"]
