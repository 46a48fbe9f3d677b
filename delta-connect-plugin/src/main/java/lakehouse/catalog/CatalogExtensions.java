package lakehouse.catalog;

import java.util.List;
import org.apache.spark.sql.SparkSessionExtensions;
import org.apache.spark.sql.catalyst.analysis.UnresolvedRelation;
import org.apache.spark.sql.catalyst.plans.logical.CloneTableStatement;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.rules.Rule;
import org.apache.spark.sql.classic.SparkSession;
import scala.jdk.javaapi.CollectionConverters;
import scala.runtime.AbstractFunction1;
import scala.runtime.BoxedUnit;

/**
 * Session extensions of the course's catalogs: {@code spark.sql.extensions} lists this class
 * <em>before</em> Delta's {@code io.delta.sql.DeltaSparkSessionExtension} (rules run in that order).
 *
 * <p>{@link CloneTarget}: Delta resolves the target of {@code CREATE TABLE t [SHALLOW | DEEP] CLONE s}
 * and of {@code DeltaTable.clone(...)} by where its name lives. In {@code spark_catalog} it writes
 * the clone as one commit ({@code CLONE}); in any other catalog it first creates the table through
 * the catalog's {@code createTable} without a format and fails unless a Delta table comes back
 * ({@code DELTA_UNSUPPORTED_SOURCE}: the local default format is Parquet). The rule names the target
 * by its metastore database in {@code spark_catalog} (see {@link LocalCatalog}), so a clone into
 * {@code main.s.t} or {@code dev.s.t} is the same one-commit clone as before catalogs.
 *
 * <p>Databricks: https://docs.databricks.com/aws/en/sql/language-manual/delta-clone (CREATE TABLE CLONE),
 * https://docs.databricks.com/aws/en/delta/clone (clone into a Unity Catalog table).
 */
public final class CatalogExtensions extends AbstractFunction1<SparkSessionExtensions, BoxedUnit> {

  @Override
  public BoxedUnit apply(SparkSessionExtensions extensions) {
    extensions.injectResolutionRule(new AbstractFunction1<org.apache.spark.sql.SparkSession, Rule<LogicalPlan>>() {
      @Override
      public Rule<LogicalPlan> apply(org.apache.spark.sql.SparkSession session) {
        return new CloneTarget((SparkSession) session);
      }
    });
    return BoxedUnit.UNIT;
  }

  /** A clone statement whose target is a name in one of our catalogs: target named in spark_catalog. */
  static final class CloneTarget extends Rule<LogicalPlan> {
    private final SparkSession session;

    CloneTarget(SparkSession session) {
      this.session = session;
    }

    @Override
    public LogicalPlan apply(LogicalPlan plan) {
      if (!(plan instanceof CloneTableStatement)) {
        return plan; // CLONE is always a whole statement (SQL or DeltaTable.clone)
      }
      CloneTableStatement clone = (CloneTableStatement) plan;
      if (!(clone.target() instanceof UnresolvedRelation)) {
        return plan; // an existing target resolved to its table: Delta replaces it where it is
      }
      UnresolvedRelation target = (UnresolvedRelation) clone.target();
      List<String> parts = CollectionConverters.asJava(target.multipartIdentifier());
      String[] name = LocalCatalog.sessionTable(session.sessionState().catalogManager(), parts);
      if (name == null) {
        return plan;
      }
      UnresolvedRelation renamed = target.copy(
          CollectionConverters.asScala(List.of(name)).toSeq(), target.options(), target.isStreaming());
      return clone.copy(clone.source(), renamed, clone.ifNotExists(), clone.isReplaceCommand(),
          clone.isCreateCommand(), clone.tablePropertyOverrides(), clone.targetLocation());
    }
  }
}
