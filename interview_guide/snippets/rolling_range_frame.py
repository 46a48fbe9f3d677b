"""A 7-day rolling sum needs a RANGE frame over the day, not a ROWS frame, when days can be missing.

Claim (guide Q66): ``rowsBetween(-6, 0)`` sums the last 7 *rows*; on a series with days
without sales those rows reach back further than 7 days. ``rangeBetween(-6, 0)`` over the day
number (``unix_date(date)``) sums exactly the days from 6 days before to the current one.
Databricks: https://docs.databricks.com/aws/en/sql/language-manual/sql-ref-window-functions
"""

from datetime import date, timedelta

from _expect import run_standalone


def run(spark, tmp_path):
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    start = date(2024, 1, 1)
    days = [0, 1, 2, 3, 10, 11, 12, 13]  # no sales on days 4-9
    daily = spark.createDataFrame([("north", start + timedelta(d), 100.0) for d in days],
                                  "region STRING, date DATE, revenue DOUBLE")
    by_rows = Window.partitionBy("region").orderBy("date").rowsBetween(-6, 0)
    by_days = Window.partitionBy("region").orderBy(F.unix_date("date")).rangeBetween(-6, 0)
    last = (daily.withColumn("rows_7", F.sum("revenue").over(by_rows))
            .withColumn("range_7d", F.sum("revenue").over(by_days))
            .where(F.col("date") == start + timedelta(13)).first())
    # Day 13: the 7 rows reach back to day 1 (700.0); the 7 days 7-13 hold only days 10-13 (400.0).
    assert (last.rows_7, last.range_7d) == (700.0, 400.0), last
    return {"rows_frame": last.rows_7, "range_frame": last.range_7d}


if __name__ == "__main__":
    run_standalone(run)
