import { z } from 'zod';
import { DURATION_HINT, parseDuration } from './durations.ts';
import { GRAIN_HINT, parseGrain } from './grain.ts';

/** A lowercase SQL identifier usable unquoted in Flink, DuckDB and Iceberg. */
const identifier = z
  .string()
  .regex(
    /^[a-z_][a-z0-9_]*$/,
    'must be a lowercase SQL identifier: letters, digits and _, not starting with a digit',
  );
const topicName = z
  .string()
  .regex(
    /^[a-zA-Z0-9._-]{1,249}$/,
    'must be a Kafka topic name: 1 to 249 of letters, digits, ".", "_" and "-"',
  );
const duration = z
  .string()
  .refine((v) => parseDuration(v) !== null, { message: `must be ${DURATION_HINT}` });

/** How a source writes its TIMESTAMP(3) fields (see compiler/eventTime.ts for the parsing). */
export const EVENT_TIME_FORMATS = ['sql_or_iso8601', 'sql', 'iso8601', 'epoch_millis'] as const;
export type EventTimeFormat = (typeof EVENT_TIME_FORMATS)[number];

/** The Flink SQL types a source column may have (the ones Iceberg, JSON and DuckDB all carry). */
export const COLUMN_TYPES = [
  'STRING',
  'BOOLEAN',
  'INT',
  'BIGINT',
  'DOUBLE',
  'DATE',
  'TIMESTAMP(3)',
  'DECIMAL(p,s)',
] as const;
const columnType = z
  .string()
  .transform((t) => t.toUpperCase().replace(/\s+/g, ''))
  .refine(
    (t) =>
      /^(STRING|BOOLEAN|INT|BIGINT|DOUBLE|DATE|TIMESTAMP\(3\)|DECIMAL\(\d{1,2},\d{1,2}\))$/.test(t),
    {
      message: `must be one of ${COLUMN_TYPES.join(', ')}`,
    },
  );

const column = z
  .object({
    name: identifier.refine((n) => !n.startsWith('lambdalake_'), {
      message: 'must not start with lambdalake_ (the prefix of the columns lambdalake adds)',
    }),
    type: columnType,
    description: z.string().optional(),
    required: z
      .boolean()
      .default(false)
      .describe('a record where this field is missing or null goes to the dead letters'),
  })
  .strict();

export const sourceSchema = z
  .object({
    name: identifier.describe('the logical table name metric SQL reads'),
    description: z.string().optional(),
    owner: z.string().optional(),
    topic: topicName.describe('Kafka topic of the raw events'),
    format: z.enum(['json']).default('json').describe('record format on the topic'),
    partitions: z
      .number()
      .int()
      .min(1)
      .max(1024)
      .default(1)
      .describe('partitions when lambdalake creates the topic'),
    columns: z.array(column).min(1),
    event_time: identifier.describe('the TIMESTAMP(3) column that carries event time'),
    event_time_format: z
      .enum(EVENT_TIME_FORMATS)
      .default('sql_or_iso8601')
      .describe(
        "how TIMESTAMP(3) fields are written: 'sql' (yyyy-MM-dd HH:mm:ss[.SSS], UTC), 'iso8601' (T and Z or an offset), 'epoch_millis' (a number), or 'sql_or_iso8601' (either text form); all are normalised to UTC",
      ),
    watermark_delay: duration
      .default('5s')
      .describe('how far out of order events may arrive for the speed layer'),
    master_partitioning: z
      .enum(['hour', 'day'])
      .default('day')
      .describe('partition transform of the master table on event_time'),
    kind: z
      .enum(['fact', 'dimension'])
      .default('fact')
      .describe(
        "'fact': events a metric aggregates; 'dimension': a keyed, compacted topic of rows that metrics JOIN on their key (the newest event time per key wins)",
      ),
    key: z
      .array(identifier)
      .min(1)
      .optional()
      .describe(
        'dimension only: the columns identifying a row (required: true each); metrics join on exactly these',
      ),
    dedupe_key: identifier
      .optional()
      .describe(
        'column whose value identifies an event; duplicates count once in both layers, and a record without it is a dead letter',
      ),
    ingestion_parallelism: z
      .number()
      .int()
      .min(1)
      .max(256)
      .default(1)
      .describe(
        'parallel tasks of the ingestion job (Kafka to the master table); more than the partitions leaves tasks idle',
      ),
  })
  .strict();

