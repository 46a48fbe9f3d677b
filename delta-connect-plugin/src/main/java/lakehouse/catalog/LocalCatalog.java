package lakehouse.catalog;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.catalyst.analysis.NamespaceAlreadyExistsException;
import org.apache.spark.sql.catalyst.analysis.NoSuchNamespaceException;
import org.apache.spark.sql.catalyst.analysis.NoSuchTableException;
import org.apache.spark.sql.catalyst.analysis.NonEmptyNamespaceException;
import org.apache.spark.sql.catalyst.analysis.TableAlreadyExistsException;
import org.apache.spark.sql.classic.SparkSession;
import org.apache.spark.sql.connector.catalog.CatalogManager;
import org.apache.spark.sql.connector.catalog.CatalogPlugin;
import org.apache.spark.sql.connector.catalog.Column;
import org.apache.spark.sql.connector.catalog.DelegatingTable;
import org.apache.spark.sql.connector.catalog.TableSummary;
import org.apache.spark.sql.connector.catalog.Identifier;
import org.apache.spark.sql.connector.catalog.NamespaceChange;
import org.apache.spark.sql.connector.catalog.StagedTable;
import org.apache.spark.sql.connector.catalog.StagingTableCatalog;
import org.apache.spark.sql.connector.catalog.SupportsNamespaces;
import org.apache.spark.sql.connector.catalog.Table;
import org.apache.spark.sql.connector.catalog.TableCatalog;
import org.apache.spark.sql.connector.catalog.TableChange;
import org.apache.spark.sql.connector.catalog.TableInfo;
import org.apache.spark.sql.connector.catalog.V1Table;
import org.apache.spark.sql.connector.catalog.V1View;
import org.apache.spark.sql.connector.catalog.View;
import org.apache.spark.sql.connector.catalog.Relation;
import org.apache.spark.sql.connector.catalog.RelationCatalog;
import org.apache.spark.sql.catalyst.TableIdentifier;
import org.apache.spark.sql.catalyst.analysis.NoSuchViewException;
import org.apache.spark.sql.catalyst.analysis.ViewAlreadyExistsException;
import org.apache.spark.sql.catalyst.catalog.CatalogTable;
import org.apache.spark.sql.catalyst.catalog.CatalogTableType;
import org.apache.spark.sql.catalyst.catalog.SessionCatalog;
import org.apache.spark.sql.connector.expressions.Transform;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

/**
 * One Unity Catalog catalog on open-source Spark: {@code spark.sql.catalog.<name>=lakehouse.catalog.LocalCatalog}.
 *
 * <p>Every call is forwarded to the session catalog ({@code spark_catalog}, Delta's {@code DeltaCatalog}
 * over the Hive metastore) with the namespace mapped to one metastore database:
 *
 * <ul>
 *   <li>the <em>root</em> catalog (the engine's {@code spark.sql.defaultCatalog}, {@code main} unless
 *       {@code LAKEHOUSE_CATALOG} says otherwise): schema {@code s} is database {@code s}, so
 *       {@code main.s.t} and {@code spark_catalog.s.t} are one table;
 *   <li>any other catalog {@code c}: schema {@code s} is database {@code c__s}; the catalog itself is
 *       the marker database {@code c__} (created by {@code CREATE CATALOG} in {@code lakehouse.sql}).
 *       Catalog names never contain {@code __}, so the mapping reverses at the first {@code __}.
 * </ul>
 *
 * <p>A two-level namespace {@code [c, s]} is catalog {@code c}, schema {@code s}: Spark hands
 * {@code c.s.t} to the current catalog when {@code c} is not registered in the session, so every
 * catalog recorded in the metastore answers in every session, whoever opened it.
 *
 * <p>Databricks: https://docs.databricks.com/aws/en/data-governance/unity-catalog/ (three-level namespace).
 */
public class LocalCatalog implements RelationCatalog, StagingTableCatalog, SupportsNamespaces {
  /** Separator between catalog and schema in a metastore database name. */
  public static final String SEPARATOR = "__";

  private String name;
  private String root;

