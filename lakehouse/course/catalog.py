"""The course map: lab numbers and topics (the numbers are contracts).

Example:
    >>> from lakehouse.course.catalog import resolve_lab
    >>> resolve_lab("2")
    '02_auto_loader_bronze'
"""

from __future__ import annotations

from .errors import LabError

LABS: dict[str, str] = {
    "00": "welcome_and_setup",
    "01": "delta_lake_fundamentals",
    "02": "auto_loader_bronze",
    "03": "merge_cdc_scd2",
    "04": "silver_transforms",
    "05": "structured_streaming",
    "06": "expectations_quality",
    "07": "declarative_pipelines",
    "08": "gold_customer_360",
    "09": "performance",
    "10": "unity_catalog_governance",
    "11": "workflows_jobs",
    "12": "capstone",
}


def resolve_lab(name: str) -> str:
    """Full lab id ``NN_topic`` from ``"NN_topic"``, ``"NN"`` or ``"N"``.

    Raises:
        LabError: not a lab of the course map (the message lists them).
    """
    if not isinstance(name, str):
        raise LabError(f"lab name must be a str like '02_auto_loader_bronze', got {type(name).__name__}.")
    prefix = name.split("_", 1)[0]
    number = prefix.zfill(2)
    if prefix.isdigit() and number in LABS and name in (prefix, f"{number}_{LABS[number]}"):
        return f"{number}_{LABS[number]}"
    known = ", ".join(f"{n}_{t}" for n, t in LABS.items())
    raise LabError(f"{name!r} is not a lab of this course.", fix=f"use one of: {known}.")