/** How many offending rows a row-level check tolerates; none declared means none tolerated. */
const tolerance = {
  max_count: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe('at most this many offending rows per column'),
  max_fraction: z
    .number()
    .min(0)
    .max(1)
    .optional()
    .describe('at most this share (0..1) of the rows per column'),
};
const qualityCheck = z.discriminatedUnion('check', [
  z.object({ check: z.literal('min_rows'), value: z.number().int().min(0) }).strict(),
  z
    .object({ check: z.literal('not_null'), columns: z.array(identifier).min(1), ...tolerance })
    .strict(),
  z
    .object({
      check: z.literal('non_negative'),
      columns: z.array(identifier).min(1),
      ...tolerance,
    })
    .strict(),
]);

/** Measure types drift can be measured on as a difference (the others only as equal or not). */
const NUMERIC_TYPE = /^(INT|BIGINT|DOUBLE|DECIMAL\(\d{1,2},\d{1,2}\))$/;

/**
 * How far the speed side may be from the batch side replacing it at a publish before
 * `status --check` calls the metric unhealthy. Each declared bound must hold.
 */
const driftTolerance = z
  .object({
    absolute: z
      .number()
      .min(0, 'must be 0 or more')
      .optional()
      .describe("largest allowed |speed - batch| of one window, in the measure's unit"),
    relative: z
      .number()
      .min(0, 'must be 0 or more (a share: 0.01 is 1%)')
      .optional()
      .describe('largest allowed |speed - batch| / |batch| of one window (0.01 is 1%)'),
  })
  .strict()
  .refine((t) => t.absolute !== undefined || t.relative !== undefined, {
    message: 'must declare absolute, relative or both, e.g. { absolute: 0.5, relative: 0.01 }',
  })
  .describe(
    'drift beyond this at the last publish (or any window on one side only) makes status --check unhealthy',
  );

const measure = z
  .object({
    name: identifier,
    type: columnType,
    description: z.string().optional(),
    drift_tolerance: driftTolerance.optional(),
  })
  .strict()
  .superRefine((m, ctx) => {
    if (m.drift_tolerance && !NUMERIC_TYPE.test(m.type))
      ctx.addIssue({
        code: 'custom',
        path: ['drift_tolerance'],
        message: `a tolerance needs a numeric measure (INT, BIGINT, DOUBLE or DECIMAL(p,s)); ${m.type} drift is only equal or not, so remove drift_tolerance`,
      });
  });

export const metricSchema = z
  .object({
    name: identifier,
    description: z.string().min(1, 'must say what the metric means'),
    owner: z.string().min(1),
    source: identifier.describe('name of a source in pipelines/sources'),
    sql: z
      .string()
      .optional()
      .describe(
        'path of the SELECT, relative to the project folder (default sql/metrics/<name>.sql)',
      ),
    grain: z
      .object({
        column: identifier,
        size: z
          .string()
          .superRefine((v, ctx) => {
            const grain = parseGrain(v);
            if ('refused' in grain) ctx.addIssue({ code: 'custom', message: grain.refused });
          })
          .describe(`the bucket size, in UTC: ${GRAIN_HINT}`),
      })
      .strict(),
    keys: z
      .array(
        z.union([
          identifier,
          z
            .object({
              name: identifier,
              type: columnType,
              description: z.string().optional(),
            })
            .strict()
            .describe('a derived key: an output computed in the SQL (UPPER(country), CASE …)'),
        ]),
      )
      .default([])
      .describe(
        'columns that, with the grain, identify a row: a source column by name, or { name, type } for a key the SQL computes',
      ),
    measures: z.array(measure).min(1),
    batch: z
      .object({ schedule: duration.describe('how often the scheduler runs a batch cycle') })
      .strict(),
    lateness: duration.describe(
      'how late events may arrive and still be counted by the speed layer',
    ),
    speed: z
      .object({ state_ttl: duration.describe('how long the speed job keeps per-key state') })
      .strict(),
    quality: z.array(qualityCheck).default([]),
  })
  .strict()
  // Keys become plain names; the declared types of derived keys are kept beside them.
  .transform(({ keys, ...rest }) => ({
    ...rest,
    keys: keys.map((k) => (typeof k === 'string' ? k : k.name)),
    key_types: Object.fromEntries(
      keys.flatMap((k) => (typeof k === 'string' ? [] : [[k.name, k.type] as const])),
    ) as Record<string, string>,
  }));

export type SourceDefinition = z.infer<typeof sourceSchema>;
export type MetricDefinition = z.infer<typeof metricSchema>;
export type QualityCheck = z.infer<typeof qualityCheck>;
export type DriftTolerance = z.infer<typeof driftTolerance>;

/** JSON Schemas for editors (yaml-language-server), generated from the same zod schemas. */
export function definitionJsonSchemas(): { source: unknown; metric: unknown } {
  return {
    source: z.toJSONSchema(sourceSchema, { io: 'input' }),
    metric: z.toJSONSchema(metricSchema, { io: 'input' }),
  };
}
