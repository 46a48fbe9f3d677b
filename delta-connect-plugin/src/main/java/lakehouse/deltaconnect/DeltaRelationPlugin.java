package lakehouse.deltaconnect;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.delta.tables.DeltaMergeBuilder;
import io.delta.tables.DeltaOptimizeBuilder;
import io.delta.tables.DeltaTable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import lakehouse.deltaconnect.proto.Assignment;
import lakehouse.deltaconnect.proto.ConvertToDelta;
import lakehouse.deltaconnect.proto.DeltaRelation;
import lakehouse.deltaconnect.proto.MergeIntoTable;
import lakehouse.deltaconnect.proto.OptimizeTable;
import lakehouse.deltaconnect.proto.RestoreTable;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.catalyst.TableIdentifier;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.Literal;
import org.apache.spark.sql.catalyst.plans.logical.DeleteFromTable;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.plans.logical.UpdateTable;
import org.apache.spark.sql.classic.SparkSession;
import org.apache.spark.sql.connect.planner.SparkConnectPlanner;
import org.apache.spark.sql.connect.plugin.RelationPlugin;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import scala.Option;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Turns Delta's {@code DeltaRelation} messages into logical plans (Spark conf
 * {@code spark.connect.extensions.relation.classes}).
 *
 * <p>Reads (scan, history, detail, isDeltaTable) stay lazy. Delete and update become the same
 * catalyst plans SQL {@code DELETE}/{@code UPDATE} make, so they run once when Spark executes
 * the plan and answer {@code num_affected_rows}. Merge, restore, optimize and convert go through
 * Delta's public builders, which run at once; their metrics are the plan handed back.
 */
public final class DeltaRelationPlugin implements RelationPlugin {

  @Override
  public Optional<LogicalPlan> transform(byte[] bytes, SparkConnectPlanner planner) {
    DeltaRelation rel;
    try {
      Any any = Any.parseFrom(bytes);
      if (!any.is(DeltaRelation.class)) {
        return Optional.empty();
      }
      rel = any.unpack(DeltaRelation.class);
    } catch (InvalidProtocolBufferException e) {
      return Optional.empty();
    }
    SparkSession session = planner.session();
    switch (rel.getRelationTypeCase()) {
      case SCAN:
        return Optional.of(Tables.plan(Tables.open(session, rel.getScan().getTable()).toDF()));
      case DESCRIBE_HISTORY:
        return Optional.of(Tables.plan(Tables.open(session, rel.getDescribeHistory().getTable()).history()));
      case DESCRIBE_DETAIL:
        return Optional.of(Tables.plan(Tables.open(session, rel.getDescribeDetail().getTable()).detail()));
      case CONVERT_TO_DELTA:
        return Optional.of(convert(session, planner, rel.getConvertToDelta()));
      case RESTORE_TABLE:
        return Optional.of(restore(session, rel.getRestoreTable()));
      case IS_DELTA_TABLE:
        return Optional.of(Tables.single(session, "value", DataTypes.BooleanType,
            DeltaTable.isDeltaTable(session, rel.getIsDeltaTable().getPath())));
      case DELETE_FROM_TABLE:
        return Optional.of(delete(session, planner, rel.getDeleteFromTable()));
      case UPDATE_TABLE:
        return Optional.of(update(session, planner, rel.getUpdateTable()));
      case MERGE_INTO_TABLE:
        return Optional.of(merge(session, planner, rel.getMergeIntoTable()));
      case OPTIMIZE_TABLE:
        return Optional.of(optimize(session, rel.getOptimizeTable()));
      default:
        throw new UnsupportedOperationException(
            "This Delta Connect plugin does not know the relation " + rel.getRelationTypeCase()
                + "; it was built from delta-spark 4.4.0's messages.");
    }
  }

  private static LogicalPlan convert(SparkSession session, SparkConnectPlanner planner, ConvertToDelta msg) {
    String id = msg.getIdentifier();
    switch (msg.getPartitionSchemaCase()) {
      case PARTITION_SCHEMA_STRING:
        DeltaTable.convertToDelta(session, id, msg.getPartitionSchemaString());
        break;
      case PARTITION_SCHEMA_STRUCT:
        DeltaTable.convertToDelta(session, id, (StructType) Tables.dataType(planner, msg.getPartitionSchemaStruct()));
        break;
      default:
        DeltaTable.convertToDelta(session, id);
    }
    // The client opens the result with DeltaTable.forName(identifier): a converted path
    // ("parquet.`/p`") is now "delta.`/p`"; a catalog name stays as it is.
    TableIdentifier parsed;
    try {
      parsed = session.sessionState().sqlParser().parseTableIdentifier(id);
    } catch (Exception e) {
      return Tables.single(session, "identifier", DataTypes.StringType, id);
    }
    String answer = id;
    if (parsed.database().isDefined() && parsed.table().contains("/")
        && (parsed.database().get().equalsIgnoreCase("parquet") || parsed.database().get().equalsIgnoreCase("iceberg"))) {
      answer = "delta.`" + parsed.table().replace("`", "``") + "`";
    }
    return Tables.single(session, "identifier", DataTypes.StringType, answer);
  }

