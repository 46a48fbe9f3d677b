"""SCD type 2: every change to a tracked column opens a version ``[__START_AT, __END_AT)``.

Semantics (https://docs.databricks.com/aws/en/ldp/cdc, https://docs.databricks.com/aws/en/ldp/what-is-change-data-capture):

- ``__START_AT`` / ``__END_AT`` are ``sequence_by`` values (same type), not processing time;
  the current version has ``__END_AT`` null. A delete closes the version before it
  (``__END_AT`` = the delete's sequence) and opens nothing.
- History is rebuilt per affected key from everything known about it, in sequence order, so a
  late change lands in its place (a change between two versions splits the history) and
  several changes to one key in one batch give the whole chain.
- Track-history lists: a change to untracked columns only updates the current version in
  place (it keeps its ``__START_AT``); so does a change that repeats the tracked values.
- Ties at equal sequence values for one key: a delete wins over an upsert (FIELD_NOTES, and
  across batches: a delete at a version's ``__START_AT`` removes that version); a change
  already applied wins over a replayed one; two upserts in one batch: the one whose values
  compare greatest as JSON wins (deterministic).
- ``ignore_null_updates``: nulls in an update take the value of the version before it.

What is known about a key: its versions (the target rows) plus, in the hidden state table
``__cdc_state_<table>``, every delete (op ``delete``: a tombstone, so a late change before a
delete is closed by it even when the delete closed nothing) and, for a version updated in
place, the sequence of its last in-place update (op ``update``: so an older in-place update
arriving late, or replayed, cannot overwrite a newer one). Not kept: the values of earlier
in-place updates; a late *tracked* change inside a version that was updated in place therefore
splits it at the last in-place update, with the latest values.

Example:
    >>> plan = plan_scd2(spark, spec, batch, scratch, target, state)    # doctest: +SKIP
    >>> plan.target_rows                                                # doctest: +SKIP
    7
"""

from __future__ import annotations

from .spec import END_AT, START_AT
from ..runtime.names import quote, quote_name
from .tables import ACTION, DEL, OP, SEQ, Plan, all_same, insert_from, key_match, null_safe_on, renamed

PRIO = "__cdc_prio"  # 0 stored delete, 1 new delete, 2 stored upsert, 3 new upsert
RANK = "__cdc_rank"
SEG = "__cdc_seg"
VER = "__cdc_ver"
NEXT = "__cdc_next"
START = "__cdc_start"
LAST = "__cdc_is_last"
LAST_PRIO = "__cdc_last_prio"


