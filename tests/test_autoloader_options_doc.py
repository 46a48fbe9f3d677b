"""The options registry, the generated "Locally vs Databricks" table, and the refusals."""

from __future__ import annotations

from dataclasses import fields, replace
from pathlib import Path

import pytest

from lakehouse.autoloader import CloudFilesOptionError
from lakehouse.autoloader.option_specs import JSON_FLAGS, NOT_SUPPORTED, SCOPES, SPECS, TYPES, spec
from lakehouse.autoloader.options import AutoLoaderOptions, parse_options, reader_options
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


def test_every_setting_an_option_fills_comes_from_one_row_of_the_table():
    """The defaults are data: each AutoLoaderOptions setting is one row's ``field`` (the JSON switches share one)."""
    resolved = {"path", "format", "evolution_mode", "rescued_column", "user_schema"}  # parse_options decides these
    filled = [s.field for s in SPECS if s.field and s.field != JSON_FLAGS]
    assert len(filled) == len(set(filled)), "two rows fill one setting"
    assert set(filled) | resolved | {JSON_FLAGS} == {f.name for f in fields(AutoLoaderOptions)}
    for s in SPECS:
        assert (s.type in TYPES) if s.status != NOT_SUPPORTED else s.type == "" and s.default is None, s
        assert not (s.field or s.fixed or s.default is not None) or s.type, f"{s.name}: a value needs a type"


def test_the_defaults_parse_options_uses_are_the_table_s():
    opts = parse_options({"cloudFiles.format": "csv", "path": "/in"}, user_schema=True)
    assert (opts.max_files, opts.sep, opts.quote, opts.escape, opts.null_value, opts.nan_value, opts.skip_rows,
            opts.include_existing, opts.ignore_missing_files, opts.encoding, opts.mode) == (
        int(spec("cloudFiles.maxFilesPerTrigger").default), spec("sep").default, spec("quote").default, "\\", "",
        "NaN", 0, True, True, "utf-8", "PERMISSIVE")
    on = {s.name.lower() for s in SPECS if s.field == JSON_FLAGS and s.default == "true"}
    assert opts.json_flags == on == {"allowsinglequotes", "allownonnumericnumbers"}
    assert reader_options("csv") == replace(opts, path="/", evolution_mode="none")
    inferred = parse_options({"cloudFiles.format": "json", "path": "/in", "cloudFiles.schemaLocation": "/s"},
                             user_schema=False)
    assert (inferred.evolution_mode, inferred.rescued_column) == (
        spec("cloudFiles.schemaEvolutionMode").default, spec("rescuedDataColumn").default)


@pytest.mark.parametrize("spec_", [s for s in SPECS if s.fixed], ids=lambda s: s.name)
def test_a_fixed_option_takes_only_its_default(spec_):
    fmt = spec_.formats()[0] if spec_.formats() else "json"
    base = {"cloudFiles.format": fmt, "path": "/in", "cloudFiles.schemaLocation": "/s"}
    parse_options({**base, spec_.name: spec_.default.upper()}, user_schema=False)  # the default, in any case
    other = {"true": "false", "false": "true"}.get(spec_.default, "fr-FR")
    with pytest.raises(CloudFilesOptionError) as info:
        parse_options({**base, spec_.name: other}, user_schema=False)
    assert info.value.code == "CLOUDFILES_OPTION" and spec_.name in str(info.value)


def test_an_auto_loader_error_carries_its_code_once_also_through_pickling():
    """Errors raised in Spark's Python workers travel pickled; the code is added once (by LakehouseError)."""
    import pickle

    err = CloudFilesOptionError("Unknown option 'x'.", fix="remove it.")
    assert str(err).startswith("[CLOUDFILES_OPTION] Unknown option 'x'.") and str(err).count("[CLOUDFILES_OPTION]") == 1
    again = pickle.loads(pickle.dumps(err))
    assert str(again).count("[CLOUDFILES_OPTION]") == 1 and type(again) is CloudFilesOptionError
