"""``short_error``: one readable line for failures shown on purpose, from real Spark errors."""

import pytest

from lakehouse.display import short_error


def test_spark_error_gives_its_condition_and_first_line(spark):
    with pytest.raises(Exception) as info:
        spark.sql("SELECT * FROM no_such_table_for_short_error").collect()
    line = short_error(info.value)
    assert line.startswith("TABLE_OR_VIEW_NOT_FOUND: ") and "\n" not in line


def test_lakehouse_error_inside_a_spark_error_gives_its_own_line_and_fix(spark, tmp_path):
    (tmp_path / "in").mkdir()
    with pytest.raises(Exception) as info:
        (spark.readStream.format("cloudFiles").option("cloudFiles.format", "json")
         .option("cloudFiles.schemaLocation", str(tmp_path / "s")).option("cloudFiles.maxFilesPerTriger", "1")
         .load(str(tmp_path / "in")).schema)
    line = short_error(info.value, width=400)
    assert line.startswith("[CLOUDFILES_OPTION] ") and "maxFilesPerTrigger" in line and " Fix: " in line


def test_width_and_replacements():
    exc = ValueError("/very/long/lab/folder/file.json is bad")
    assert short_error(exc, replace={"/very/long/lab/folder/": ""}) == "ValueError: file.json is bad"
    assert short_error(exc, width=10) == "ValueError"
