"""SCD type 1: the latest change per key wins; deletes remove the row; truncates empty the table.

Semantics (https://docs.databricks.com/aws/en/ldp/cdc, https://docs.databricks.com/aws/en/ldp/what-is-change-data-capture):

- Per key, the change with the greatest ``sequence_by`` value wins, whatever the arrival order;
  a change at or below the sequence already applied to the key is ignored as stale.
- Delete tombstones: Databricks keeps deleted keys for a while ("tombstones", see "Control
  tombstone management for SCD type 1 queries") so that a late update older than a delete cannot
  bring the row back. Here the hidden state table ``__cdc_state_<table>`` holds one row per key
  ever seen: ``(keys, __cdc_seq, __cdc_op)`` with op ``upsert`` or ``delete``. Tombstones are
  kept until a truncate covers them or the target is dropped (no time-based expiry, unlike
  Databricks' ``pipelines.cdc.tombstoneGCThresholdInSeconds``).
- Truncate: a truncate at sequence ``T`` removes every row whose last change is at or below
  ``T``; the state keeps ``T`` as a watermark (a row with op ``truncate``) below which later
  changes are stale; state rows at or below ``T`` are dropped.
- Ties at equal sequence values for one key: a delete wins over an upsert (in a batch and
  across batches; a truncate wins over both). Two upserts in one batch: the one whose values
  compare greatest as JSON wins (deterministic, independent of arrival order); across batches
  the upsert already applied wins (so replaying a batch changes nothing).
- ``ignore_null_updates``: a null in an update keeps the value the row had (successive updates
  in one batch fold in sequence order); an insert (no live row) keeps its nulls.

Example:
    >>> plan = plan_scd1(spark, spec, batch, scratch, target, state)    # doctest: +SKIP
    >>> plan.target_changes.count()                                     # doctest: +SKIP
    3
"""

from __future__ import annotations

from ..runtime.names import quote, quote_name
from .tables import ACTION, DEL, OP, SEQ, TRUNC, Plan, insert_from, key_match, null_safe_on, renamed, sql_same

W_OLD = "__cdc_w_old"
W_NEW = "__cdc_w_new"
S_KEY = "__cdc_s_"  # state keys renamed for a join: __cdc_s_<i>
S_SEQ = "__cdc_s_seq"
S_OP = "__cdc_s_op"
RANK = "__cdc_rank"
SEG = "__cdc_seg"


