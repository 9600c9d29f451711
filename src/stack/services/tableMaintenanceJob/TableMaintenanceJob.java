package lambdalake.jobs;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.typeinfo.TypeHint;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.table.types.logical.RowType;
import org.apache.iceberg.CombinedScanTask;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.ExpireSnapshots;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.RewriteFiles;
import org.apache.iceberg.SerializableTable;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.flink.CatalogLoader;
import org.apache.iceberg.flink.FlinkSchemaUtil;
import org.apache.iceberg.flink.TableLoader;
import org.apache.iceberg.flink.sink.RowDataTaskWriterFactory;
import org.apache.iceberg.flink.source.RowDataRewriter;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.util.PropertyUtil;
import org.apache.iceberg.util.StructLikeWrapper;
import org.apache.iceberg.util.TableScanUtil;

/**
 * Maintenance of one Iceberg table, compaction then snapshot expiry, submitted to the session
 * cluster over the JobManager's REST API (/jars/{id}/run).
 *
 * <p>main() plans on the current snapshot: in each partition of the current spec, the data files
 * smaller than three quarters of the target size are bin-packed into groups (Iceberg's
 * TableScanUtil); groups of one file are left alone. The job rewrites each group into one file
 * (Iceberg's RowDataRewriter.RewriteMap), and a single committer, at the end of its input, commits
 * one `replace` snapshot validated from the planned snapshot: appends the ingestion job commits
 * meanwhile are kept (their files are not in the rewrite), so no row is lost or doubled, and older
 * snapshots a batch pinned still read their own files.
 *
 * <p>After the replace, the same committer expires the snapshot ids it was given (the control
 * plane's rule chooses them and never picks one a publication or a running batch pins), with
 * Iceberg's file cleanup: files that only expired snapshots referenced are deleted.
 *
 * <p>Iceberg's own RewriteDataFilesAction collects results to the client, which a job submitted
 * through /jars/run cannot do in Flink 2.1 ("Job client must be a CoordinationRequestGateway"):
 * hence the committer inside the job. The snapshot it commits carries the job id in its summary
 * (lambdalake.compaction-job), which is how the submitter finds what was rewritten.
 *
 * <p>Arguments: --uri (REST catalog), --table namespace.name, --job-name, --target-file-size-bytes
 * n, --rewrite true|false, --expire-snapshot-ids id,id,... (may be empty), optionally --warehouse
 * and any number of --property key=value (catalog client properties).
 */
public final class TableMaintenanceJob {
  static final String JOB_PROPERTY = "lambdalake.compaction-job";

  private TableMaintenanceJob() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> catalogProperties = new HashMap<>();
    String table = null;
    String jobName = "table maintenance";
    long targetFileSizeBytes = 128L * 1024 * 1024;
    List<Long> expire = new ArrayList<>();
    boolean rewrite = true;
    for (int i = 0; i < args.length; i += 2) {
      if (i + 1 >= args.length)
        throw new IllegalArgumentException("argument " + args[i] + " has no value");
      String value = args[i + 1];
      switch (args[i]) {
        case "--uri" -> catalogProperties.put("uri", value);
        case "--warehouse" -> catalogProperties.put("warehouse", value);
        case "--table" -> table = value;
        case "--job-name" -> jobName = value;
        case "--target-file-size-bytes" -> targetFileSizeBytes = Long.parseLong(value);
        case "--rewrite" -> rewrite = Boolean.parseBoolean(value);
        case "--expire-snapshot-ids" -> {
          for (String id : value.split(",")) if (!id.isBlank()) expire.add(Long.parseLong(id.trim()));
        }
        case "--property" -> {
          int eq = value.indexOf('=');
          if (eq <= 0)
            throw new IllegalArgumentException("--property " + value + " is not key=value");
          catalogProperties.put(value.substring(0, eq), value.substring(eq + 1));
        }
        default -> throw new IllegalArgumentException(
            "unknown argument " + args[i]
                + ": expected --uri, --warehouse, --table, --job-name, --target-file-size-bytes, --rewrite, --expire-snapshot-ids or --property");
      }
    }
    if (table == null || !catalogProperties.containsKey("uri"))
      throw new IllegalArgumentException("--uri and --table are required");

