import inspect

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
