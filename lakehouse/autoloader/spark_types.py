"""Spark types for the ``cloudFiles`` source: Arrow mapping, inference from values, merging.

Light on purpose (no pandas, no ``pyarrow.compute``): Spark starts a fresh Python process for
the stream's planning and each one imports this package.

Example:
    >>> arrow_type(StructType([StructField("a", LongType())]))
    StructType(struct<a: int64>)
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
from pyspark.sql.types import (
    ArrayType, BinaryType, BooleanType, ByteType, DataType, DateType, DecimalType, DoubleType,
    FloatType, IntegerType, LongType, MapType, NullType, ShortType, StringType, StructField,
    StructType, TimestampNTZType, TimestampType,
)

_SIMPLE = {
    StringType: pa.string(), LongType: pa.int64(), IntegerType: pa.int32(), ShortType: pa.int16(),
    ByteType: pa.int8(), DoubleType: pa.float64(), FloatType: pa.float32(), BooleanType: pa.bool_(),
    DateType: pa.date32(), TimestampType: pa.timestamp("us", tz="UTC"),
    TimestampNTZType: pa.timestamp("us"), BinaryType: pa.binary(), NullType: pa.null(),
}


def arrow_type(spark_type: DataType) -> pa.DataType:
    """The Arrow type Spark expects for ``spark_type`` from a Python data source (as
    ``pyspark.sql.pandas.types.to_arrow_type(t, timezone="UTC")``, without importing pandas)."""
    simple = _SIMPLE.get(type(spark_type))
    if simple is not None:
        return simple
    if isinstance(spark_type, DecimalType):
        return pa.decimal128(spark_type.precision, spark_type.scale)
    if isinstance(spark_type, ArrayType):
        return pa.list_(arrow_type(spark_type.elementType))
    if isinstance(spark_type, MapType):
        return pa.map_(arrow_type(spark_type.keyType), arrow_type(spark_type.valueType))
    if isinstance(spark_type, StructType):
        return pa.struct([pa.field(f.name, arrow_type(f.dataType), nullable=f.nullable) for f in spark_type.fields])
    raise TypeError(f"no Arrow type for Spark type {spark_type.simpleString()}")


def arrow_schema(schema: StructType) -> pa.Schema:
    """The Arrow schema Spark checks a Python data source's record batches against."""
    return pa.schema([pa.field(f.name, arrow_type(f.dataType), nullable=f.nullable) for f in schema.fields])


def spark_type_of_arrow(at: pa.DataType, *, infer_types: bool, timestamps: bool = False) -> DataType:
    """The Spark type schema inference gives a parsed Arrow column.

    Args:
        at: the Arrow type pyarrow inferred.
        infer_types: ``cloudFiles.inferColumnTypes``; False keeps every leaf a string
            (structs and arrays keep their shape), as Databricks documents for JSON and CSV.
        timestamps: keep Arrow timestamps / dates as Spark timestamps / dates (CSV, Parquet);
            False turns them into strings (Spark's JSON inference does not infer timestamps).

    Example:
        >>> spark_type_of_arrow(pa.int64(), infer_types=True).simpleString()
        'bigint'
    """
    if pa.types.is_struct(at):
        return StructType([StructField(at.field(i).name, spark_type_of_arrow(
            at.field(i).type, infer_types=infer_types, timestamps=timestamps))
            for i in range(at.num_fields)])
    if pa.types.is_list(at) or pa.types.is_large_list(at):
        return ArrayType(spark_type_of_arrow(at.value_type, infer_types=infer_types, timestamps=timestamps))
    if not infer_types:
        return StringType()
    if pa.types.is_boolean(at):
        return BooleanType()
    if pa.types.is_integer(at):
        return LongType()
    if pa.types.is_floating(at):
        return DoubleType()
    if pa.types.is_decimal(at):
        return DecimalType(at.precision, at.scale)
    if timestamps and pa.types.is_timestamp(at):
        return TimestampType()
    if timestamps and pa.types.is_date(at):
        return DateType()
    if pa.types.is_binary(at) or pa.types.is_large_binary(at):
        return BinaryType()
    return StringType()


def spark_type_of_value(value: Any, *, infer_types: bool) -> DataType:
    """The Spark type schema inference gives one ``json.loads`` value (None -> NullType)."""
    if value is None:
        return NullType()
    if isinstance(value, dict):
        return StructType([StructField(k, spark_type_of_value(v, infer_types=infer_types))
                           for k, v in value.items()])
    if isinstance(value, list):
        element: DataType = NullType()
        for item in value:
            element = merge_types(element, spark_type_of_value(item, infer_types=infer_types))
        return ArrayType(element)
    if not infer_types:
        return StringType()
    if isinstance(value, bool):
        return BooleanType()
    if isinstance(value, int):
        return LongType()
    if isinstance(value, float):
        return DoubleType()
    return StringType()


_NUMERIC_ORDER = [ByteType, ShortType, IntegerType, LongType, DecimalType, FloatType, DoubleType]


def merge_types(a: DataType, b: DataType) -> DataType:
    """Merge two inferred types the way schema inference widens them (conflicts -> string).

    Example:
        >>> merge_types(LongType(), DoubleType()).simpleString()
        'double'
    """
    if isinstance(a, NullType):
        return b
    if isinstance(b, NullType) or a == b:
        return a
    if isinstance(a, StructType) and isinstance(b, StructType):
        return merge_struct(a, b)
    if isinstance(a, ArrayType) and isinstance(b, ArrayType):
        return ArrayType(merge_types(a.elementType, b.elementType))
    ta, tb = type(a), type(b)
    if ta in _NUMERIC_ORDER and tb in _NUMERIC_ORDER and DecimalType not in (ta, tb):
        return a if _NUMERIC_ORDER.index(ta) >= _NUMERIC_ORDER.index(tb) else b
    if {ta, tb} == {DateType, TimestampType}:
        return TimestampType()
    return StringType()


def merge_struct(a: StructType, b: StructType, *, keep_existing: bool = False) -> StructType:
    """Merge ``b`` into ``a`` matching names case-insensitively; new fields go to the end.

    Args:
        a: the first (or stored) struct; its names' casing wins.
        b: the struct to merge in.
        keep_existing: True for schema evolution (existing types never change, only new
            fields are added, as Databricks' ``addNewColumns`` documents).
    """
    fields = list(a.fields)
    index = {f.name.lower(): i for i, f in enumerate(fields)}
    for field in b.fields:
        i = index.get(field.name.lower())
        if i is None:
            index[field.name.lower()] = len(fields)
            fields.append(StructField(field.name, field.dataType, True))
            continue
        old = fields[i]
        if keep_existing:
            if isinstance(old.dataType, StructType) and isinstance(field.dataType, StructType):
                fields[i] = StructField(old.name, merge_struct(old.dataType, field.dataType,
                                                               keep_existing=True), True)
            continue
        fields[i] = StructField(old.name, merge_types(old.dataType, field.dataType), True)
    return StructType(fields)


def finalize_type(t: DataType) -> DataType:
    """Replace NullType (a column only ever null) with string, recursively."""
    if isinstance(t, NullType):
        return StringType()
    if isinstance(t, StructType):
        return StructType([StructField(f.name, finalize_type(f.dataType), True) for f in t.fields])
    if isinstance(t, ArrayType):
        return ArrayType(finalize_type(t.elementType))
    return t
