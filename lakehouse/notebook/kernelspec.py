"""Install the course kernel ``lakehouse``: this environment's ipykernel with the notebook extension.

``python -m lakehouse.notebook.kernelspec`` (what ``make setup`` runs) writes the kernel spec
into this environment (``sys.prefix``, like ``ipykernel install --sys-prefix``) with
``argv = [python, -m, ipykernel_launcher, -f, {connection_file}, --ext, lakehouse.notebook]``, so
a notebook on it starts with ``spark``, ``dbutils``, ``display`` and the Databricks magics.

Example:
    >>> kernel_argv("/venv/bin/python")[-2:]
    ['--ext', 'lakehouse.notebook']
"""

from __future__ import annotations

import sys

KERNEL_NAME = "lakehouse"
DISPLAY_NAME = "Lakehouse (PySpark + Delta)"
EXTENSION = "lakehouse.notebook"


def kernel_argv(python: str = sys.executable) -> list[str]:
    """The kernel's command line."""
    return [python, "-m", "ipykernel_launcher", "-f", "{connection_file}", "--ext", EXTENSION]


def install_kernel(prefix: str = sys.prefix) -> str:
    """Install (or replace) the ``lakehouse`` kernel spec under ``prefix``; returns its folder.

    Example:
        >>> install_kernel()            # doctest: +SKIP
        '/.../.venv/share/jupyter/kernels/lakehouse'
    """
    import tempfile

    from ipykernel.kernelspec import write_kernel_spec
    from jupyter_client.kernelspec import KernelSpecManager

    with tempfile.TemporaryDirectory() as tmp:
        path = write_kernel_spec(f"{tmp}/{KERNEL_NAME}", overrides={"display_name": DISPLAY_NAME,
                                                                     "argv": kernel_argv()})
        return KernelSpecManager().install_kernel_spec(path, KERNEL_NAME, prefix=prefix)


if __name__ == "__main__":
    print(install_kernel())
