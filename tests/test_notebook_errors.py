"""Errors as learners see them in a notebook: the code first, one line, no traceback for the
errors the package raises on purpose; every other exception keeps its traceback."""

import pytest

from lakehouse.display import drop_links, short_error
from lakehouse.errors import JavaNotFoundError


@pytest.fixture
def shell():
    from IPython.core.interactiveshell import InteractiveShell

    sh = InteractiveShell.instance()
    yield sh
    sh.set_custom_exc((), None)
    InteractiveShell.clear_instance()


def test_lakehouse_error_shows_code_first_without_traceback(shell, capsys):
    from lakehouse.course.context import show_errors_without_traceback

    assert show_errors_without_traceback() is True
    result = shell.run_cell("from lakehouse.errors import JavaNotFoundError\n"
                            "raise JavaNotFoundError('No java on PATH.', fix='install a JDK 17.')")
    out = capsys.readouterr()
    text = out.out + out.err
    assert isinstance(result.error_in_exec, JavaNotFoundError)  # the cell still fails (papermill, nbval see it)
    assert "[JAVA_NOT_FOUND] No java on PATH." in text and "Fix: install a JDK 17." in text
    assert "Traceback" not in text and "JavaNotFoundError" not in text


def test_other_errors_keep_their_traceback(shell, capsys):
    from lakehouse.course.context import show_errors_without_traceback

    show_errors_without_traceback()
    shell.run_cell("1 / 0")
    out = capsys.readouterr()
    assert "ZeroDivisionError" in out.out + out.err


def test_error_text_starts_with_its_code_once():
    exc = JavaNotFoundError("No java.", fix="install one.")
    assert str(exc).startswith("[JAVA_NOT_FOUND] No java.") and str(exc).count("JAVA_NOT_FOUND") == 1


@pytest.mark.parametrize("text, expected", [
    ("did you mean a? see the supported options in https://docs.example/o (names are case-insensitive).",
     "did you mean a? see the supported options (names are case-insensitive)."),
    ("remove it, or use one of: a, b and the cloudFiles.* options of https://docs.example/o.",
     "remove it, or use one of: a, b and the cloudFiles.* options."),
    ("use one of rescue, none (https://docs.example/s).", "use one of rescue, none."),
    ("nothing to drop here.", "nothing to drop here."),
])
def test_no_dangling_words_after_a_dropped_link(text, expected):
    assert drop_links(text) == expected


def test_short_error_of_an_unknown_auto_loader_option():
    from lakehouse.autoloader.options import _unknown

    err = _unknown("cloudfiles.schemalocaton")
    line = short_error(RuntimeError(f"StreamingQueryException\n{err}"))
    assert line.startswith("[CLOUDFILES_OPTION] Unknown option")
    assert "http" not in line and " in (" not in line and not line.rstrip(".").endswith((" in", " of"))
