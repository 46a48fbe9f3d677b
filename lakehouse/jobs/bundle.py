"""Check a Databricks Asset Bundle (``databricks.yml``) before ``databricks bundle deploy``, and
read the jobs it (or a ``resources/*.job.yml``) defines, to run them locally.

What ``databricks bundle validate`` would reject and what can be checked without a workspace
(https://docs.databricks.com/dev-tools/bundles/settings): the top-level mappings; every
``${var.x}`` declared under ``variables``; each target's ``mode`` (``development`` or
``production``); each job resource through :func:`lakehouse.jobs.validate_job` (paths relative to
the bundle file, as the bundle resolves them); each pipeline's library globs match files. When the
optional ``databricks-bundles`` package is installed, each job and pipeline also goes through its
``Job.from_dict`` / ``Pipeline.from_dict`` models (strict: unknown fields and bad enums fail).

:func:`bundle_job` reads one job resource from bundle YAML (``lakehouse jobs run|validate FILE.yml
[--job KEY]``): from ``databricks.yml`` and the files its ``include`` globs name, or from one
resource file; ``${var.NAME}`` becomes the variable's default; ``notebook_path`` and
``python_file`` are relative to the YAML file that holds them, as the bundle resolves them
(https://docs.databricks.com/dev-tools/bundles/settings#paths).

Example:
    >>> bundle_job("databricks.yml", "c360_daily")["parameters"][0]
    {'name': 'schema', 'default': 'c360'}
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


def _read_yaml(path: Path):
    import yaml

    if not path.is_file():
        raise JobDefinitionError(f"job file {str(path)!r} does not exist.", fix="give the path of databricks.yml, "
                                 "a resources/*.job.yml or a job JSON.")
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise JobDefinitionError(f"{path} is not valid YAML: {str(exc).splitlines()[0]}.") from None


def _bundle_jobs(path: Path) -> dict:
    """``{key: (file that defines it, job)}`` of a bundle root and its includes, or of one resource file."""
    doc = _read_yaml(path) or {}
    if not isinstance(doc, dict):
        raise JobDefinitionError(f"{path}: a bundle file is a YAML mapping.")
    files = [path]
    for pattern in doc.get("include") or []:
        files += sorted(Path(p) for p in glob.glob(str(path.parent / pattern), recursive=True) if Path(p) != path)
    found: dict = {}
    for file in files:
        data = doc if file == path else (_read_yaml(file) or {})
        for key, job in (((data.get("resources") or {}).get("jobs")) or {}).items():
            found[key] = (file, job)
    return found


def _variables(value, declared: dict, where: Path):
    if isinstance(value, dict):
        return {k: _variables(v, declared, where) for k, v in value.items()}
    if isinstance(value, list):
        return [_variables(v, declared, where) for v in value]
    if not isinstance(value, str):
        return value

    def one(match):
        name = match.group(1)
        if name not in declared or "default" not in (declared[name] or {}):
            raise JobDefinitionError(f"{where}: ${{var.{name}}} has no default in the bundle's variables.",
                                     fix="declare it with a default under variables in databricks.yml "
                                         "(and run the job from databricks.yml with --job).")
        return str(declared[name]["default"])

    return _VAR.sub(one, value)


def bundle_job(path, key: str | None = None) -> dict:
    """One job of bundle YAML as a local job definition (not validated yet: :func:`lakehouse.jobs.load_job` does).

    Args:
        path: ``databricks.yml`` (with its ``include`` files) or a resource file such as ``resources/x.job.yml``.
        key: the job's key under ``resources.jobs``; optional when the YAML defines one job.

    Raises:
        JobDefinitionError: unreadable YAML, no job, several jobs and no ``key``, an unknown key,
            or a ``${var.NAME}`` without default.
    """
    path = Path(path)
    jobs = _bundle_jobs(path)
    if not jobs:
        raise JobDefinitionError(f"{path} defines no job (no resources.jobs).",
                                 fix="give a databricks.yml or a *.job.yml with resources: jobs: <key>: ...")
    if key is None:
        if len(jobs) > 1:
            raise JobDefinitionError(f"{path} defines {len(jobs)} jobs ({', '.join(jobs)}).",
                                     fix="choose one with --job KEY.")
        key = next(iter(jobs))
    if key not in jobs:
        raise JobDefinitionError(f"{path} has no job {key!r} (it has: {', '.join(jobs)}).", fix="fix the --job key.")
    file, job = jobs[key]
    if not isinstance(job, dict):
        raise JobDefinitionError(f"{file}: resources.jobs.{key} must be a mapping.")
    root = _read_yaml(path) or {}
    job = _variables(job, root.get("variables") or {}, file)
    job.setdefault("name", key)
    return local_job(file, job)


def local_job(bundle_path, job: dict) -> dict:
    """A bundle's job resource as a local job definition: notebook and file paths relative to the
    bundle made relative to the repository (``.ipynb`` dropped, as ``notebook_path`` is on Databricks;
    a source-format ``.py`` notebook keeps its name).

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
        raise JobDefinitionError(f"{path}: resources.jobs.{key}: {exc.message.splitlines()[0]}",
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
