"""One exception root for the whole package, with a stable error code per subclass.

Tests assert the class and the ``code``, never the message text. A message starts with its
code in brackets (``[JAVA_NOT_FOUND] ...``), the names the README's troubleshooting table uses.

Example:
    >>> from lakehouse.errors import LakehouseError, JavaNotFoundError
    >>> issubclass(JavaNotFoundError, LakehouseError), JavaNotFoundError.code
    (True, 'JAVA_NOT_FOUND')
    >>> err = JavaNotFoundError("No java on PATH.", fix="install a JDK 17.")
    >>> print(err)
    [JAVA_NOT_FOUND] No java on PATH.
      Fix: install a JDK 17.
    >>> err.message
    'No java on PATH.'
"""

from __future__ import annotations


class LakehouseError(Exception):
    """Root of every error the ``lakehouse`` package raises on purpose.

    Each message names the thing that is wrong and the fix. ``message`` is the text without the
    code and the fix: what another error wraps (``f"{path}: {exc.message}"``).
    """

    code = "LAKEHOUSE_ERROR"

    def __init__(self, message: str, *, fix: str | None = None):
        self.fix = fix
        tag = f"[{self.code}]"
        self.message = message.removeprefix(tag).lstrip()
        super().__init__(f"{tag} {self.message}" if not fix else f"{tag} {self.message}\n  Fix: {fix}")


class SetupError(LakehouseError):
    """The local environment is not ready (Java, jars, virtualenv)."""

    code = "SETUP_ERROR"


class JavaNotFoundError(SetupError):
    """No usable ``java`` was found."""

    code = "JAVA_NOT_FOUND"


class JavaVersionError(SetupError):
    """Java was found but its version cannot run this Spark."""

    code = "JAVA_VERSION"


class JarsMissingError(SetupError):
    """The Delta jars are not in the local cache and cannot be fetched."""

    code = "JARS_MISSING"


class VersionMismatchError(SetupError):
    """pyspark and delta-spark in this environment are not the pinned pair."""

    code = "VERSION_MISMATCH"


class DeltaConnectMissingError(SetupError):
    """The Delta Connect server plugin is not built or not loaded, so ``DeltaTable`` cannot run
    on the shared engine (SQL still works)."""

    code = "DELTA_CONNECT_PLUGIN_MISSING"


class EngineError(LakehouseError):
    """The shared local Spark engine (Spark Connect server) failed to start or answer."""

    code = "ENGINE_ERROR"


class ConfigError(LakehouseError):
    """A setting (environment variable, argument) has an invalid value."""

    code = "CONFIG_ERROR"


class CloneIntoCatalogError(LakehouseError):
    """``DeltaTable.clone``/``cloneAtVersion``/``cloneAtTimestamp`` into a catalog other than the
    default one: Delta reopens the target through the metastore, which holds only the default
    catalog's schemas under their own names (SQL ``CREATE TABLE ... SHALLOW CLONE`` works there)."""

    code = "CLONE_INTO_CATALOG_UNSUPPORTED"