  @Override
  public void initialize(String name, CaseInsensitiveStringMap options) {
    this.name = name.toLowerCase();
    String fromOption = options.get("root");
    this.root = (fromOption != null ? fromOption
        : SparkSession.active().sparkContext().conf().get("spark.sql.defaultCatalog", "main")).toLowerCase();
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String[] defaultNamespace() {
    return new String[] {"default"};
  }

  // --- the session catalog and the name mapping ------------------------------------------------

  private static CatalogPlugin session() {
    return SparkSession.active().sessionState().catalogManager().v2SessionCatalog();
  }

  private static TableCatalog tables() {
    return (TableCatalog) session();
  }

  private static StagingTableCatalog staging() {
    return (StagingTableCatalog) session();
  }

  private static SupportsNamespaces namespaces() {
    return (SupportsNamespaces) session();
  }

  /** The metastore database of schema {@code schema} in catalog {@code catalog}. */
  String database(String catalog, String schema) {
    String c = catalog.toLowerCase();
    return c.equals(root) ? schema : c + SEPARATOR + schema;
  }

  private static boolean databaseExists(String db) {
    return namespaces().namespaceExists(new String[] {db});
  }

  /** True when {@code catalog} is the root catalog or its marker database exists. */
  boolean catalogExists(String catalog) {
    String c = catalog.toLowerCase();
    return c.equals(root) || databaseExists(c + SEPARATOR);
  }

  /** A Delta or file path identifier such as {@code delta.`/tmp/t`}: passed through unchanged. */
  private static boolean isPath(Identifier ident) {
    return ident.namespace().length == 1 && ident.name().contains("/")
        && Arrays.asList("delta", "parquet", "json", "csv", "orc", "text", "avro", "binaryfile")
            .contains(ident.namespace()[0].toLowerCase());
  }

  /** The session-catalog namespace of {@code namespace} as this catalog sees it. */
  String[] toSession(String[] namespace) throws NoSuchNamespaceException {
    if (namespace.length == 1) {
      if (name.equals(root) && namespace[0].contains(SEPARATOR)) {
        throw new NoSuchNamespaceException(new String[] {name, namespace[0]});
      }
      return new String[] {database(name, namespace[0])};
    }
    if (namespace.length == 2) {
      if (namespace[0].contains(SEPARATOR) || !catalogExists(namespace[0])) {
        throw new NoSuchNamespaceException(namespace);
      }
      return new String[] {database(namespace[0], namespace[1])};
    }
    throw new NoSuchNamespaceException(namespace);
  }

  /**
   * The session-catalog name {@code [spark_catalog, database, table]} of a table name as Spark resolves
   * it (a registered catalog first, else the current catalog and namespace), or null when the name is
   * not in one of our catalogs, names a path ({@code delta.`/p`}) or a schema that does not exist.
   */
  public static String[] sessionTable(CatalogManager manager, List<String> parts) {
    int n = parts.size();
    if (n == 0 || n > 3) {
      return null;
    }
    CatalogPlugin catalog = manager.currentCatalog();
    String[] namespace = manager.currentNamespace();
    if (n > 1) {
      boolean named = manager.isCatalogRegistered(parts.get(0));
      catalog = named ? manager.catalog(parts.get(0)) : catalog;
      namespace = parts.subList(named ? 1 : 0, n - 1).toArray(new String[0]);
    }
    Identifier ident = Identifier.of(namespace, parts.get(n - 1));
    if (!(catalog instanceof LocalCatalog) || isPath(ident) || namespace.length == 0) {
      return null;
    }
    try {
      String db = ((LocalCatalog) catalog).toSession(namespace)[0];
      return new String[] {CatalogManager.SESSION_CATALOG_NAME(), db, ident.name()};
    } catch (NoSuchNamespaceException e) {
      return null;
    }
  }

  private Identifier toSession(Identifier ident) throws NoSuchNamespaceException {
    return isPath(ident) ? ident : Identifier.of(toSession(ident.namespace()), ident.name());
  }

  /** Like {@link #toSession(Identifier)} for calls whose signature cannot throw NoSuchNamespaceException. */
  private Identifier toSessionOrMissing(Identifier ident) throws NoSuchTableException {
    try {
      return toSession(ident);
    } catch (NoSuchNamespaceException e) {
      throw new NoSuchTableException(ident);
    }
  }

  /** The schema name, in the namespace form the caller used, of a session-catalog database; null if not ours. */
  private String[] fromSession(String database, String[] asAsked) {
    String catalog = asAsked.length == 2 ? asAsked[0].toLowerCase() : name;
    if (catalog.equals(root)) {
      return database.contains(SEPARATOR) ? null : wrap(asAsked, database);
    }
    String prefix = catalog + SEPARATOR;
    if (!database.startsWith(prefix) || database.length() == prefix.length()) {
      return null;
    }
    return wrap(asAsked, database.substring(prefix.length()));
  }

  private static String[] wrap(String[] asAsked, String schema) {
    return asAsked.length == 2 ? new String[] {asAsked[0], schema} : new String[] {schema};
  }

  // --- namespaces -----------------------------------------------------------------------------

  @Override
  public String[][] listNamespaces() throws NoSuchNamespaceException {
    List<String[]> out = new ArrayList<>();
    for (String[] ns : namespaces().listNamespaces()) {
      String[] mine = ns.length == 1 ? fromSession(ns[0], new String[] {"x"}) : null;
      if (mine != null) {
        out.add(mine);
      }
    }
    return out.toArray(new String[0][]);
  }

  @Override
  public String[][] listNamespaces(String[] namespace) throws NoSuchNamespaceException {
    if (namespace.length == 0) {
      return listNamespaces();
    }
    if (namespace.length == 1 && !databaseExists(toSession(namespace)[0])
        && catalogExists(namespace[0]) && !namespace[0].contains(SEPARATOR)) {
      // SHOW SCHEMAS IN c where c is a catalog not registered in this session
      List<String[]> out = new ArrayList<>();
      for (String[] ns : namespaces().listNamespaces()) {
        String[] mine = ns.length == 1 ? fromSession(ns[0], new String[] {namespace[0], "x"}) : null;
        if (mine != null) {
          out.add(mine);
        }
      }
      return out.toArray(new String[0][]);
    }
    if (!namespaceExists(namespace)) {
      throw new NoSuchNamespaceException(namespace);
    }
    return new String[0][];
  }

  @Override
  public boolean namespaceExists(String[] namespace) {
    try {
      return databaseExists(toSession(namespace)[0]);
    } catch (NoSuchNamespaceException e) {
      return false;
    }
  }

  @Override
  public Map<String, String> loadNamespaceMetadata(String[] namespace) throws NoSuchNamespaceException {
    return namespaces().loadNamespaceMetadata(toSession(namespace));
  }

  @Override
  public void createNamespace(String[] namespace, Map<String, String> metadata)
      throws NamespaceAlreadyExistsException {
    String[] target;
    try {
      target = toSession(namespace);
    } catch (NoSuchNamespaceException e) {
      throw new IllegalArgumentException("[SCHEMA_NOT_CREATED] Cannot create schema " + String.join(".", namespace)
          + " in catalog " + name + ": its catalog does not exist or the name contains '" + SEPARATOR
          + "' (reserved locally). Run SHOW CATALOGS to list the catalogs; CREATE CATALOG makes one.");
    }
    String catalog = namespace.length == 2 ? namespace[0] : name;
    if (!catalogExists(catalog)) {
      throw new IllegalArgumentException("[NO_SUCH_CATALOG_EXCEPTION] The catalog '" + catalog
          + "' was not found. Run SHOW CATALOGS to list the catalogs; CREATE CATALOG makes one.");
    }
    namespaces().createNamespace(target, metadata);
  }

  @Override
  public void alterNamespace(String[] namespace, NamespaceChange... changes) throws NoSuchNamespaceException {
    namespaces().alterNamespace(toSession(namespace), changes);
  }

  @Override
  public boolean dropNamespace(String[] namespace, boolean cascade)
      throws NoSuchNamespaceException, NonEmptyNamespaceException {
    return namespaces().dropNamespace(toSession(namespace), cascade);
  }

  // --- tables ---------------------------------------------------------------------------------

  @Override
  public Identifier[] listTables(String[] namespace) throws NoSuchNamespaceException {
    List<Identifier> out = new ArrayList<>();
    try {
      for (TableSummary t : tables().listTableSummaries(toSession(namespace))) {
        if (!TableSummary.VIEW_TABLE_TYPE.equals(t.tableType())) { // views: listViews
          out.add(Identifier.of(namespace, t.identifier().name()));
        }
      }
    } catch (NoSuchTableException e) {
      throw new NoSuchNamespaceException(namespace);
    }
    return out.toArray(new Identifier[0]);
  }

  /**
   * Whether a table exists. A Delta path identifier ({@code delta.`/p`}) exists when {@code /p} holds a
   * Delta log: Delta's catalog answers any path with a table object, so the default (a successful
   * lookup) called every path an existing table, and {@code CREATE TABLE IF NOT EXISTS delta.`/p`}
   * created nothing while the current catalog was this one.
   */
  @Override
  public boolean tableExists(Identifier ident) {
    if (isPath(ident)) {
      if (!ident.namespace()[0].equalsIgnoreCase("delta")) {
        return false;
      }
      // local paths only (the course's file system): a plain path or a file: URI
      String path = ident.name().startsWith("file:") ? java.net.URI.create(ident.name()).getPath() : ident.name();
      return java.nio.file.Files.isDirectory(java.nio.file.Paths.get(path, "_delta_log"));
    }
    return RelationCatalog.super.tableExists(ident);
  }

  /** A table (Delta's {@code DeltaTableV2} for Delta tables) or a view (Spark 4.2 wants one lookup for both). */
  @Override
  public Relation loadRelation(Identifier ident) throws NoSuchTableException {
    Table table = tables().loadTable(toSessionOrMissing(ident));
    if (!(table instanceof V1Table)) {
      return table; // Delta's DeltaTableV2
    }
    V1Table v1Table = (V1Table) table;
    if (isView(v1Table.v1Table())) {
      return new V1View(v1Table.v1Table());
    }
    // A non-Delta table (CSV, JSON, Parquet ... USING): Spark 4.2 reads a DelegatingTable from a
    // non-session catalog through its v1 data source path, as it does in spark_catalog.
    TableInfo.Builder info = new TableInfo.Builder();
    info.withColumns(v1Table.columns());
    info.withProperties(v1Table.properties());
    info.withPartitions(v1Table.partitioning());
    return new DelegatingTable(info.build(), v1Table.name());
  }

  @Override
  public Table loadTable(Identifier ident, String version) throws NoSuchTableException {
    return tables().loadTable(toSessionOrMissing(ident), version);
  }

  @Override
  public Table loadTable(Identifier ident, long timestamp) throws NoSuchTableException {
    return tables().loadTable(toSessionOrMissing(ident), timestamp);
  }

  @Override
  public void invalidateTable(Identifier ident) {
    try {
      tables().invalidateTable(toSession(ident));
    } catch (NoSuchNamespaceException e) {
      // nothing cached for a schema that does not exist
    }
  }

  @Override
  @SuppressWarnings("deprecation")
  public Table createTable(Identifier ident, StructType schema, Transform[] partitions, Map<String, String> properties)
      throws TableAlreadyExistsException, NoSuchNamespaceException {
    return tables().createTable(toSession(ident), schema, partitions, properties);
  }

  @Override
  public Table createTable(Identifier ident, Column[] columns, Transform[] partitions, Map<String, String> properties)
      throws TableAlreadyExistsException, NoSuchNamespaceException {
    return tables().createTable(toSession(ident), columns, partitions, properties);
  }

  @Override
  public Table createTable(Identifier ident, TableInfo info) throws TableAlreadyExistsException, NoSuchNamespaceException {
    return tables().createTable(toSession(ident), info);
  }

  @Override
  public Table alterTable(Identifier ident, TableChange... changes) throws NoSuchTableException {
    return tables().alterTable(toSessionOrMissing(ident), changes);
  }

  @Override
  public boolean dropTable(Identifier ident) {
    try {
      return tables().dropTable(toSession(ident));
    } catch (NoSuchNamespaceException e) {
      return false;
    }
  }

  @Override
  public boolean purgeTable(Identifier ident) {
    try {
      return tables().purgeTable(toSession(ident));
    } catch (NoSuchNamespaceException e) {
      return false;
    }
  }

  @Override
  public void renameTable(Identifier from, Identifier to) throws NoSuchTableException, TableAlreadyExistsException {
    try {
      tables().renameTable(toSessionOrMissing(from), toSession(to));
    } catch (NoSuchNamespaceException e) {
      throw new NoSuchTableException(to);
    }
  }

  @Override
  public java.util.Set<org.apache.spark.sql.connector.catalog.TableCatalogCapability> capabilities() {
    return tables().capabilities();
  }

  @Override
  public boolean useNullableQuerySchema() {
    return tables().useNullableQuerySchema();
  }

  // --- CTAS / REPLACE: Delta's staged tables ----------------------------------------------------

  @Override
  @SuppressWarnings("deprecation")
  public StagedTable stageCreate(Identifier ident, StructType schema, Transform[] partitions, Map<String, String> props)
      throws TableAlreadyExistsException, NoSuchNamespaceException {
    return staging().stageCreate(toSession(ident), schema, partitions, props);
  }

  @Override
  public StagedTable stageCreate(Identifier ident, Column[] columns, Transform[] partitions, Map<String, String> props)
      throws TableAlreadyExistsException, NoSuchNamespaceException {
    return staging().stageCreate(toSession(ident), columns, partitions, props);
  }

  @Override
  public StagedTable stageCreate(Identifier ident, TableInfo info)
      throws TableAlreadyExistsException, NoSuchNamespaceException {
    return staging().stageCreate(toSession(ident), info);
  }

  @Override
  @SuppressWarnings("deprecation")
  public StagedTable stageReplace(Identifier ident, StructType schema, Transform[] partitions, Map<String, String> props)
      throws NoSuchNamespaceException, NoSuchTableException {
    return staging().stageReplace(toSession(ident), schema, partitions, props);
  }

  @Override
  public StagedTable stageReplace(Identifier ident, Column[] columns, Transform[] partitions, Map<String, String> props)
      throws NoSuchNamespaceException, NoSuchTableException {
    return staging().stageReplace(toSession(ident), columns, partitions, props);
  }

  @Override
  public StagedTable stageReplace(Identifier ident, TableInfo info) throws NoSuchNamespaceException, NoSuchTableException {
    return staging().stageReplace(toSession(ident), info);
  }

  @Override
  @SuppressWarnings("deprecation")
  public StagedTable stageCreateOrReplace(Identifier ident, StructType schema, Transform[] partitions,
      Map<String, String> props) throws NoSuchNamespaceException {
    return staging().stageCreateOrReplace(toSession(ident), schema, partitions, props);
  }

  @Override
  public StagedTable stageCreateOrReplace(Identifier ident, Column[] columns, Transform[] partitions,
      Map<String, String> props) throws NoSuchNamespaceException {
    return staging().stageCreateOrReplace(toSession(ident), columns, partitions, props);
  }

  @Override
  public StagedTable stageCreateOrReplace(Identifier ident, TableInfo info) throws NoSuchNamespaceException {
    return staging().stageCreateOrReplace(toSession(ident), info);
  }

  // --- views: CREATE VIEW c.s.v is stored as a Hive view in the mapped database ------------------

  private static SessionCatalog v1() {
    return SparkSession.active().sessionState().catalog();
  }

  private static boolean isView(CatalogTable table) {
    return table.tableType().equals(CatalogTableType.VIEW());
  }

  private static TableIdentifier v1Name(Identifier sessionIdent) {
    return new TableIdentifier(sessionIdent.name(), scala.Option.apply(sessionIdent.namespace()[0]));
  }

  /** The Hive view behind {@code ident}, or null when there is none. */
  private CatalogTable hiveView(Identifier ident) {
    try {
      Relation relation = loadRelation(ident);
      return relation instanceof V1View ? ((V1View) relation).v1Table() : null;
    } catch (NoSuchTableException e) {
      return null;
    }
  }

  @Override
  public Identifier[] listViews(String[] namespace) throws NoSuchNamespaceException {
    String db = toSession(namespace)[0];
    List<Identifier> out = new ArrayList<>();
    scala.collection.Iterator<TableIdentifier> it = v1().listTables(db).iterator();
    while (it.hasNext()) {
      TableIdentifier t = it.next();
      if (hiveView(Identifier.of(namespace, t.table())) != null) {
        out.add(Identifier.of(namespace, t.table()));
      }
    }
    return out.toArray(new Identifier[0]);
  }

  private CatalogTable toHive(Identifier ident, View view) throws NoSuchNamespaceException {
    return V1Table.toCatalogTable(session(), toSession(ident), view);
  }

  @Override
  public View createView(Identifier ident, View view) throws ViewAlreadyExistsException, NoSuchNamespaceException {
    if (tableExists(ident) || viewExists(ident)) {
      throw new ViewAlreadyExistsException(ident);
    }
    v1().createTable(toHive(ident, view), false, true);
    return view;
  }

  @Override
  public View replaceView(Identifier ident, View view) throws NoSuchViewException {
    if (!viewExists(ident)) {
      throw new NoSuchViewException(ident);
    }
    try {
      v1().alterTable(toHive(ident, view));
    } catch (NoSuchNamespaceException e) {
      throw new NoSuchViewException(ident);
    }
    return view;
  }

  @Override
  public boolean dropView(Identifier ident) {
    if (!viewExists(ident)) {
      return false;
    }
    try {
      v1().dropTable(v1Name(toSession(ident)), true, false);
      return true;
    } catch (NoSuchNamespaceException e) {
      return false;
    }
  }

  @Override
  public void renameView(Identifier from, Identifier to) throws NoSuchViewException, ViewAlreadyExistsException {
    if (!viewExists(from)) {
      throw new NoSuchViewException(from);
    }
    if (viewExists(to) || tableExists(to)) {
      throw new ViewAlreadyExistsException(to);
    }
    try {
      v1().renameTable(v1Name(toSession(from)), v1Name(toSession(to)));
    } catch (NoSuchNamespaceException e) {
      throw new NoSuchViewException(to);
    }
  }
}
