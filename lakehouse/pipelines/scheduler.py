"""The update loop: each selected dataset runs as soon as every dataset it reads is done.

Up to :data:`PARALLEL_DATASETS` datasets run at once (Spark Connect sessions are thread-safe);
a temporary view is not run, it stands for what it reads. The first failure stops new datasets
from starting; the running ones finish; that failure is returned.

Example:
    >>> PARALLEL_DATASETS
    4
"""

from __future__ import annotations

from .errors import PipelineError
from .flows import run_dataset
from .graph import dataset_inputs
from .results import DatasetResult

PARALLEL_DATASETS = 4  # datasets whose inputs are ready run at the same time (Spark Connect is thread-safe)


def run_all(spark, graph, selected: set, results: dict, log, say, update_id: str):
    """Run the selected datasets, each as soon as the datasets it reads are done; return the first error.

    ``results`` receives a :class:`DatasetResult` per dataset (``EXCLUDED`` for the unselected).
    """
    import contextvars
    from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

    datasets = graph.registry.datasets
    direct = dataset_inputs(graph.registry, graph.inputs)

    def needs(key: str, seen=()) -> set:  # a temporary view stands for what it reads
        out = set()
        for dep in direct[key]:
            if datasets[dep].kind == "temporary_view" and dep not in seen:
                out |= needs(dep, (*seen, dep))
            elif dep != key:
                out.add(dep)
        return out

    done, pending, running, error = set(), [], {}, None
    for name in graph.order:
        key, ds = name.lower(), datasets[name.lower()]
        if ds.kind == "temporary_view":
            continue
        if key not in selected:
            results[name] = DatasetResult(name, graph.kind(ds), "EXCLUDED")
            done.add(key)
        else:
            pending.append(key)
    with ThreadPoolExecutor(PARALLEL_DATASETS) as pool:
        while (pending and error is None) or running:
            for key in [k for k in pending if needs(k) <= done] if error is None else []:
                pending.remove(key)
                ctx = contextvars.copy_context()  # the pipeline session travels to the thread
                running[pool.submit(ctx.run, run_dataset, spark, graph, datasets[key], log, say, update_id)] = key
            if not running:
                break
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                key = running.pop(future)
                try:
                    results[datasets[key].name] = future.result()
                    done.add(key)
                except PipelineError as exc:
                    error = error or exc
    return error
