/**
 * The dimensions of a batch cycle (issue 17 item 3): at T0 the cycle reads each joined
 * dimension's log end with the fact's; before the batch runs it waits until each dimension's
 * ingestion has committed those offsets, then pins each dimension master's current snapshot right
 * after the fact master's. The run record keeps both (JSON by dimension name), so a resumed run
 * reads the same dimension rows and `maintain` keeps those snapshots while the run is in flight.
 */
import { ControlPlaneError } from '../errors.ts';
import { formatOffsets, offsetsReached, parseOffsets } from './ingestionProgress.ts';
import { pollUntil } from './poll.ts';
import type { BatchRunRecord } from './batchCycleStates.ts';
import type { LogOffsets, MetricRuntime, TableCatalog } from './ports.ts';

/** What the cycle waits for before it pins a master: an ingestion job's committed offsets. */
export interface IngestedTopic {
  topic: string;
  ingestionGroupId: string;
  ingestionJobName: string;
}

/** Waits (bounded) until `source`'s ingestion group has committed `target` (offsets at T0). */
export async function awaitIngested(
  log: LogOffsets,
  source: IngestedTopic,
  target: Record<number, string>,
  options: { timeoutMs: number; pollMs?: number; say: (message: string) => void },
): Promise<void> {
  let committed: Record<number, string> = {};
  await pollUntil(
    async () => {
      committed = await log.committed(source.ingestionGroupId, source.topic);
      return offsetsReached(committed, target) ? true : undefined;
    },
    {
      timeoutMs: options.timeoutMs,
      pollMs: options.pollMs,
      reason: () => {
        options.say(
          `ingestion committed ${formatOffsets(committed)}; needed ${formatOffsets(target)}`,
        );
        return `ingestion job '${source.ingestionJobName}' did not commit offsets ${formatOffsets(target)} of '${source.topic}' in time (committed ${formatOffsets(committed) || 'nothing'})`;
      },
    },
  );
}

/** The dimensions' log ends at T0 as the run record keeps them; undefined without dimensions. */
export async function dimensionLogEnds(
  metric: MetricRuntime,
  log: LogOffsets,
): Promise<string | undefined> {
  if (!metric.dimensions?.length) return undefined;
  const ends: Record<string, string> = {};
  for (const d of metric.dimensions) ends[d.name] = formatOffsets(await log.logEnd(d.topic));
  return JSON.stringify(ends);
}

/** Waits for every dimension's ingestion to reach its offsets at T0 (after the fact master's). */
export async function awaitDimensionsIngested(
  metric: MetricRuntime,
  record: BatchRunRecord,
  log: LogOffsets,
  options: { timeoutMs: number; pollMs?: number; say: (message: string) => void },
): Promise<void> {
  const ends = readJson(record.dimensionOffsetsAtT0, 'dimensionOffsetsAtT0');
  for (const d of metric.dimensions ?? [])
    await awaitIngested(log, d, parseOffsets(ends[d.name] ?? ''), options);
}

/** Each dimension master's current snapshot ('' when it has none), as the run record keeps them. */
export async function pinDimensions(
  metric: MetricRuntime,
  catalog: TableCatalog,
): Promise<string | undefined> {
  if (!metric.dimensions?.length) return undefined;
  const pins: Record<string, string> = {};
  for (const d of metric.dimensions)
    pins[d.name] = (await catalog.loadTable(d.masterTable))?.currentSnapshotId ?? '';
  return JSON.stringify(pins);
}

/** The pinned dimension snapshots of a run record, by dimension name. */
export function dimensionSnapshotsOf(
  record: Pick<BatchRunRecord, 'dimensionSnapshotIds'>,
): Record<string, string> {
  return readJson(record.dimensionSnapshotIds, 'dimensionSnapshotIds');
}

function readJson(text: string | undefined, field: string): Record<string, string> {
  if (!text) return {};
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)]));
  } catch {
    // reported below
  }
  throw new ControlPlaneError(
    'bad-input',
    `run record field ${field} is '${text}': expected a JSON object of dimension name to value`,
    false,
  );
}
