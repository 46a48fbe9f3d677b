"""Exam mode: a timed practice exam by exam-guide section, whose predict-the-result keys are computed.

* :mod:`.bank` — the question bank (YAML under ``bank/``) and its validation;
* :mod:`.scenarios` — runs a "predict the result" item's scenario on the engine (``make test``
  checks every stored key against a run: tests/test_exam_bank.py);
* :mod:`.history` — past runs under ``LAKEHOUSE_HOME/exam/`` and the draw that weights weak sections;
* :mod:`.scoring` — the score per section, the pass line, every miss explained;
* :mod:`.terminal` — the timed run in a terminal; :mod:`.cli` — ``lakehouse exam``.

Example:
    >>> from lakehouse.course.exam import load_bank
    >>> load_bank().pass_percent
    70
"""

from .bank import Bank, BankError, Item, load_bank

__all__ = ["Bank", "BankError", "Item", "load_bank"]
