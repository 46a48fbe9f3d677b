"""Gold of the reference C360 on the tiny Silver of conftest's ``c360`` fixture: the invariants.

* revenue in ``revenue_daily`` equals Silver's revenue to the cent, day by day;
* ``customer_360`` has exactly one row per current customer;
* ``churn_features`` is point-in-time correct: perturbing data on or after a snapshot date does
  not move that snapshot's features (and perturbing data before it does: the test can fail);
* a logistic regression trained on earlier snapshots beats AUC 0.6 on the latest one;
* the HTML report renders its charts in headless Chromium (when Debian's chromium is installed).
"""

import datetime as dt
import shutil

import pytest

from lakehouse.c360 import gold
from lakehouse.c360.gold import GoldError


@pytest.fixture(scope="module")
def g(spark, c360):
    schema = "spark_catalog.test_c360_gold"
    spark.sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    spark.sql(f"CREATE SCHEMA {schema}")
    counts = gold.build(spark, schema, silver_schema=c360["schema"], layer_prefix=True)
    names = {k: f"{schema}.{v}" for k, v in gold.table_names(layer_prefix=True).items()}
    silver = {k: spark.table(f"{c360['schema']}.{v}") for k, v in gold.silver_names(layer_prefix=True).items()}
    yield dict(schema=schema, counts=counts, t=names, silver=silver)
    spark.sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def test_revenue_daily_equals_silver_to_the_cent_per_day(spark, g):
    from pyspark.sql import functions as F

    ours = {r.date: r.revenue for r in spark.table(g["t"]["revenue_daily"]).groupBy("date")
            .agg(F.sum("revenue").alias("revenue")).collect()}
    theirs = {r.date: r.revenue for r in g["silver"]["transactions"].groupBy(F.to_date("transaction_ts").alias("date"))
              .agg(F.sum("amount_usd").alias("revenue")).collect()}
    assert len(ours) > 150 and ours == theirs  # Decimal values: equal means equal to the cent
    orders = spark.table(g["t"]["revenue_daily"]).agg(F.sum("orders")).first()[0]
    assert orders == g["silver"]["transactions"].count()


def test_customer_360_has_one_row_per_current_customer(spark, g):
    c360 = spark.table(g["t"]["customer_360"])
    current = g["silver"]["customers"].where("__END_AT IS NULL").select("customer_id")
    assert c360.count() == c360.select("customer_id").distinct().count() == current.count() == g["counts"]["customer_360"]
    assert c360.select("customer_id").exceptAll(current).count() == 0
    totals = c360.agg({"lifetime_value": "sum", "orders": "sum"}).first()
    assert totals[0] > 0 and totals[1] > 0


def test_segments_cover_every_score_and_every_current_customer(spark, g):
    from pyspark.sql import functions as F

    scores = spark.range(125).select(*[(F.floor(F.col("id") / d) % 5 + 1).cast("int").alias(c)
                                      for c, d in (("r_score", 25), ("f_score", 5), ("m_score", 1))])
    named = scores.withColumn("segment", gold.segment_of())
    assert named.where("segment IS NULL OR segment = 'No Purchases'").count() == 0
    seg = spark.table(g["t"]["customer_segments"])
    assert seg.where("segment IS NULL").count() == 0
    assert seg.where("r_score NOT BETWEEN 1 AND 5 OR f_score NOT BETWEEN 1 AND 5 OR m_score NOT BETWEEN 1 AND 5").count() == 0
    assert {r.segment for r in seg.select("segment").distinct().collect()} >= {"Champions", "Hibernating"}


def _perturbed(silver, snapshot: dt.date, *, after: bool):
    """Silver with the rows on/after (or before) ``snapshot`` changed: amounts x10, half the rows gone."""
    from pyspark.sql import functions as F

    s = F.lit(snapshot).cast("timestamp")
    out = {}
    for name, ts in (("transactions", "transaction_ts"), ("clickstream", "event_ts"), ("support_tickets", "opened_at")):
        df = silver[name]
        hit = (F.col(ts) >= s) if after else (F.col(ts) < s)
        df = df.where(~hit | (F.crc32(F.concat_ws("|", *df.columns[:2])) % 2 == 0))
        if name == "transactions":
            df = df.withColumn("amount_usd", F.when(hit, F.col("amount_usd") * 10).otherwise(F.col("amount_usd"))
                               .cast("decimal(14,2)"))
        if name == "support_tickets":
            df = df.withColumn("sentiment", F.when(hit, F.lit(-1.0)).otherwise(F.col("sentiment")))
        out[name] = df
    return out


