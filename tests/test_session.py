import json
import os
import subprocess
import sys
import textwrap

import pytest

from lakehouse import get_spark
from lakehouse.runtime.engine import engine_status
from lakehouse.errors import ConfigError
from lakehouse.runtime.session import spark_mode


def test_shared_engine_has_delta_and_laptop_defaults(spark, test_home, tmp_path):
    assert spark.conf.get("spark.sql.session.timeZone") == "UTC"
    assert spark.conf.get("spark.sql.shuffle.partitions") == "4"
    spark.sql("CREATE SCHEMA IF NOT EXISTS t_session")
    spark.range(10).write.format("delta").mode("overwrite").saveAsTable("t_session.nums")
    detail = spark.sql("DESCRIBE DETAIL t_session.nums").first()
    assert detail.format == "delta"
    assert detail.location.startswith("file:" + str(test_home / "warehouse"))
    path = str(tmp_path / "by_path")
    spark.range(3).write.format("delta").save(path)
    assert spark.read.format("delta").load(path).count() == 3
    spark.sql("DROP SCHEMA t_session CASCADE")


def test_a_format_left_out_means_delta_as_on_databricks(spark, tmp_path):
    """Databricks Runtime 8.0 migration guide: no format given -> Delta (SQL and DataFrame APIs)."""
    spark.sql("CREATE SCHEMA IF NOT EXISTS t_default_format")
    try:
        spark.sql("CREATE OR REPLACE TABLE t_default_format.ddl (id INT)")
        spark.sql("CREATE OR REPLACE TABLE t_default_format.ctas AS SELECT 1 AS id")
        spark.range(3).write.mode("overwrite").saveAsTable("t_default_format.api")
        for table in ("ddl", "ctas", "api"):
            assert spark.sql(f"DESCRIBE DETAIL t_default_format.{table}").first().format == "delta", table
        path = str(tmp_path / "by_path")
        spark.range(2).write.save(path)
        assert (tmp_path / "by_path" / "_delta_log").is_dir()
        assert spark.read.load(path).count() == 2
    finally:
        spark.sql("DROP SCHEMA t_default_format CASCADE")


def test_second_get_spark_reuses_the_engine(spark, test_home):
    before = engine_status(test_home)
    again = get_spark()
    assert again.range(2).count() == 2
    assert engine_status(test_home).pid == before.pid


def test_python_workers_use_this_interpreter(spark):
    from pyspark.sql.functions import udf

    @udf("string")
    def exe(_):
        import sys as worker_sys

        return worker_sys.prefix

    assert spark.range(1).select(exe("id")).first()[0] == sys.prefix


def test_python_workers_import_pyspark_from_site_packages(spark):
    """Not from $SPARK_HOME/python/lib/pyspark.zip, which has no bytecode (0.5 s per worker)."""
    from pyspark.sql.functions import udf

    @udf("string")
    def where(_):
        import pyspark as worker_pyspark

        return worker_pyspark.__file__

    import pyspark

    assert spark.range(1).select(where("id")).first()[0] == pyspark.__file__


def test_local_sessions_share_python_worker_pools(spark):
    """Artifact isolation off: streaming clones would otherwise each start Python daemons."""
    assert spark.conf.get("spark.sql.artifact.isolation.enabled") == "false"


def test_spark_remote_is_honoured(test_home):
    url = engine_status(test_home).url
    code = "from lakehouse import get_spark; s = get_spark(); print(type(s).__module__, s.range(4).count())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                         env=dict(os.environ, SPARK_REMOTE=url, LAKEHOUSE_HOME="/nonexistent-home"))
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split()[-2:] == ["pyspark.sql.connect.session", "4"]


def test_bad_mode_is_a_config_error(monkeypatch):
    monkeypatch.setenv("LAKEHOUSE_SPARK_MODE", "turbo")
    with pytest.raises(ConfigError) as info:
        spark_mode()
    assert "LAKEHOUSE_SPARK_MODE" in str(info.value) and info.value.code == "CONFIG_ERROR"


def test_bad_app_name():
    with pytest.raises(ConfigError):
        get_spark(app_name="")


def test_bad_driver_memory(monkeypatch):
    from lakehouse.runtime.spark_conf import driver_memory

    monkeypatch.setenv("LAKEHOUSE_DRIVER_MEMORY", "lots")
    with pytest.raises(ConfigError):
        driver_memory()


def test_classic_mode_in_its_own_home(tmp_path):
    """The in-process fallback: a Delta round trip and the DeltaTable API (needs classic)."""
    code = textwrap.dedent("""
        import json
        from lakehouse import get_spark
        from delta.tables import DeltaTable
        s = get_spark()
        s.range(5).write.format("delta").saveAsTable("default.c")
        DeltaTable.forName(s, "default.c").delete("id < 2")
        print(json.dumps({"rows": s.table("default.c").count(),
                          "classic": type(s).__module__, "tz": s.conf.get("spark.sql.session.timeZone")}))
        s.stop()
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600,
                         env=dict(os.environ, LAKEHOUSE_SPARK_MODE="classic", LAKEHOUSE_HOME=str(tmp_path)))
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result == {"rows": 3, "classic": "pyspark.sql.session", "tz": "UTC"}


def test_classic_mode_refuses_a_home_whose_engine_runs(test_home):
    code = "from lakehouse import get_spark; get_spark()"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env=dict(os.environ, LAKEHOUSE_SPARK_MODE="classic", LAKEHOUSE_HOME=str(test_home)))
    assert out.returncode != 0
    assert "ConfigError" in out.stderr and "lakehouse engine stop" in out.stderr