  private static LogicalPlan restore(SparkSession session, RestoreTable msg) {
    DeltaTable dt = Tables.open(session, msg.getTable());
    if (msg.getVersionOrTimestampCase() == RestoreTable.VersionOrTimestampCase.TIMESTAMP) {
      return Tables.plan(dt.restoreToTimestamp(msg.getTimestamp()));
    }
    return Tables.plan(dt.restoreToVersion(msg.getVersion()));
  }

  private static LogicalPlan delete(SparkSession session, SparkConnectPlanner planner,
      lakehouse.deltaconnect.proto.DeleteFromTable msg) {
    LogicalPlan target = Tables.analyzed(Tables.target(msg.getTarget()).open(session).toDF());
    Expression condition = Tables.expression(planner, msg.getCondition()).orElse(Literal.TrueLiteral());
    return new DeleteFromTable(target, condition);
  }

  private static LogicalPlan update(SparkSession session, SparkConnectPlanner planner,
      lakehouse.deltaconnect.proto.UpdateTable msg) {
    LogicalPlan target = Tables.analyzed(Tables.target(msg.getTarget()).open(session).toDF());
    List<org.apache.spark.sql.catalyst.plans.logical.Assignment> set = new ArrayList<>();
    for (Assignment a : msg.getAssignmentsList()) {
      set.add(new org.apache.spark.sql.catalyst.plans.logical.Assignment(
          Tables.expression(planner, a.getField()).orElseThrow(),
          Tables.expression(planner, a.getValue()).orElseThrow()));
    }
    Optional<Expression> condition = Tables.expression(planner, msg.getCondition());
    return new UpdateTable(target, CollectionConverters.asScala(set).toSeq(),
        condition.isPresent() ? Option.apply(condition.get()) : Option.empty());
  }

  private static Map<String, Column> assignments(SparkConnectPlanner planner, List<Assignment> list) {
    Map<String, Column> out = new LinkedHashMap<>();
    for (Assignment a : list) {
      out.put(Tables.fieldName(Tables.expression(planner, a.getField()).orElseThrow()),
          Tables.column(planner, a.getValue()).orElseThrow());
    }
    return out;
  }

  private static LogicalPlan merge(SparkSession session, SparkConnectPlanner planner, MergeIntoTable msg) {
    DeltaTable target = Tables.target(msg.getTarget()).open(session);
    org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> source =
        Tables.dataFrame(session, planner.transformRelation(Tables.relation(msg.getSource())));
    DeltaMergeBuilder builder = target.merge(source, Tables.column(planner, msg.getCondition()).orElseThrow());
    for (MergeIntoTable.Action a : msg.getMatchedActionsList()) {
      Optional<Column> when = Tables.column(planner, a.getCondition());
      io.delta.tables.DeltaMergeMatchedActionBuilder b =
          when.isPresent() ? builder.whenMatched(when.get()) : builder.whenMatched();
      switch (a.getActionTypeCase()) {
        case DELETE_ACTION: builder = b.delete(); break;
        case UPDATE_ACTION: builder = b.update(assignments(planner, a.getUpdateAction().getAssignmentsList())); break;
        case UPDATE_STAR_ACTION: builder = b.updateAll(); break;
        default: throw new IllegalArgumentException("A WHEN MATCHED clause cannot " + a.getActionTypeCase() + ".");
      }
    }
    for (MergeIntoTable.Action a : msg.getNotMatchedActionsList()) {
      Optional<Column> when = Tables.column(planner, a.getCondition());
      io.delta.tables.DeltaMergeNotMatchedActionBuilder b =
          when.isPresent() ? builder.whenNotMatched(when.get()) : builder.whenNotMatched();
      switch (a.getActionTypeCase()) {
        case INSERT_ACTION: builder = b.insert(assignments(planner, a.getInsertAction().getAssignmentsList())); break;
        case INSERT_STAR_ACTION: builder = b.insertAll(); break;
        default: throw new IllegalArgumentException("A WHEN NOT MATCHED clause cannot " + a.getActionTypeCase() + ".");
      }
    }
    for (MergeIntoTable.Action a : msg.getNotMatchedBySourceActionsList()) {
      Optional<Column> when = Tables.column(planner, a.getCondition());
      io.delta.tables.DeltaMergeNotMatchedBySourceActionBuilder b =
          when.isPresent() ? builder.whenNotMatchedBySource(when.get()) : builder.whenNotMatchedBySource();
      switch (a.getActionTypeCase()) {
        case DELETE_ACTION: builder = b.delete(); break;
        case UPDATE_ACTION: builder = b.update(assignments(planner, a.getUpdateAction().getAssignmentsList())); break;
        default: throw new IllegalArgumentException(
            "A WHEN NOT MATCHED BY SOURCE clause cannot " + a.getActionTypeCase() + ".");
      }
    }
    if (msg.hasWithSchemaEvolution() && msg.getWithSchemaEvolution()) {
      builder = builder.withSchemaEvolution();
    }
    return Tables.plan(builder.execute());
  }

  private static LogicalPlan optimize(SparkSession session, OptimizeTable msg) {
    DeltaOptimizeBuilder builder = Tables.open(session, msg.getTable()).optimize();
    for (String filter : msg.getPartitionFiltersList()) {
      builder = builder.where(filter);
    }
    if (msg.getZorderColumnsCount() > 0) {
      return Tables.plan(builder.executeZOrderBy(msg.getZorderColumnsList().toArray(new String[0])));
    }
    return Tables.plan(builder.executeCompaction());
  }
}
