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

POSITIVE = ("thanks", "thank", "great", "love", "happy", "excellent", "perfect", "quick", "helpful",
            "resolved", "appreciate", "amazing", "good", "awesome", "pleased", "fast")
NEGATIVE = ("frustrated", "angry", "terrible", "awful", "refund", "cancel", "broken", "worst", "disappointed",
            "unacceptable", "never", "nobody", "avoid", "leaving", "damaged", "useless", "complaint",
            "furious", "urgent")


def sentiment_score(text_col):
    """A Column with the lexicon score of a text Column (lower-cased words, punctuation ignored).

    Args:
        text_col: a string Column.

    Returns:
        A double Column in [-1, 1].
    """
    from pyspark.sql import functions as F

    words = F.split(F.lower(F.regexp_replace(text_col, r"[^A-Za-z ]", " ")), r"\s+")
    pos = F.size(F.filter(words, lambda w: w.isin(*POSITIVE)))
    neg = F.size(F.filter(words, lambda w: w.isin(*NEGATIVE)))
    return F.when(pos + neg == 0, F.lit(0.0)).otherwise((pos - neg) / (pos + neg))
