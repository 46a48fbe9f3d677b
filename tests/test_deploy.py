"""Shipping the course to Databricks: the bundle (databricks.yml) and `make export` (Databricks
source format), checked without a workspace."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from lakehouse.course.export import FOLDERS, export_notebooks, parse_source, to_source
from lakehouse.notebook.errors import NotebookFormatError
from lakehouse.jobs import JobDefinitionError, load_job
from lakehouse.jobs.bundle import local_job, validate_bundle

REPO = Path(__file__).resolve().parents[1]
BUNDLE = REPO / "databricks.yml"


def _bundle() -> dict:
    return yaml.safe_load(BUNDLE.read_text())


def test_the_bundle_is_valid_with_dev_and_prod_targets():
    found = validate_bundle(BUNDLE)
    assert found == {"jobs": ["c360_daily", "c360_streaming"], "pipelines": ["c360"], "targets": ["dev", "prod"]}
    targets = _bundle()["targets"]
    assert targets["dev"]["mode"] == "development" and targets["prod"]["mode"] == "production"
    assert "${workspace.current_user.short_name}" in targets["dev"]["variables"]["schema"]  # a schema per user


def _comparable(job: dict) -> dict:
    """The parts the local JSON and the bundle must agree on (compute and defaults may differ)."""
    tasks = [{k: v for k, v in t.items() if k != "environment_key"} for t in job["tasks"]]
    return {"name": job["name"], "tasks": tasks, "schedule": job.get("schedule"),
            "parameters": [p["name"] for p in job.get("parameters", [])]}


@pytest.mark.parametrize("key, name", [("c360_daily", "daily_job"), ("c360_streaming", "streaming_job")])
def test_the_bundle_deploys_the_same_jobs_that_run_locally(key, name):
    deployed = local_job(BUNDLE, _bundle()["resources"]["jobs"][key])
    local = load_job(REPO / "lakehouse" / "c360" / "jobs" / f"{name}.json")
    assert _comparable(deployed) == _comparable(local)


def test_the_bundle_resources_match_the_databricks_bundles_models():
    jobs = pytest.importorskip("databricks.bundles.jobs")  # optional: the Databricks License (pyproject.toml)
    from databricks.bundles.pipelines import Pipeline

    resources = _bundle()["resources"]
    for job in resources["jobs"].values():
        jobs.Job.from_dict(job)
    Pipeline.from_dict(resources["pipelines"]["c360"])
    with pytest.raises(ValueError):
        Pipeline.from_dict({**resources["pipelines"]["c360"], "colour": "blue"})


def test_bundle_errors_name_the_resource(tmp_path):
    bundle = _bundle()
    bundle["resources"]["jobs"]["c360_daily"]["tasks"][0]["max_retry"] = 1
    broken = tmp_path / "databricks.yml"
    broken.write_text(yaml.safe_dump(bundle))
    # paths in a bundle are relative to it: this copy lives elsewhere, so its notebooks are missing too
    with pytest.raises(JobDefinitionError) as info:
        validate_bundle(broken)
    assert info.value.code == "JOB_DEFINITION_INVALID" and "c360_daily" in str(info.value)
    undeclared = dict(_bundle(), variables={})
    (tmp_path / "b2.yml").write_text(yaml.safe_dump(undeclared))
    with pytest.raises(JobDefinitionError):
        validate_bundle(tmp_path / "b2.yml")


def test_export_round_trips_every_notebook(tmp_path):
    written = export_notebooks(tmp_path)
    sources = [p for folder in FOLDERS for p in sorted((REPO / folder).glob("*.ipynb"))]
    assert len(written) == len(sources) and any("11_workflows_jobs" in p.name for p in written)
    for nb_path in sources:
        rel = nb_path.relative_to(REPO)
        text = (tmp_path / rel.parent / (nb_path.stem + ".py")).read_text()
        assert text.splitlines()[0] == "# Databricks notebook source"
        cells = json.loads(nb_path.read_text())["cells"]
        expected = [(c["cell_type"], "".join(c["source"]).rstrip()) for c in cells]
        assert parse_source(text) == expected, rel


def test_export_writes_markdown_and_cell_magics_as_magic_lines():
    text = to_source({"cells": [{"cell_type": "markdown", "source": ["# T\n", "\n", "text"]},
                                {"cell_type": "code", "source": "%%writefile x.py\nprint(1)"}]})
    assert "# MAGIC %md\n# MAGIC # T\n# MAGIC\n# MAGIC text" in text
    assert "# MAGIC %%writefile x.py\n# MAGIC print(1)" in text
    assert text.count("# COMMAND ----------") == 1
    with pytest.raises(NotebookFormatError):
        parse_source("print('not a notebook')")