def plan_scd1(spark, spec, batch, scratch, target: tuple[str, ...], state: tuple[str, ...]) -> Plan:
    """Compute what an SCD type 1 batch changes in the target and in the state table.

    Args:
        spark: the session.
        spec: the flow's :class:`~lakehouse.cdc.spec.CdcSpec`.
        batch: the prepared :class:`~lakehouse.cdc.batch.Batch`.
        scratch: the call's scratch space.
        target: the target's name parts.
        state: the state table's name parts.

    Returns:
        A :class:`Plan`; nothing is written.
    """
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    keys, values = list(batch.keys), list(batch.value_cols)
    ev = batch.events
    state_df = spark.table(quote_name(state))

    # Truncate watermark: the stored one and the batch's newest (greatest skips nulls).
    w_old = state_df.where(F.col(OP) == "truncate").agg(F.max(SEQ).alias(W_OLD))
    truncated = False
    if batch.truncate_rows:
        w_batch = ev.where(F.col(TRUNC)).agg(F.max(SEQ).alias("__cdc_w_batch"))
        wm = scratch.materialize(w_old.crossJoin(w_batch).select(
            W_OLD, F.greatest(F.col(W_OLD), F.col("__cdc_w_batch")).alias(W_NEW)))
        truncated = bool(wm.select((F.col(W_NEW).isNotNull() & (
            F.col(W_OLD).isNull() | (F.col(W_NEW) > F.col(W_OLD)))).alias("moved")).first()["moved"])
    else:  # no truncate in the batch: the stored watermark stands (read as part of ``kept`` below)
        wm = w_old.select(W_OLD, F.col(W_OLD).alias(W_NEW))

    # One change per (key, sequence): delete first, then the greatest values (JSON) first.
    tie = F.to_json(F.struct(*[F.col(quote(c)) for c in values])) if values else F.lit("")
    w_dup = Window.partitionBy(*[F.col(quote(k)) for k in keys], F.col(SEQ)).orderBy(
        F.col(DEL).desc(), tie.desc())
    changes = ev.where(~F.col(TRUNC)).withColumn(RANK, F.row_number().over(w_dup))

    # Compare with the key's state and the truncate watermark.
    key_state = _renamed_state(state_df.where(F.col(OP) != "truncate"), keys)
    joined = changes.join(key_state, key_match(keys, S_KEY), "left").crossJoin(wm)
    fresh = ((F.col(W_NEW).isNull() | (F.col(SEQ) > F.col(W_NEW)))
             & (F.col(S_SEQ).isNull() | (F.col(SEQ) > F.col(S_SEQ))
                | (F.col(DEL) & (F.col(SEQ) == F.col(S_SEQ)) & (F.col(S_OP) == "upsert"))))
    live = ((F.col(S_OP).isNull() & F.col(W_NEW).isNull())
            | ((F.col(S_OP) == "upsert") & (F.col(W_NEW).isNull() | (F.col(S_SEQ) > F.col(W_NEW)))))
    kept = joined.where((F.col(RANK) == 1) & fresh).select(
        *[F.col(quote(k)) for k in keys], SEQ, DEL, live.alias("__cdc_live"),
        *[F.col(quote(c)) for c in values])
    kept = scratch.materialize(kept)
    counts = kept.agg(F.count(F.lit(1)).alias("n"),
                      F.sum(F.when(F.col(DEL), 1).otherwise(0)).alias("d"),
                      F.countDistinct(F.struct(*[F.col(quote(k)) for k in keys])).alias("k")).first()
    applied, deletes, touched_keys = int(counts["n"]), int(counts["d"] or 0), int(counts["k"])
    truncates = 0
    if batch.truncate_rows:
        truncates = ev.where(F.col(TRUNC)).crossJoin(wm).where(
            F.col(W_OLD).isNull() | (F.col(SEQ) > F.col(W_OLD))).count()

    # The last kept change per key decides the row.
    by_key = Window.partitionBy(*[F.col(quote(k)) for k in keys])
    w_key = by_key.orderBy(F.col(SEQ))
    final = kept.withColumn("__cdc_last", F.max(SEQ).over(by_key))
    if spec.ignore_null_updates and values:
        final = final.withColumn(SEG, F.sum(F.col(DEL).cast("int")).over(
            w_key.rowsBetween(Window.unboundedPreceding, Window.currentRow)))
        w_seg = Window.partitionBy(*[F.col(quote(k)) for k in keys], F.col(SEG)).orderBy(SEQ) \
            .rowsBetween(Window.unboundedPreceding, Window.currentRow)
        for c in values:
            final = final.withColumn(c, F.last(F.col(quote(c)), ignorenulls=True).over(w_seg))
    final = final.where(F.col(SEQ) == F.col("__cdc_last"))
    if spec.ignore_null_updates and values:
        # No delete in the kept changes and a live row: fill the remaining nulls from it.
        old = _renamed_target(spark.table(quote_name(target)), keys, values)
        final = final.join(old, key_match(keys, "__cdc_t_"), "left")
        for i, c in enumerate(values):
            keep_old = (F.col(SEG) == 0) & F.col("__cdc_live")
            final = final.withColumn(c, F.when(keep_old, F.coalesce(F.col(quote(c)), F.col(f"__cdc_tv_{i}")))
                                     .otherwise(F.col(quote(c))))
    target_changes = final.select(
        *[F.col(quote(k)) for k in keys],
        *[F.when(F.col(DEL), F.lit(None)).otherwise(F.col(quote(c))).alias(c) for c in values],
        F.when(F.col(DEL), "delete").otherwise("upsert").alias(ACTION))
    state_changes = final.select(*[F.col(quote(k)) for k in keys], F.col(SEQ),
                                 F.when(F.col(DEL), "delete").otherwise("upsert").alias(OP),
                                 F.lit("upsert").alias(ACTION))
    if truncated:
        target_changes, state_changes = _with_truncate(
            spark, target, state_df, wm, keys, values, final, target_changes, state_changes)
    if truncated or (spec.ignore_null_updates and values):
        # These read the live target or state: freeze them before the first MERGE writes.
        target_changes = scratch.materialize(target_changes)
        state_changes = scratch.materialize(state_changes)
    # Otherwise both derive from ``kept`` alone, already materialised: the MERGEs compute them.
    if truncated:
        target_rows, state_rows = target_changes.count(), state_changes.count()
    else:  # one row per key the kept changes touch, in both
        target_rows = state_rows = touched_keys
    return Plan(target_changes=target_changes, state_changes=state_changes,
                upserts=applied - deletes, deletes=deletes, truncates=truncates,
                ignored=batch.rows_in - applied - truncates,
                target_rows=target_rows, state_rows=state_rows)


