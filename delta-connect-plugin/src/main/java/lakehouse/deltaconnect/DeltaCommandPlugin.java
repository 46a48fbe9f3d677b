package lakehouse.deltaconnect;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.delta.tables.DeltaColumnBuilder;
import io.delta.tables.DeltaTable;
import io.delta.tables.DeltaTableBuilder;
import java.util.HashMap;
import lakehouse.deltaconnect.proto.CloneTable;
import lakehouse.deltaconnect.proto.CreateDeltaTable;
import lakehouse.deltaconnect.proto.DeltaCommand;
import lakehouse.deltaconnect.proto.DropFeatureSupport;
import lakehouse.deltaconnect.proto.VacuumTable;
import org.apache.spark.sql.classic.SparkSession;
import org.apache.spark.sql.connect.planner.SparkConnectPlanner;
import org.apache.spark.sql.connect.plugin.CommandPlugin;

/**
 * Runs Delta's {@code DeltaCommand} messages (Spark conf {@code spark.connect.extensions.command.classes})
 * through Delta's public Scala API: clone, vacuum, protocol upgrade, generate (manifest),
 * the table builders (create / createIfNotExists / replace / createOrReplace), and table features.
 * A command answers nothing; the Python client reopens the table itself.
 */
public final class DeltaCommandPlugin implements CommandPlugin {

  @Override
  public boolean process(byte[] bytes, SparkConnectPlanner planner) {
    DeltaCommand cmd;
    try {
      Any any = Any.parseFrom(bytes);
      if (!any.is(DeltaCommand.class)) {
        return false;
      }
      cmd = any.unpack(DeltaCommand.class);
    } catch (InvalidProtocolBufferException e) {
      return false;
    }
    SparkSession session = planner.session();
    switch (cmd.getCommandTypeCase()) {
      case CLONE_TABLE:
        cloneTable(session, cmd.getCloneTable());
        return true;
      case VACUUM_TABLE:
        VacuumTable v = cmd.getVacuumTable();
        DeltaTable vt = Tables.open(session, v.getTable());
        if (v.hasRetentionHours()) {
          vt.vacuum(v.getRetentionHours());
        } else {
          vt.vacuum();
        }
        return true;
      case UPGRADE_TABLE_PROTOCOL:
        Tables.open(session, cmd.getUpgradeTableProtocol().getTable()).upgradeTableProtocol(
            cmd.getUpgradeTableProtocol().getReaderVersion(), cmd.getUpgradeTableProtocol().getWriterVersion());
        return true;
      case GENERATE:
        Tables.open(session, cmd.getGenerate().getTable()).generate(cmd.getGenerate().getMode());
        return true;
      case CREATE_DELTA_TABLE:
        create(session, planner, cmd.getCreateDeltaTable());
        return true;
      case ADD_FEATURE_SUPPORT:
        Tables.open(session, cmd.getAddFeatureSupport().getTable())
            .addFeatureSupport(cmd.getAddFeatureSupport().getFeatureName());
        return true;
      case DROP_FEATURE_SUPPORT:
        DropFeatureSupport d = cmd.getDropFeatureSupport();
        DeltaTable dt = Tables.open(session, d.getTable());
        if (d.hasTruncateHistory()) {
          dt.dropFeatureSupport(d.getFeatureName(), d.getTruncateHistory());
        } else {
          dt.dropFeatureSupport(d.getFeatureName());
        }
        return true;
      default:
        throw new UnsupportedOperationException(
            "This Delta Connect plugin does not know the command " + cmd.getCommandTypeCase()
                + "; it was built from delta-spark 4.4.0's messages.");
    }
  }

  private static void cloneTable(SparkSession session, CloneTable c) {
    DeltaTable source = Tables.open(session, c.getTable());
    HashMap<String, String> props = new HashMap<>(c.getPropertiesMap());
    switch (c.getVersionOrTimestampCase()) {
      case VERSION:
        source.cloneAtVersion(c.getVersion(), c.getTarget(), c.getIsShallow(), c.getReplace(), props);
        break;
      case TIMESTAMP:
        source.cloneAtTimestamp(c.getTimestamp(), c.getTarget(), c.getIsShallow(), c.getReplace(), props);
        break;
      default:
        source.clone(c.getTarget(), c.getIsShallow(), c.getReplace(), props);
    }
  }

  private static void create(SparkSession session, SparkConnectPlanner planner, CreateDeltaTable c) {
    DeltaTableBuilder b;
    switch (c.getMode()) {
      case MODE_CREATE: b = DeltaTable.create(session); break;
      case MODE_CREATE_IF_NOT_EXISTS: b = DeltaTable.createIfNotExists(session); break;
      case MODE_REPLACE: b = DeltaTable.replace(session); break;
      case MODE_CREATE_OR_REPLACE: b = DeltaTable.createOrReplace(session); break;
      default: throw new IllegalArgumentException("CreateDeltaTable without a mode (" + c.getMode() + ").");
    }
    if (c.hasTableName()) {
      b = b.tableName(c.getTableName());
    }
    if (c.hasLocation()) {
      b = b.location(c.getLocation());
    }
    if (c.hasComment()) {
      b = b.comment(c.getComment());
    }
    for (CreateDeltaTable.Column col : c.getColumnsList()) {
      DeltaColumnBuilder cb = DeltaTable.columnBuilder(session, col.getName())
          .dataType(Tables.dataType(planner, col.getDataType()))
          .nullable(col.getNullable());
      if (col.hasGeneratedAlwaysAs()) {
        cb = cb.generatedAlwaysAs(col.getGeneratedAlwaysAs());
      }
      if (col.hasIdentityInfo()) {
        CreateDeltaTable.Column.IdentityInfo id = col.getIdentityInfo();
        cb = id.getAllowExplicitInsert()
            ? cb.generatedByDefaultAsIdentity(id.getStart(), id.getStep())
            : cb.generatedAlwaysAsIdentity(id.getStart(), id.getStep());
      }
      if (col.hasComment()) {
        cb = cb.comment(col.getComment());
      }
      b = b.addColumn(cb.build());
    }
    if (c.getPartitioningColumnsCount() > 0) {
      b = b.partitionedBy(c.getPartitioningColumnsList().toArray(new String[0]));
    }
    if (c.getClusteringColumnsCount() > 0) {
      b = b.clusterBy(c.getClusteringColumnsList().toArray(new String[0]));
    }
    for (java.util.Map.Entry<String, String> p : c.getPropertiesMap().entrySet()) {
      b = b.property(p.getKey(), p.getValue());
    }
    b.execute();
  }
}
