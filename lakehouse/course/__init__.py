"""The course layer: lab contexts and the solutions -> labs generator.

Example:
    >>> from lakehouse.course import resolve_lab
    >>> resolve_lab("00")
    '00_welcome_and_setup'
"""

from .catalog import LABS, resolve_lab
from .context import LabContext, lab

__all__ = ["LABS", "LabContext", "lab", "resolve_lab"]