def test_churn_features_do_not_move_when_post_snapshot_data_changes(spark, g):
    silver = g["silver"]
    snapshot = gold.default_snapshots(silver["transactions"])[1]

    def features(tables):
        df = gold.churn_features(tables["transactions"], silver["customers"], tables["clickstream"],
                                 tables["support_tickets"], snapshots=[snapshot])
        return df.drop("label")

    base = features(silver)
    after = features(_perturbed(silver, snapshot, after=True))
    assert base.count() > 50
    assert base.exceptAll(after).count() == 0 and after.exceptAll(base).count() == 0
    before = features(_perturbed(silver, snapshot, after=False))
    assert base.exceptAll(before).count() > 0  # the same test notices a pre-snapshot change


def test_churn_label_looks_ahead_exactly_the_horizon(spark, g):
    from pyspark.sql import functions as F

    rows = spark.table(g["t"]["churn_features"])
    assert rows.groupBy("customer_id", "snapshot_date").count().where("count > 1").count() == 0
    one = rows.orderBy("snapshot_date", "customer_id").first()
    s = F.lit(one.snapshot_date).cast("timestamp")
    bought = (g["silver"]["transactions"].where(F.col("customer_id") == one.customer_id)
              .where((F.col("transaction_ts") >= s) & (F.col("transaction_ts") < s + F.expr("INTERVAL 30 DAYS"))).count())
    assert one.label == (0 if bought else 1)


def test_churn_baseline_beats_a_constant_predictor_on_later_time(spark, g):
    from lakehouse.c360.churn import baseline

    result = baseline(spark.table(g["t"]["churn_features"]).toPandas())
    assert result.auc > 0.6, result
    assert result.train_rows > result.test_rows > 0


def test_report_renders_in_headless_chromium(spark, g, tmp_path):
    from lakehouse.c360.report import write_report

    path = write_report(spark, g["schema"], tmp_path, layer_prefix=True)
    text = path.read_text()
    assert text.count("data:image/png;base64,") == 4 and "gold_customer_360" in text
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        pytest.skip("Debian's chromium and chromium-driver are not installed (make e2e installs them)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1300,2600"):
        options.add_argument(arg)
    options.binary_location = shutil.which("chromium")
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    try:
        driver.get(path.as_uri())
        images = driver.execute_script("return [...document.images].map(i => [i.alt, i.complete, i.naturalWidth])")
        counts = driver.execute_script("return document.getElementById('counts').rows.length")
        driver.save_screenshot(str(tmp_path / "report.png"))
    finally:
        driver.quit()
    assert [(alt, ok, w > 500) for alt, ok, w in images] == [
        (t, True, True) for t in ("Revenue trend", "Segments", "Cohort retention", "Churn risk")]
    assert counts == 1 + len(gold.TABLES)


def test_bad_arguments_name_the_thing(spark, g, tmp_path):
    tx = g["silver"]["transactions"]
    with pytest.raises(GoldError) as info:
        gold.build(spark, g["schema"], silver_schema="spark_catalog.no_such_schema_x")
    assert info.value.code == "GOLD_ERROR" and "no_such_schema_x" in str(info.value)
    with pytest.raises(GoldError):
        gold.customer_segments(tx, g["silver"]["customers"], as_of="yesterday")
    with pytest.raises(GoldError):
        gold.churn_features(tx, g["silver"]["customers"], g["silver"]["clickstream"], g["silver"]["support_tickets"],
                            horizon_days=0)
    with pytest.raises(GoldError):
        gold.churn_features(tx, g["silver"]["customers"], g["silver"]["clickstream"], g["silver"]["support_tickets"],
                            snapshots="2024-04-01")
    from lakehouse.c360.report import write_report

    with pytest.raises(GoldError) as info:
        write_report(spark, "spark_catalog.no_such_schema_x", tmp_path)
    assert info.value.code == "GOLD_ERROR"