def plan_scd2(spark, spec, batch, scratch, target: tuple[str, ...], state: tuple[str, ...]) -> Plan:
    """Compute what an SCD type 2 batch changes in the target and in the state table.

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
    types = {f.name: f.dataType for f in batch.output_schema.fields}
    k_cols = [F.col(quote(k)) for k in keys]
    ev = batch.events

    # What is stored for the keys of this batch, read once: the chain and both diffs below use it.
    # Five materialisations and one action for the counts in all (was five and four).
    touched = ev.select(*renamed(keys, "__cdc_k_")).distinct()
    old_rows = scratch.materialize(
        spark.table(quote_name(target)).join(touched, key_match(keys, "__cdc_k_"), "left_semi"))
    old_state = scratch.materialize(
        spark.table(quote_name(state)).join(touched, key_match(keys, "__cdc_k_"), "left_semi"))

    def events(df, seq, is_delete: bool, prio: int, with_values: bool = True):
        return df.select(*k_cols, seq.alias(SEQ), F.lit(is_delete).alias(DEL), F.lit(prio).alias(PRIO),
                         *[(F.col(quote(c)) if with_values else F.lit(None).cast(types[c])).alias(c)
                           for c in values])

    starts = events(old_rows, F.col(START_AT), False, 2)
    covering = old_rows.select(*renamed(keys, "__cdc_v_"),
                               F.col(START_AT).alias("__cdc_v_start"), F.col(END_AT).alias("__cdc_v_end"),
                               *renamed(values, "__cdc_vv_"))
    in_version = (key_match(keys, "__cdc_v_") & (F.col("__cdc_v_start") <= F.col(SEQ))
                  & (F.col("__cdc_v_end").isNull() | (F.col(SEQ) < F.col("__cdc_v_end"))))
    updates = (old_state.where(F.col(OP) == "update").join(covering, in_version, "inner")
               .select(*k_cols, F.col(SEQ), F.lit(False).alias(DEL), F.lit(2).alias(PRIO),
                       *[F.col(f"__cdc_vv_{i}").alias(c) for i, c in enumerate(values)]))
    tombstones = events(old_state.where(F.col(OP) == "delete"), F.col(SEQ), True, 0, with_values=False)
    new_deletes = ev.where(F.col(DEL)).select(
        *k_cols, F.col(SEQ), F.lit(True).alias(DEL), F.lit(1).alias(PRIO),
        *[F.lit(None).cast(types[c]).alias(c) for c in values])
    new_upserts = events(ev.where(~F.col(DEL)), F.col(SEQ), False, 3)
    allev = starts.unionByName(updates).unionByName(tombstones).unionByName(new_deletes) \
        .unionByName(new_upserts)

    # One event per (key, sequence): deletes, then stored, then the greatest values (JSON).
    tie = F.to_json(F.struct(*[F.col(quote(c)) for c in values])) if values else F.lit("")
    w_dup = Window.partitionBy(*k_cols, F.col(SEQ)).orderBy(F.col(PRIO), tie.desc())
    ranked = allev.withColumn(RANK, F.row_number().over(w_dup))
    chain = ranked.where(F.col(RANK) == 1).drop(RANK)

    w_key = Window.partitionBy(*k_cols).orderBy(SEQ)
    running = w_key.rowsBetween(Window.unboundedPreceding, Window.currentRow)
    if spec.ignore_null_updates and values:
        chain = chain.withColumn(SEG, F.sum(F.col(DEL).cast("int")).over(running))
        w_seg = Window.partitionBy(*k_cols, F.col(SEG)).orderBy(SEQ) \
            .rowsBetween(Window.unboundedPreceding, Window.currentRow)
        chain = chain.select(*k_cols, SEQ, DEL, PRIO, *[
            F.when(F.col(DEL), F.col(quote(c))).otherwise(
                F.last(F.col(quote(c)), ignorenulls=True).over(w_seg)).alias(c) for c in values])
    prev_del = F.lag(F.col(DEL)).over(w_key)
    same_tracked = all_same((F.col(quote(c)), F.lag(F.col(quote(c))).over(w_key), types[c])
                            for c in batch.tracked_cols)
    opens = ~F.col(DEL) & (prev_del.isNull() | prev_del | ~same_tracked)
    chain = (chain.withColumn("__cdc_opens", opens)
             .withColumn(NEXT, F.lead(F.col(SEQ)).over(w_key))
             .withColumn(VER, F.sum(F.col("__cdc_opens").cast("int")).over(running)))
    # A version's upserts (deletes are partitioned apart: they belong to no version).
    w_ver = Window.partitionBy(*k_cols, F.col(VER), F.col(DEL)).orderBy(SEQ)
    w_ver_all = w_ver.rowsBetween(Window.unboundedPreceding, Window.unboundedFollowing)
    chain = scratch.materialize(chain
                                .withColumn(START, F.first(F.col(SEQ)).over(w_ver_all))
                                .withColumn(LAST, F.lead(F.col(SEQ)).over(w_ver).isNull())
                                .withColumn(LAST_PRIO, F.last(F.col(PRIO)).over(w_ver_all)))
    ups, dels = chain.where(~F.col(DEL)), chain.where(F.col(DEL))

    # New history and new state for the affected keys, then the differences to the stored ones.
    new_rows = ups.where(F.col(LAST)).select(
        *k_cols, *[F.col(quote(c)) for c in values], F.col(START).alias(START_AT), F.col(NEXT).alias(END_AT))
    new_state = (dels.select(*k_cols, SEQ, F.lit("delete").alias(OP))
                 .unionByName(ups.where(F.col(LAST) & (F.col(SEQ) != F.col(START)))
                              .select(*k_cols, SEQ, F.lit("update").alias(OP))))
    target_changes = scratch.materialize(_row_diff(new_rows, old_rows, keys, values, types))
    state_changes = scratch.materialize(_state_diff(new_state, old_state, keys))

    # Counts, in one action: new changes kept, minus in-place updates already superseded by a
    # stored one; new deletes kept; rows of each MERGE source.
    stale = (F.col(PRIO) == 3) & (F.col(SEQ) != F.col(START)) & ~F.col(LAST) & (F.col(LAST_PRIO) == 2)
    counts = (chain.agg(F.sum(F.when((F.col(PRIO) == 3) & ~stale, 1).otherwise(0)).alias("applied"),
                        F.sum(F.when(F.col(DEL) & (F.col(PRIO) == 1), 1).otherwise(0)).alias("deletes"))
              .crossJoin(target_changes.agg(F.count(F.lit(1)).alias("target_rows")))
              .crossJoin(state_changes.agg(F.count(F.lit(1)).alias("state_rows"))).first())
    upserts, deletes = int(counts["applied"] or 0), int(counts["deletes"] or 0)
    return Plan(target_changes=target_changes, state_changes=state_changes, upserts=upserts,
                deletes=deletes, truncates=0, ignored=batch.rows_in - upserts - deletes,
                target_rows=int(counts["target_rows"]), state_rows=int(counts["state_rows"]))


def _row_diff(new_rows, old_rows, keys, values, types):
    """Rows to insert, update (values or ``__END_AT``) or delete, keyed by (keys, ``__START_AT``)."""
    from pyspark.sql import functions as F

    old = old_rows.select(*renamed(keys, "__cdc_o_"),
                          F.col(START_AT).alias("__cdc_o_start"), F.col(END_AT).alias("__cdc_o_end"),
                          *renamed(values, "__cdc_ov_"))
    on = key_match(keys, "__cdc_o_") & (F.col(START_AT) == F.col("__cdc_o_start"))
    joined = new_rows.join(old, on, "full_outer")
    unchanged = all_same([(F.col(END_AT), F.col("__cdc_o_end"), None)]
                         + [(F.col(quote(c)), F.col(f"__cdc_ov_{i}"), types[c]) for i, c in enumerate(values)])
    action = (F.when(F.col("__cdc_o_start").isNull(), "insert")
              .when(F.col(START_AT).isNull(), "delete")
              .when(~unchanged, "update"))
    return joined.select(
        *[F.when(F.col(START_AT).isNull(), F.col(f"__cdc_o_{i}")).otherwise(F.col(quote(k))).alias(k)
          for i, k in enumerate(keys)],
        *[F.col(quote(c)) for c in values],
        F.coalesce(F.col(START_AT), F.col("__cdc_o_start")).alias(START_AT), F.col(END_AT),
        action.alias(ACTION)).where(F.col(ACTION).isNotNull())


def _state_diff(new_state, old_state, keys):
    """State rows to insert or delete, keyed by (keys, sequence, op)."""
    from pyspark.sql import functions as F

    old = old_state.select(*renamed(keys, "__cdc_o_"),
                           F.col(SEQ).alias("__cdc_o_seq"), F.col(OP).alias("__cdc_o_op"))
    on = key_match(keys, "__cdc_o_") & (F.col(SEQ) == F.col("__cdc_o_seq")) & (F.col(OP) == F.col("__cdc_o_op"))
    joined = new_state.join(old, on, "full_outer")
    gone = F.col(SEQ).isNull()
    return joined.select(
        *[F.when(gone, F.col(f"__cdc_o_{i}")).otherwise(F.col(quote(k))).alias(k) for i, k in enumerate(keys)],
        F.coalesce(F.col(SEQ), F.col("__cdc_o_seq")).alias(SEQ),
        F.coalesce(F.col(OP), F.col("__cdc_o_op")).alias(OP),
        F.when(F.col("__cdc_o_seq").isNull(), "insert").when(gone, "delete").alias(ACTION),
    ).where(F.col(ACTION).isNotNull())


def target_merge_sql(target: str, view: str, keys, values) -> str:
    """The MERGE that applies SCD 2 row differences, matched on (keys, ``__START_AT``)."""
    sets = ", ".join(f"t.{quote(c)} = s.{quote(c)}" for c in [*values, END_AT])
    on = f"{null_safe_on('t', 's', keys)} AND t.{quote(START_AT)} = s.{quote(START_AT)}"
    return (f"MERGE INTO {target} t USING {view} s ON {on}\n"
            f"WHEN MATCHED AND s.{ACTION} = 'delete' THEN DELETE\n"
            f"WHEN MATCHED AND s.{ACTION} = 'update' THEN UPDATE SET {sets}\n"
            f"WHEN NOT MATCHED AND s.{ACTION} = 'insert' THEN {insert_from('s', [*keys, *values, START_AT, END_AT])}")


def state_merge_sql(state: str, view: str, keys) -> str:
    """The MERGE that applies SCD 2 state differences, matched on (keys, sequence, op)."""
    on = f"{null_safe_on('t', 's', keys)} AND t.{SEQ} = s.{SEQ} AND t.{OP} = s.{OP}"
    return (f"MERGE INTO {state} t USING {view} s ON {on}\n"
            f"WHEN MATCHED AND s.{ACTION} = 'delete' THEN DELETE\n"
            f"WHEN NOT MATCHED AND s.{ACTION} = 'insert' THEN {insert_from('s', [*keys, SEQ, OP])}")
