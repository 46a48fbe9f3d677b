"""Unity Catalog on a laptop: grants, row filters, column masks, tags, lineage and audit.

``lakehouse.sql(statement)`` is the entry point: it runs Spark SQL (Databricks dialect) as the
acting principal and executes the Unity Catalog statements open-source Spark rejects (GRANT,
REVOKE, SHOW GRANTS, SET ROW FILTER, SET MASK, SET TAGS, SQL functions). ``lakehouse.as_user``
switches the principal. On Databricks every statement goes to the real Unity Catalog.

What is protected: access through ``lakehouse.sql``. ``spark.table``/``spark.sql`` and the
files on disk are not (on Databricks they are). See docs/ARCHITECTURE.md, "Governance".

Example:
    >>> import lakehouse
    >>> lakehouse.sql("GRANT SELECT ON TABLE main.gold.customer_360 TO `analysts`")   # doctest: +SKIP
    >>> with lakehouse.as_user("analyst@c360.example"):                               # doctest: +SKIP
    ...     lakehouse.sql("SELECT * FROM main.gold.customer_360").show()
"""

from .errors import GovernanceError, PermissionDeniedError, UcSyntaxError
from .graph import lineage_graph
from .principals import as_user, current_principal
from .execute import sql

__all__ = ["GovernanceError", "PermissionDeniedError", "UcSyntaxError", "as_user", "current_principal",
           "lineage_graph", "sql"]
