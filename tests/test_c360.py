"""Bronze and Silver of the reference C360 on a tiny generated data set: the numbers add up.

Every generated row is in Bronze (rescued, never dropped); every Bronze row is in Silver or in
``silver_rejects`` with a reason, and the reasons match the defects the generator injected.
"""

import json
from pathlib import Path

import pytest

from lakehouse.c360 import bronze, silver

# the `c360` fixture (tiny data set through Bronze and Silver, built once per session) is in conftest.py


def _totals(manifest, source):
    return manifest["totals"][source]


def test_bronze_keeps_every_generated_row(c360):
    m = c360["manifest"]
    for source in ("crm", "transactions", "clickstream"):
        assert c360["bronze"][source] == _totals(m, source)["rows"], source
    ops = _totals(m, "support_tickets")["operations"]
    # the change feed shows an update or a close as a pre- and a post-image
    assert c360["bronze"]["support_tickets"] == ops["open"] + 2 * (ops["update"] + ops["close"]) + ops["delete"]
    assert c360["first"]["transactions"] < c360["bronze"]["transactions"]  # incremental
    assert c360["again"] == c360["bronze"]


def test_bronze_rescues_malformed_rows_and_picks_up_the_drift_column(c360, spark):
    s = c360["schema"]
    rescued = spark.table(f"{s}.bronze_crm").where("_rescued_data IS NOT NULL").count()
    assert rescued == _totals(c360["manifest"], "crm")["defects"]["malformed_json"]
    cols = spark.table(f"{s}.bronze_clickstream").columns
    assert "utm_campaign" in cols and {"_source_file", "_ingested_at"} <= set(cols)
    drift = spark.table(f"{s}.bronze_clickstream").where("utm_campaign IS NOT NULL").count()
    assert 0 < drift <= _totals(c360["manifest"], "clickstream")["defects"]["schema_drift"]


def test_silver_transactions_add_up(c360):
    t = _totals(c360["manifest"], "transactions")
    rejects = c360["silver"]["rejects"]["transactions"]
    for kind in ("duplicate", "wrong_type", "missing_field", "null_customer_id", "unknown_customer_id",
                 "negative_amount"):
        assert rejects.get(kind, 0) == t["defects"][kind], kind
    assert c360["silver"]["transactions"] + sum(rejects.values()) == t["rows"]


def test_silver_clickstream_adds_up(c360):
    c = _totals(c360["manifest"], "clickstream")
    rejects = c360["silver"]["rejects"]["clickstream"]
    assert rejects == {"duplicate": c["defects"]["duplicate"], "unknown_customer_id": c["defects"]["unknown_customer_id"]}
    assert c360["silver"]["clickstream"] + sum(rejects.values()) == c["rows"]


def test_silver_flags_exactly_the_generated_bots(c360, spark):
    # The generator's bot sessions (manifest `bot_event`) are the only sessions over 20 events a minute.
    bots = spark.table(f"{c360['schema']}.silver_clickstream").where("is_bot")
    assert bots.count() == _totals(c360["manifest"], "clickstream")["defects"]["bot_event"]
    assert bots.where("customer_id IS NOT NULL OR resolved_customer_id IS NOT NULL").count() == 0


def test_silver_customers_scd2_and_crm_rejects(c360, spark):
    d = _totals(c360["manifest"], "crm")["defects"]
    rejects = c360["silver"]["rejects"]["crm"]
    assert rejects == {k: d[k] for k in ("malformed_json", "null_customer_id", "unknown_customer_id")}
    customers = spark.table(f"{c360['schema']}.silver_customers")
    assert {"__START_AT", "__END_AT"} <= set(customers.columns)
    current = customers.where("__END_AT IS NULL").groupBy("customer_id").count()
    assert current.where("count > 1").count() == 0  # at most one current version per customer


def test_silver_tickets_add_up(c360, spark):
    ops = _totals(c360["manifest"], "support_tickets")["operations"]
    unknown = _totals(c360["manifest"], "support_tickets")["defects"]["unknown_customer_id"]
    rejects = c360["silver"]["rejects"]["support_tickets"]
    assert rejects == {"unknown_customer_id": unknown}
    assert c360["silver"]["support_tickets"] + unknown + ops["delete"] == ops["open"]
    sentiment = spark.table(f"{c360['schema']}.silver_support_tickets").selectExpr("min(sentiment)", "max(sentiment)").first()
    assert sentiment[0] < 0 < sentiment[1]


def test_silver_build_is_idempotent(c360, spark):
    assert silver.build(spark, c360["schema"]) == c360["silver"]


def test_bad_source_is_named(spark, tmp_path):
    with pytest.raises(bronze.BronzeError) as info:
        bronze.read_files(spark, "emails", str(tmp_path), str(tmp_path))
    assert "emails" in str(info.value) and info.value.code == "BRONZE_ERROR"
