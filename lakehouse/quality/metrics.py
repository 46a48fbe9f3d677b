"""Quality metrics over time: expectation counts per update from a pipeline event log, and their chart.

Example:
    >>> from lakehouse.quality.metrics import expectation_metrics
    >>> expectation_metrics.__name__
    'expectation_metrics'
"""

from __future__ import annotations


def expectation_metrics(event_log):
    """Passed and failed records per update, dataset and expectation, from a pipeline event log.

    Args:
        event_log: the event log DataFrame (:func:`lakehouse.pipelines.event_log`).

    Returns:
        A DataFrame ``update_id, timestamp, dataset, expectation, passed_records, failed_records,
        failure_rate`` (one row per update and expectation), oldest update first.
    """
    from pyspark.sql import functions as F

    dq_type = "array<struct<name:string,dataset:string,passed_records:bigint,failed_records:bigint>>"
    e = (event_log.where("event_type = 'flow_progress'")
         .select(F.col("origin.update_id").alias("update_id"), "timestamp",
                 F.explode(F.from_json(F.get_json_object("details", "$.flow_progress.data_quality.expectations"),
                                       dq_type)).alias("e")))
    return (e.groupBy("update_id", F.col("e.dataset").alias("dataset"), F.col("e.name").alias("expectation"))
            .agg(F.min("timestamp").alias("timestamp"), F.sum("e.passed_records").alias("passed_records"),
                 F.sum("e.failed_records").alias("failed_records"))
            .withColumn("failure_rate", F.col("failed_records") / (F.col("passed_records") + F.col("failed_records")))
            .select("update_id", "timestamp", "dataset", "expectation", "passed_records", "failed_records",
                    "failure_rate")
            .orderBy("timestamp", "dataset", "expectation"))


def plot_metrics(metrics, *, ax=None):
    """A bar chart of failed records per expectation and update (from :func:`expectation_metrics`).

    Returns:
        The matplotlib Axes.
    """
    import matplotlib.pyplot as plt

    pdf = metrics.toPandas() if hasattr(metrics, "toPandas") else metrics
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 3.5))
    if pdf.empty:
        ax.set_title("no expectation metrics yet")
        return ax
    pdf = pdf.assign(label=pdf["dataset"] + "." + pdf["expectation"],
                     update=pdf.groupby("timestamp").ngroup() + 1)
    table = pdf.pivot_table(index="label", columns="update", values="failed_records", aggfunc="sum").fillna(0)
    table.plot.barh(ax=ax)
    ax.set_xlabel("failed records")
    ax.set_ylabel("")
    ax.set_title("Failed records per expectation, by update")
    ax.legend(title="update", fontsize="small")
    return ax
