"""``lakehouse.runtime.delta_log``: a local Delta table's latest version from its log listing."""

from __future__ import annotations

import pytest

from lakehouse.runtime.delta_log import LOG, commit_name, latest_version, local_folder


def test_latest_version_follows_the_commits_of_a_real_table(spark, tmp_path):
    table = tmp_path / "t"
    assert latest_version(table) == -1, "no folder yet"
    spark.range(3).write.format("delta").save(str(table))
    spark.range(2).write.format("delta").mode("append").save(str(table))
    spark.sql(f"DELETE FROM delta.`{table}` WHERE id = 0")
    history = spark.sql(f"DESCRIBE HISTORY delta.`{table}`").select("version").collect()
    assert latest_version(table) == max(r.version for r in history) == 2
    assert (table / LOG / commit_name(2)).is_file()
    detail = spark.sql(f"DESCRIBE DETAIL delta.`{table}`").first()
    assert local_folder(detail.location) == table, detail.location


def test_only_commit_files_count(tmp_path):
    log = tmp_path / LOG
    log.mkdir()
    for name in ("00000000000000000003.checkpoint.parquet", "00000000000000000004.crc", "_last_checkpoint",
                 ".00000000000000000009.json.tmp", "9.json"):
        (log / name).write_text("")
    assert latest_version(tmp_path) == -1
    (log / commit_name(3)).write_text("{}")
    assert latest_version(str(tmp_path)) == 3


@pytest.mark.parametrize("location", [None, "", "s3://bucket/t", "dbfs:/t", "file:/nonexistent/t", "/nonexistent/t"])
def test_a_location_that_is_not_a_local_folder_has_none(location):
    assert local_folder(location) is None


def test_a_file_url_and_a_path_name_the_same_folder(tmp_path):
    assert local_folder(f"file:{tmp_path}") == local_folder(tmp_path.as_uri()) == local_folder(str(tmp_path)) == tmp_path
