import { ControlPlaneError } from '../errors.ts';

/**
 * What "published" means (DESIGN §5): a tag on the batch view table pointing at the published
 * snapshot S, plus table properties recording {cutover C, version, master snapshot M, time}. Both
 * change in ONE catalog commit that requires the tag to still be where this publisher last saw it,
 * so of two concurrent publishers exactly one wins; the other gets a 409 CommitFailed.
 */

export const PUBLISHED_TAG = 'lambdalake-published';

const PREFIX = 'lambdalake.published.';

/** Snapshot ids are Iceberg int64s: kept as decimal strings so no digit is lost in JavaScript. */
export interface Publication {
  snapshotId: string;
  /** ISO-8601 instant, aligned to the metric's grain. */
  cutover: string;
  version: string;
  masterSnapshotId: string | null;
  /** The joined dimensions' master snapshots read with M (JSON of name to id); absent without joins. */
  dimensionSnapshotIds?: string;
  publishedAt: string;
  runId: string;
}

/** A requirement or update exactly as the Iceberg REST spec spells it (ids still as strings). */
export type CommitRequirement = {
  type: 'assert-ref-snapshot-id';
  ref: string;
  'snapshot-id': string | null;
};
export type CommitUpdate =
  | {
      action: 'set-snapshot-ref';
      'ref-name': string;
      type: 'tag' | 'branch';
      'snapshot-id': string;
    }
  | { action: 'set-properties'; updates: Record<string, string> }
  | { action: 'remove-properties'; removals: string[] };

export interface PublishCommit {
  requirements: CommitRequirement[];
  updates: CommitUpdate[];
}

/** The properties that record a publication next to its tag. */
export function publicationProperties(p: Publication): Record<string, string> {
  return {
    [`${PREFIX}snapshot-id`]: p.snapshotId,
    [`${PREFIX}cutover`]: p.cutover,
    [`${PREFIX}version`]: p.version,
    [`${PREFIX}master-snapshot-id`]: p.masterSnapshotId ?? '',
    [`${PREFIX}at`]: p.publishedAt,
    [`${PREFIX}run-id`]: p.runId,
    ...(p.dimensionSnapshotIds
      ? { [`${PREFIX}dimension-snapshot-ids`]: p.dimensionSnapshotIds }
      : {}),
  };
}

/** Reads the current publication back from table properties and refs; null when nothing was published. */
export function readPublication(
  properties: Record<string, string>,
  refs: Record<string, { 'snapshot-id': string }>,
): Publication | null {
  const tag = refs[PUBLISHED_TAG];
  const cutover = properties[`${PREFIX}cutover`];
  if (!cutover) return null;
  return {
    // An empty batch side (no rows below the cutover yet) is published without a tag.
    snapshotId: tag?.['snapshot-id'] ?? '',
    cutover,
    version: properties[`${PREFIX}version`] ?? '',
    masterSnapshotId: properties[`${PREFIX}master-snapshot-id`] || null,
    publishedAt: properties[`${PREFIX}at`] ?? '',
    runId: properties[`${PREFIX}run-id`] ?? '',
    ...(properties[`${PREFIX}dimension-snapshot-ids`]
      ? { dimensionSnapshotIds: properties[`${PREFIX}dimension-snapshot-ids`] }
      : {}),
  };
}

export class StalePublicationError extends ControlPlaneError {
  constructor(previous: string, next: string) {
    super(
      'stale-publication',
      `refusing to publish cutover ${next}: it is before the published cutover ${previous} (use a backfill to move it back on purpose)`,
      false,
    );
    this.name = 'StalePublicationError';
  }
}

/**
 * Builds the one commit that publishes `next`, guarded by where the tag was (`previous`, or absent).
 * A cutover never moves backwards unless `allowEarlierCutover` (backfills) says so.
 */
export function buildPublishCommit(
  previous: Publication | null,
  next: Publication,
  options: { allowEarlierCutover?: boolean } = {},
): PublishCommit {
  if (
    previous &&
    !options.allowEarlierCutover &&
    Date.parse(next.cutover) < Date.parse(previous.cutover)
  ) {
    throw new StalePublicationError(previous.cutover, next.cutover);
  }
  return {
    requirements: [
      {
        type: 'assert-ref-snapshot-id',
        ref: PUBLISHED_TAG,
        // An empty batch side was published without a tag: the tag must still be absent.
        'snapshot-id': previous?.snapshotId || null,
      },
    ],
    updates: [
      // An empty batch side (Flink committed no snapshot: nothing below the cutover) has nothing to tag.
      ...(next.snapshotId
        ? [
            {
              action: 'set-snapshot-ref' as const,
              'ref-name': PUBLISHED_TAG,
              type: 'tag' as const,
              'snapshot-id': next.snapshotId,
            },
          ]
        : []),
      { action: 'set-properties', updates: publicationProperties(next) },
    ],
  };
}
