"""The old name of :mod:`lakehouse.c360.realtime`, for lab 05 notebooks saved before the rename.

The reference real-time C360 is :mod:`lakehouse.c360.realtime` (renamed so that it is not confused
with :mod:`lakehouse.streaming`); ``from lakehouse.c360 import streaming`` and
``from lakehouse.c360.streaming import WATERMARK_DELAY`` still work and give its names.

Example:
    >>> from lakehouse.c360.streaming import WATERMARK_DELAY
    >>> WATERMARK_DELAY
    '10 minutes'
"""

from . import realtime


def __getattr__(name: str):
    return getattr(realtime, name)