    CatalogLoader catalogLoader =
        CatalogLoader.rest("lake", new org.apache.hadoop.conf.Configuration(), catalogProperties);
    TableLoader tableLoader = TableLoader.fromCatalog(catalogLoader, TableIdentifier.parse(table));
    tableLoader.open();
    Table loaded = tableLoader.loadTable();
    Snapshot planned = loaded.currentSnapshot();
    List<CombinedScanTask> groups =
        planned == null || !rewrite ? List.of() : plan(loaded, planned, targetFileSizeBytes);
    List<DataFile> rewritten = new ArrayList<>();
    for (CombinedScanTask group : groups)
      for (FileScanTask file : group.files()) rewritten.add(file.file());

    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setRuntimeMode(RuntimeExecutionMode.BATCH);
    // Nothing to rewrite still runs the job (for the expiry, and a web-submitted main that runs no
    // job is an error); Flink 2.1's fromData fails on an empty collection ("Reached the end of the
    // collection"), so one empty list comes from a one-element sequence instead.
    DataStream<List<DataFile>> newFiles =
        groups.isEmpty()
            ? env.fromSequence(0, 0)
                .map(i -> Collections.<DataFile>emptyList())
                .returns(new TypeHint<List<DataFile>>() {})
            : env.fromData(groups, TypeInformation.of(CombinedScanTask.class))
                .setParallelism(1)
                .map(rewriteMap(loaded))
                .name("rewrite small files");
    newFiles
        .transform(
            "commit replace, expire snapshots",
            TypeInformation.of(Void.class),
            new CommitRewrite(
                tableLoader.clone(),
                planned == null ? -1 : planned.snapshotId(),
                planned == null ? -1 : planned.sequenceNumber(),
                rewritten,
                expire))
        .setParallelism(1)
        .sinkTo(new DiscardingSink<>())
        .setParallelism(1);
    env.execute(jobName);
  }

  /** Small files of the current spec, bin-packed per partition; groups of one are dropped. */
  private static List<CombinedScanTask> plan(Table table, Snapshot snapshot, long targetSize) {
    Map<StructLikeWrapper, List<FileScanTask>> byPartition = new HashMap<>();
    int specId = table.spec().specId();
    try (CloseableIterable<FileScanTask> files =
        table.newScan().useSnapshot(snapshot.snapshotId()).ignoreResiduals().planFiles()) {
      for (FileScanTask task : files) {
        boolean small = task.file().fileSizeInBytes() < targetSize * 3 / 4;
        if (!small || task.spec().specId() != specId || !task.deletes().isEmpty()) continue;
        StructLikeWrapper key =
            StructLikeWrapper.forType(table.spec().partitionType()).set(task.file().partition());
        byPartition.computeIfAbsent(key, k -> new ArrayList<>()).add(task);
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    List<CombinedScanTask> groups = new ArrayList<>();
    for (Collection<FileScanTask> partition : byPartition.values()) {
      if (partition.size() < 2) continue;
      try (CloseableIterable<CombinedScanTask> packed =
          TableScanUtil.planTasks(CloseableIterable.withNoopClose(partition), targetSize, 10, 0)) {
        for (CombinedScanTask group : packed) if (group.files().size() > 1) groups.add(group);
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
    return groups;
  }

  private static RowDataRewriter.RewriteMap rewriteMap(Table table) {
    String format =
        PropertyUtil.propertyAsString(
            table.properties(),
            TableProperties.DEFAULT_FILE_FORMAT,
            TableProperties.DEFAULT_FILE_FORMAT_DEFAULT);
    RowType rowType = FlinkSchemaUtil.convert(table.schema());
    return new RowDataRewriter.RewriteMap(
        table.schema(),
        PropertyUtil.propertyAsString(table.properties(), TableProperties.DEFAULT_NAME_MAPPING, null),
        table.io(),
        true,
        table.encryption(),
        new RowDataTaskWriterFactory(
            SerializableTable.copyOf(table),
            rowType,
            Long.MAX_VALUE,
            FileFormat.fromString(format),
            table.properties(),
            null,
            false));
  }

  /**
   * Collects the rewritten groups' new files and, at the end of input, commits them in one replace,
   * then expires the snapshots it was given.
   */
  static final class CommitRewrite extends AbstractStreamOperator<Void>
      implements OneInputStreamOperator<List<DataFile>, Void>, BoundedOneInput {
    private final TableLoader tableLoader;
    private final long plannedSnapshotId;
    private final long plannedSequenceNumber;
    private final List<DataFile> rewritten;
    private final List<Long> expire;
    private transient List<DataFile> added;

    CommitRewrite(TableLoader tableLoader, long plannedSnapshotId, long plannedSequenceNumber,
        List<DataFile> rewritten, List<Long> expire) {
      this.tableLoader = tableLoader;
      this.plannedSnapshotId = plannedSnapshotId;
      this.plannedSequenceNumber = plannedSequenceNumber;
      this.rewritten = rewritten;
      this.expire = expire;
    }

    @Override
    public void open() throws Exception {
      super.open();
      added = new ArrayList<>();
    }

    @Override
    public void processElement(StreamRecord<List<DataFile>> element) {
      added.addAll(element.getValue());
    }

    @Override
    public void endInput() throws Exception {
      tableLoader.open();
      Table table = tableLoader.loadTable();
      if (!rewritten.isEmpty()) replace(table);
      if (!expire.isEmpty()) expire(table);
    }

    private void replace(Table table) {
      RewriteFiles rewrite =
          table
              .newRewrite()
              .validateFromSnapshot(plannedSnapshotId)
              .dataSequenceNumber(plannedSequenceNumber);
      for (DataFile file : rewritten) rewrite.deleteFile(file);
      for (DataFile file : added) rewrite.addFile(file);
      rewrite.set(JOB_PROPERTY, getRuntimeContext().getJobInfo().getJobId().toString());
      try {
        rewrite.commit();
      } catch (RuntimeException e) {
        // The new files are in no snapshot: remove them before failing the job.
        for (DataFile file : added) table.io().deleteFile(file.location());
        throw e;
      }
    }

    private void expire(Table table) {
      table.refresh();
      // Only the named snapshots: none is older than 0, so Iceberg's own age and count rules
      // (5 days, the newest one per branch by default) retain every other one.
      ExpireSnapshots expiry = table.expireSnapshots().expireOlderThan(0).cleanExpiredFiles(true);
      int named = 0;
      for (long id : expire) {
        if (table.snapshot(id) == null) continue; // expired by an earlier run already
        expiry.expireSnapshotId(id);
        named++;
      }
      if (named > 0) expiry.commit();
    }

    @Override
    public void close() throws Exception {
      super.close();
      tableLoader.close();
    }
  }
}
