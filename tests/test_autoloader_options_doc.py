"""The options registry, the generated "Locally vs Databricks" table, and the refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from lakehouse.autoloader import CloudFilesOptionError
from lakehouse.autoloader.option_specs import NOT_SUPPORTED, SCOPES, SPECS
from lakehouse.autoloader.options import parse_options
from lakehouse.autoloader.options_doc import DOC_PATH, render

REPO = Path(__file__).resolve().parents[1]


def test_generated_doc_is_up_to_date():
    assert (REPO / DOC_PATH).read_text() == render(), \
        "docs/AUTO_LOADER_OPTIONS.md is stale: run .venv/bin/python -m lakehouse.autoloader.options_doc"


def test_registry_rows_are_complete():
    names = [s.name.lower() for s in SPECS]
    assert len(names) == len(set(names))
    for s in SPECS:
        assert all(part in SCOPES for part in s.scope.split(",")), s
        assert s.status == "supported" or s.note, f"{s.name}: say how it differs or why not"


@pytest.mark.parametrize("spec", [s for s in SPECS if s.status == NOT_SUPPORTED], ids=lambda s: s.name)
def test_every_unsupported_option_fails_naming_it(spec):
    fmt = spec.formats()[0] if spec.formats() else "json"
    options = {"cloudFiles.format": fmt, "path": "/in", "cloudFiles.schemaLocation": "/s", spec.name: "x"}
    with pytest.raises(CloudFilesOptionError) as info:
        parse_options(options, user_schema=False)
    assert spec.name in str(info.value) and "Fix:" in str(info.value)
