"""The Gold charts: revenue trend, segments, cohort retention, churn risk (matplotlib).

Each chart function takes small pandas DataFrames (what :func:`chart_data` reads from the
Gold tables) and returns a ``matplotlib.figure.Figure`` — no pyplot state, so the same code
draws in a notebook (the Figure displays itself) and in the headless HTML report.

Example:
    >>> import pandas as pd
    >>> fig = segments(pd.DataFrame({"segment": ["Champions"], "customers": [3], "lifetime_value": [900.0]}))
    >>> len(fig.axes)
    2
"""

from __future__ import annotations

from .gold import NO_PURCHASES, SEGMENTS, table_names


def chart_data(spark, schema: str, *, layer_prefix: bool = False) -> dict:
    """The pandas frames the charts need, read from the Gold tables of ``schema``."""
    from pyspark.sql import functions as F

    t = {k: f"{schema}.{v}" for k, v in table_names(layer_prefix=layer_prefix).items()}
    daily = (spark.table(t["revenue_daily"]).groupBy("date")
             .agg(F.sum("revenue").cast("double").alias("revenue")).orderBy("date").toPandas())
    segs = (spark.table(t["customer_360"]).groupBy("segment")
            .agg(F.count("*").alias("customers"), F.sum("lifetime_value").cast("double").alias("lifetime_value"))
            .toPandas())
    cohorts = spark.table(t["cohort_retention"]).toPandas()
    risk = spark.table(t["customer_360"]).where("orders > 0").select("churn_risk_score", "churn_risk").toPandas()
    return {"revenue": daily, "segments": segs, "cohorts": cohorts, "churn_risk": risk}


def _figure(width=10.0, height=3.8, cols=1):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    return fig, [fig.add_subplot(1, cols, i + 1) for i in range(cols)]


def revenue_trend(daily):
    """Daily revenue (all regions and channels) with its 7- and 30-day rolling averages."""
    import pandas as pd

    s = daily.set_index(pd.to_datetime(daily["date"]))["revenue"].astype(float)
    s = s.reindex(pd.date_range(s.index.min(), s.index.max(), freq="D"), fill_value=0.0)  # days without sales
    fig, (ax,) = _figure()
    ax.plot(s.index, s.values, color="lightgray", linewidth=1, label="daily")
    ax.plot(s.index, s.rolling(7, min_periods=7).mean(), color="tab:blue", label="7-day average")
    ax.plot(s.index, s.rolling(30, min_periods=30).mean(), color="tab:red", linewidth=2, label="30-day average")
    ax.set_title("Revenue per day (USD)")
    ax.set_ylabel("USD")
    ax.legend(loc="upper left")
    return fig


def segments(segs):
    """Customers and lifetime value per RFM segment (segments in rule order)."""
    order = [name for name, _, _ in SEGMENTS] + [NO_PURCHASES]
    segs = segs.set_index("segment").reindex([s for s in order if s in set(segs["segment"])])
    fig, (left, right) = _figure(cols=2)
    left.barh(segs.index, segs["customers"], color="tab:blue")
    left.invert_yaxis()
    left.set_title("Customers per segment")
    right.barh(segs.index, segs["lifetime_value"].fillna(0) / 1000, color="tab:green")
    right.invert_yaxis()
    right.set_yticklabels([])
    right.set_title("Lifetime value per segment (kUSD)")
    return fig


def cohort_grid(cohorts):
    """Retention grid: first-purchase month (rows) x months since (columns), share still buying."""
    import numpy as np

    grid = cohorts.pivot(index="cohort_month", columns="months_since", values="retention").sort_index()
    fig, (ax,) = _figure(height=0.45 * len(grid) + 1.6)
    image = ax.imshow(grid.values, cmap="Blues", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(len(grid.columns)), [str(c) for c in grid.columns])
    ax.set_yticks(range(len(grid.index)), [str(i)[:7] for i in grid.index])
    for (r, c), v in np.ndenumerate(grid.values):
        if v == v:  # not NaN
            ax.text(c, r, f"{v:.0%}", ha="center", va="center", fontsize=8, color="white" if v > 0.6 else "black")
    ax.set_xlabel("months since first purchase")
    ax.set_title("Cohort retention (share of the cohort buying that month)")
    fig.colorbar(image, ax=ax, fraction=0.03)
    return fig


def churn_risk(risk, *, flag_at: float | None = None):
    """Distribution of ``churn_risk_score`` (days since last order / usual gap), flagged ones in red."""
    from .gold import OVERDUE_FLAG

    flag_at = OVERDUE_FLAG if flag_at is None else flag_at
    score = risk["churn_risk_score"].astype(float).clip(upper=10)
    fig, (ax,) = _figure()
    bins = [i / 4 for i in range(41)]
    ax.hist(score[~risk["churn_risk"]], bins=bins, color="tab:blue", label="not flagged")
    ax.hist(score[risk["churn_risk"]], bins=bins, color="tab:red", label="churn risk")
    ax.axvline(flag_at, color="black", linestyle="--", linewidth=1)
    ax.set_xlabel("days since last order / usual days between orders (capped at 10)")
    ax.set_ylabel("customers")
    ax.set_title(f"Churn risk: {int(risk['churn_risk'].sum())} of {len(risk)} buying customers flagged")
    ax.legend()
    return fig


def all_charts(data: dict) -> dict:
    """``{title: Figure}`` for the four charts, from :func:`chart_data`'s frames."""
    return {
        "Revenue trend": revenue_trend(data["revenue"]),
        "Segments": segments(data["segments"]),
        "Cohort retention": cohort_grid(data["cohorts"]),
        "Churn risk": churn_risk(data["churn_risk"]),
    }
