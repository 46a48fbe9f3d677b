"""A small, transparent sentiment lexicon for support-ticket text.

Score = (positive hits - negative hits) / max(1, hits), in [-1, 1]; 0 when no word is known.
Simple on purpose: learners can read every rule, and the generated tickets carry a clear
signal ("extremely frustrated ... refund" vs "thanks, you are great").

Example:
    >>> from lakehouse.c360.sentiment import POSITIVE, NEGATIVE
    >>> "great" in POSITIVE and "frustrated" in NEGATIVE
    True
"""

from __future__ import annotations

from .pipelines.c360_transforms import NEGATIVE, POSITIVE, sentiment_score

__all__ = ["NEGATIVE", "POSITIVE", "sentiment_score"]
