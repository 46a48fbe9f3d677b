import inspect

import pytest

import lakehouse.errors as errors
from lakehouse.errors import LakehouseError


def test_every_error_has_a_unique_code_under_one_root():
    classes = [c for _, c in inspect.getmembers(errors, inspect.isclass) if issubclass(c, Exception)]
    assert all(issubclass(c, LakehouseError) for c in classes)
    codes = [c.code for c in classes]
    assert len(codes) == len(set(codes)), codes


def test_message_carries_the_fix():
    exc = errors.JarsMissingError("jars are gone", fix="run make setup")
    assert "run make setup" in str(exc) and exc.fix == "run make setup"


def test_an_unclosed_back_quote_in_a_table_name_is_named():
    from lakehouse.runtime.names import IdentifierError, ident_parts

    assert ident_parts("main.`c360 silver`.`a``b`") == ("main", "c360 silver", "a`b")
    with pytest.raises(IdentifierError) as err:
        ident_parts("main.`c360_silver.customers")
    assert err.value.code == "INVALID_IDENTIFIER" and "main.`c360_silver.customers" in str(err.value)
