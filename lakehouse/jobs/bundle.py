"""Check a Databricks Asset Bundle (``databricks.yml``) before ``databricks bundle deploy``.

What ``databricks bundle validate`` would reject and what can be checked without a workspace
(https://docs.databricks.com/dev-tools/bundles/settings): the top-level mappings; every
``${var.x}`` declared under ``variables``; each target's ``mode`` (``development`` or
``production``); each job resource through :func:`lakehouse.jobs.validate_job` (paths relative to
the bundle file, as the bundle resolves them); each pipeline's library globs match files. When the
optional ``databricks-bundles`` package is installed, each job and pipeline also goes through its
``Job.from_dict`` / ``Pipeline.from_dict`` models (strict: unknown fields and bad enums fail).

Example:
    >>> found = validate_bundle("databricks.yml")      # doctest: +SKIP
    >>> sorted(found["targets"])                        # doctest: +SKIP
    ['dev', 'prod']
"""

from __future__ import annotations

import copy
import glob
import re
from pathlib import Path

from .errors import JobDefinitionError

_TOP = {"bundle", "variables", "resources", "targets", "include", "workspace", "sync", "artifacts",
        "permissions", "presets", "run_as", "experimental", "scripts", "python"}
_VAR = re.compile(r"\$\{var\.([A-Za-z0-9_]+)\}")


def validate_bundle(path) -> dict:
    """Validate a ``databricks.yml``; returns ``{"jobs": [...], "pipelines": [...], "targets": [...]}``.

    Args:
        path: the bundle's ``databricks.yml``.

    Raises:
        JobDefinitionError: the first problem found (the message names the resource and field).
        ScheduleError: a job's schedule is malformed.
    """
    import yaml

    path = Path(path)
    if not path.is_file():
        raise JobDefinitionError(f"bundle file {str(path)!r} does not exist.", fix="give the path of databricks.yml.")
    try:
        bundle = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise JobDefinitionError(f"{path} is not valid YAML: {exc}.") from None
    if not isinstance(bundle, dict) or "bundle" not in bundle or "name" not in (bundle["bundle"] or {}):
        raise JobDefinitionError(f"{path}: a bundle needs `bundle: {{name: ...}}`.")
    unknown = sorted(set(bundle) - _TOP)
    if unknown:
        raise JobDefinitionError(f"{path}: unknown top-level mapping {unknown[0]!r}.",
                                 fix="see https://docs.databricks.com/dev-tools/bundles/settings.")
    declared = set(bundle.get("variables") or {})
    used = set(_VAR.findall(path.read_text(encoding="utf-8")))
    if used - declared:
        raise JobDefinitionError(f"{path}: ${{var.{sorted(used - declared)[0]}}} is used but not declared under "
                                 "variables.", fix="declare it with a description and a default.")
    targets = bundle.get("targets") or {}
    for name, target in targets.items():
        if (target or {}).get("mode") not in (None, "development", "production"):
            raise JobDefinitionError(f"{path}: target {name!r} has mode {target['mode']!r}.",
                                     fix="use development or production.")
    resources = bundle.get("resources") or {}
    jobs = resources.get("jobs") or {}
    pipelines = resources.get("pipelines") or {}
    for key, job in jobs.items():
        _job(path, key, job)
    for key, pipeline in pipelines.items():
        _pipeline(path, key, pipeline)
    return {"jobs": list(jobs), "pipelines": list(pipelines), "targets": list(targets)}


def local_job(bundle_path, job: dict) -> dict:
    """A bundle's job resource as a local job definition: notebook and file paths relative to the
    bundle made relative to the repository (``.ipynb`` dropped, as ``notebook_path`` is on Databricks).

    Example:
        >>> local_job("databricks.yml", {"name": "j", "tasks": [{"task_key": "a",
        ...     "notebook_task": {"notebook_path": "./x/nb.ipynb"}}]})["tasks"][0]["notebook_task"]
        {'notebook_path': 'x/nb'}
    """
    from .spec import repository_root

    base = Path(bundle_path).resolve().parent
    job = copy.deepcopy(job)
    job.pop("permissions", None)
    for task in job.get("tasks", []):
        nb = task.get("notebook_task")
        if nb:
            p = (base / nb["notebook_path"]).resolve()
            nb["notebook_path"] = _rel(p.with_suffix("") if p.suffix == ".ipynb" else p, repository_root())
        py = task.get("spark_python_task")
        if py:
            py["python_file"] = _rel((base / py["python_file"]).resolve(), repository_root())
    return job


def _rel(p: Path, root: Path) -> str:
    try:
        return str(p.relative_to(root))
    except ValueError:
        return str(p)


def _job(path: Path, key: str, job) -> None:
    from .spec import validate_job

    if not isinstance(job, dict):
        raise JobDefinitionError(f"{path}: resources.jobs.{key} must be a mapping.")
    try:
        validate_job(local_job(path, job))
    except JobDefinitionError as exc:
        raise JobDefinitionError(f"{path}: resources.jobs.{key}: {str(exc).splitlines()[0].split('] ', 1)[-1]}",
                                 fix=exc.fix) from None


def _pipeline(path: Path, key: str, pipeline) -> None:
    if not isinstance(pipeline, dict) or "name" not in pipeline:
        raise JobDefinitionError(f"{path}: resources.pipelines.{key} needs a name.")
    for lib in pipeline.get("libraries") or []:
        pattern = (lib.get("glob") or {}).get("include")
        matches = glob.glob(str(path.parent / pattern.removeprefix("./")), recursive=True) if pattern else []
        if pattern and not any(Path(m).is_file() for m in matches):
            raise JobDefinitionError(f"{path}: resources.pipelines.{key}: library glob {pattern!r} matches no file.",
                                     fix="give a glob relative to databricks.yml.")
    try:
        from databricks.bundles.pipelines import Pipeline
    except ImportError:
        return
    try:
        Pipeline.from_dict(pipeline)
    except (ValueError, TypeError) as exc:
        raise JobDefinitionError(f"{path}: resources.pipelines.{key} does not match the Pipeline model of "
                                 f"databricks-bundles: {exc}.") from None
