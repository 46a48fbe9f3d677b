"""Re-export of :mod:`lakehouse.runtime.paths` for notebooks saved before the runtime moved (lab 11).

Example:
    >>> from lakehouse.paths import repo_root
    >>> repo_root.__module__
    'lakehouse.runtime.paths'
"""

from .runtime.paths import lakehouse_home, on_databricks, repo_root

__all__ = ["lakehouse_home", "on_databricks", "repo_root"]
