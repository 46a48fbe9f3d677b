package lakehouse.deltaconnect;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.delta.tables.DeltaTable;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import lakehouse.deltaconnect.proto.DeltaRelation;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.analysis.UnresolvedAttribute;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.classic.ExpressionUtils;
import org.apache.spark.sql.classic.SparkSession;
import org.apache.spark.sql.connect.common.DataTypeProtoConverter;
import org.apache.spark.sql.connect.planner.SparkConnectPlanner;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructType;

/** What both plugins share: Delta tables from their message, Spark Connect fields parsed with Spark's own classes. */
final class Tables {
  private static final String DELTA_RELATION_TYPE = "delta.connect.DeltaRelation";

  private Tables() {}

  /** The Delta table a {@code DeltaTable} message names, by path (with its Hadoop options) or by name. */
  static DeltaTable open(SparkSession session, lakehouse.deltaconnect.proto.DeltaTable table) {
    switch (table.getAccessTypeCase()) {
      case PATH:
        return DeltaTable.forPath(session, table.getPath().getPath(), table.getPath().getHadoopConfMap());
      case TABLE_OR_VIEW_NAME:
        return DeltaTable.forName(session, table.getTableOrViewName());
      default:
        throw new IllegalArgumentException("The DeltaTable message names neither a path nor a table.");
    }
  }

  /** The logical plan of a Dataset that Delta's API returned (already executed when it was a command). */
  static LogicalPlan plan(Dataset<Row> ds) {
    return ((org.apache.spark.sql.classic.Dataset<Row>) ds).logicalPlan();
  }

  /** The analyzed plan of a DataFrame (what Delta's own update and delete start from). */
  static LogicalPlan analyzed(Dataset<Row> ds) {
    return ((org.apache.spark.sql.classic.Dataset<Row>) ds).queryExecution().analyzed();
  }

  /** A DataFrame over a plan built by Spark Connect's planner. */
  static Dataset<Row> dataFrame(SparkSession session, LogicalPlan plan) {
    return org.apache.spark.sql.classic.Dataset.ofRows(session, plan);
  }

  /** One row, one column: the plan of a small answer such as isDeltaTable's boolean. */
  static LogicalPlan single(SparkSession session, String column, DataType type, Object value) {
    StructType schema = new StructType().add(column, type, false);
    List<Row> rows = new ArrayList<>();
    rows.add(org.apache.spark.sql.RowFactory.create(value));
    return plan(session.createDataFrame(rows, schema));
  }

  static org.apache.spark.connect.proto.Relation relation(ByteString bytes) {
    try {
      return org.apache.spark.connect.proto.Relation.parseFrom(bytes.toByteArray());
    } catch (Exception e) {
      throw new IllegalArgumentException("A Delta Connect message carries an unreadable Spark relation.", e);
    }
  }

  /** The expression in a bytes field, or empty when the client left it out (proto3 bytes have no presence). */
  static Optional<Expression> expression(SparkConnectPlanner planner, ByteString bytes) {
    if (bytes.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(planner.transformExpression(
          org.apache.spark.connect.proto.Expression.parseFrom(bytes.toByteArray())));
    } catch (org.sparkproject.connect.protobuf.InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("A Delta Connect message carries an unreadable Spark expression.", e);
    }
  }

  static Optional<Column> column(SparkConnectPlanner planner, ByteString bytes) {
    return expression(planner, bytes).map(ExpressionUtils::column);
  }

  /** A column name as Delta's builders take it (dotted parts, back-quoted where needed). */
  static String fieldName(Expression field) {
    if (field instanceof UnresolvedAttribute) {
      return ((UnresolvedAttribute) field).name();
    }
    return field.sql();
  }

  static DataType dataType(SparkConnectPlanner planner, ByteString bytes) {
    try {
      org.apache.spark.connect.proto.DataType dt = org.apache.spark.connect.proto.DataType.parseFrom(bytes.toByteArray());
      if (dt.hasUnparsed()) {
        return planner.parseDatatypeString(dt.getUnparsed().getDataTypeString());
      }
      return DataTypeProtoConverter.toCatalystType(dt);
    } catch (org.sparkproject.connect.protobuf.InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("A Delta Connect message carries an unreadable data type.", e);
    }
  }

  /** A merge/update/delete target: the client sends Scan(table), optionally under an alias. */
  static final class Target {
    final lakehouse.deltaconnect.proto.DeltaTable table;
    final Optional<String> alias;

    Target(lakehouse.deltaconnect.proto.DeltaTable table, Optional<String> alias) {
      this.table = table;
      this.alias = alias;
    }

    DeltaTable open(SparkSession session) {
      DeltaTable dt = Tables.open(session, table);
      return alias.isPresent() ? dt.as(alias.get()) : dt;
    }
  }

  static Target target(ByteString bytes) {
    org.apache.spark.connect.proto.Relation rel = relation(bytes);
    Optional<String> alias = Optional.empty();
    if (rel.hasSubqueryAlias()) {
      alias = Optional.of(rel.getSubqueryAlias().getAlias());
      rel = rel.getSubqueryAlias().getInput();
    }
    if (rel.hasExtension() && rel.getExtension().getTypeUrl().endsWith("/" + DELTA_RELATION_TYPE)) {
      try {
        DeltaRelation inner = DeltaRelation.parseFrom(rel.getExtension().getValue().toByteArray());
        if (inner.hasScan()) {
          return new Target(inner.getScan().getTable(), alias);
        }
      } catch (InvalidProtocolBufferException e) {
        throw new IllegalArgumentException("The target's Delta relation is unreadable.", e);
      }
    }
    throw new IllegalArgumentException(
        "The target must be a DeltaTable (DeltaTable.forName/forPath, optionally .alias(...)); got a "
            + rel.getRelTypeCase() + " relation.");
  }
}
