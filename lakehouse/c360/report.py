"""A static HTML report of the Gold layer: the four charts (embedded PNG) and the table counts.

One self-contained file (images as ``data:`` URIs): it opens in any browser from disk, with no
server, and can be attached to an e-mail.

Example:
    >>> from lakehouse.c360.report import write_report                                       # doctest: +SKIP
    >>> write_report(spark, "spark_catalog.c360_gold", ".lakehouse/reports")                 # doctest: +SKIP
    PosixPath('.lakehouse/reports/c360_gold_report.html')
"""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

from . import charts
from .gold import GoldError, table_names

REPORT_NAME = "c360_gold_report.html"


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def write_report(spark, gold_schema: str, out_dir, *, layer_prefix: bool = False) -> Path:
    """Write ``<out_dir>/c360_gold_report.html``: table counts and the Gold charts.

    Args:
        spark: the session.
        gold_schema: ``catalog.schema`` of the Gold tables.
        out_dir: the folder to write to (created when missing).
        layer_prefix: True when the tables are named ``gold_*`` (a lab's schema).

    Returns:
        The report's path.

    Raises:
        GoldError: a Gold table is missing (build Gold first).
    """
    names = {k: f"{gold_schema}.{v}" for k, v in table_names(layer_prefix=layer_prefix).items()}
    missing = [t for t in names.values() if not spark.catalog.tableExists(t)]
    if missing:
        raise GoldError(f"No Gold table {', '.join(missing)}.",
                        fix="build Gold first: lakehouse.c360.gold.build(spark, schema, ...) or `make pipeline`.")
    counts = {t: spark.table(t).count() for t in names.values()}
    figures = charts.all_charts(charts.chart_data(spark, gold_schema, layer_prefix=layer_prefix))
    rows = "\n".join(f"<tr><td>{html.escape(t)}</td><td class='n'>{n:,}</td></tr>" for t, n in counts.items())
    sections = "\n".join(
        f"<section><h2>{html.escape(title)}</h2><img alt='{html.escape(title)}' "
        f"src='data:image/png;base64,{_png(fig)}'></section>" for title, fig in figures.items())
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Customer 360 — Gold report</title>
<style>
body {{ font-family: sans-serif; margin: 2em auto; max-width: 1150px; color: #222; }}
table {{ border-collapse: collapse; }} td, th {{ border: 1px solid #ccc; padding: 4px 10px; }}
td.n {{ text-align: right; font-variant-numeric: tabular-nums; }}
img {{ max-width: 100%; border: 1px solid #eee; }}
</style></head>
<body>
<h1>Customer 360 — Gold report</h1>
<p>Gold schema <code>{html.escape(gold_schema)}</code>.</p>
<h2>Tables</h2>
<table id="counts"><tr><th>table</th><th>rows</th></tr>
{rows}
</table>
{sections}
</body></html>
"""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / REPORT_NAME
    path.write_text(page, encoding="utf-8")
    return path