def _with_truncate(spark, target, state_df, wm, keys, values, final, target_changes, state_changes):
    """Add the truncate's effects: delete rows not known to be newer than the new watermark."""
    from pyspark.sql import functions as F

    newer = _renamed_state(
        state_df.crossJoin(wm).where((F.col(OP) == "upsert") & (F.col(SEQ) > F.col(W_NEW)))
        .select(*[F.col(quote(k)) for k in keys], SEQ, OP), keys)
    touched = _renamed_state(final.select(*[F.col(quote(k)) for k in keys],
                                          F.lit(None).alias(SEQ), F.lit(None).alias(OP)), keys)
    wiped = (spark.table(quote_name(target)).select(*[F.col(quote(k)) for k in keys])
             .join(newer, key_match(keys, S_KEY), "left_anti")
             .join(touched, key_match(keys, S_KEY), "left_anti")
             .select(*[F.col(quote(k)) for k in keys],
                     *[F.lit(None).alias(c) for c in values], F.lit("delete").alias(ACTION)))
    old_states = (state_df.crossJoin(wm)
                  .where((F.col(OP) != "truncate") & (F.col(SEQ) <= F.col(W_NEW)))
                  .join(touched, key_match(keys, S_KEY), "left_anti")
                  .select(*[F.col(quote(k)) for k in keys], SEQ, OP, F.lit("delete").alias(ACTION)))
    mark = wm.select(*[F.lit(None).alias(k) for k in keys], F.col(W_NEW).alias(SEQ),
                     F.lit("truncate").alias(OP), F.lit("upsert").alias(ACTION))
    # The watermark row (op 'truncate') is matched by the new mark and updated in place.
    return (target_changes.unionByName(wiped, allowMissingColumns=False),
            state_changes.unionByName(old_states).unionByName(mark))


def _renamed_state(df, keys):
    """State columns renamed so they can be joined to changes: keys -> __cdc_s_<i>."""
    from pyspark.sql import functions as F

    return df.select(*renamed(keys, S_KEY),
                     F.col(SEQ).alias(S_SEQ), F.col(OP).alias(S_OP))


def _renamed_target(df, keys, values):
    from pyspark.sql import functions as F

    return df.select(*renamed(keys, "__cdc_t_"),
                     *renamed(values, "__cdc_tv_"))


def target_merge_sql(target: str, view: str, keys, values, map_cols=()) -> str:
    """The MERGE that applies SCD 1 target changes (upsert/delete per key); unchanged rows are
    not rewritten."""
    sets = ", ".join(f"t.{quote(c)} = s.{quote(c)}" for c in values)
    differs = " OR ".join(f"NOT ({sql_same(f't.{quote(c)}', f's.{quote(c)}', c in map_cols)})"
                          for c in values) or "FALSE"
    update = (f"WHEN MATCHED AND s.{ACTION} = 'upsert' AND ({differs}) THEN UPDATE SET {sets}\n"
              if values else "")
    return (f"MERGE INTO {target} t USING {view} s ON {null_safe_on('t', 's', keys)}\n"
            f"WHEN MATCHED AND s.{ACTION} = 'delete' THEN DELETE\n"
            f"{update}"
            f"WHEN NOT MATCHED AND s.{ACTION} = 'upsert' THEN {insert_from('s', [*keys, *values])}")


def state_merge_sql(state: str, view: str, keys) -> str:
    """The MERGE that applies SCD 1 state changes (one row per key plus the truncate mark)."""
    # The truncate mark has null keys in the state and in the changes, so one equi-join on the
    # keys (null-safe) finds it too; an OR here would make Delta join every state row to every
    # change row (a nested loop join), whose cost grows with the state table.
    on = f"{null_safe_on('t', 's', keys)} AND (t.{OP} = 'truncate') = (s.{OP} = 'truncate')"
    return (f"MERGE INTO {state} t USING {view} s ON {on}\n"
            f"WHEN MATCHED AND s.{ACTION} = 'delete' THEN DELETE\n"
            f"WHEN MATCHED THEN UPDATE SET t.{SEQ} = s.{SEQ}, t.{OP} = s.{OP}\n"
            f"WHEN NOT MATCHED AND s.{ACTION} = 'upsert' THEN {insert_from('s', [*keys, SEQ, OP])}")
