"""Print the reference Gold of the current engine as JSON: rows per table and revenue per day.

Run by ``scaleout/test_cluster.py`` once against the shared local engine and once with
``SPARK_REMOTE`` set to the local cluster; the two outputs must be equal.
"""

import json

from lakehouse import get_spark
from lakehouse.c360 import gold


def main() -> None:
    spark = get_spark()
    schema = "spark_catalog.c360_gold"
    rows = {t: spark.table(f"{schema}.{t}").count() for t in gold.table_names().values()}
    daily = (spark.table(f"{schema}.revenue_daily").groupBy("date").sum("revenue")
             .orderBy("date").collect())
    print(json.dumps({"rows": rows, "revenue_per_day": {str(r[0]): str(r[1]) for r in daily}}))


if __name__ == "__main__":
    main()
