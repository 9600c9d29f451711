import { z } from 'zod';

/** A lowercase SQL identifier usable unquoted in Flink, DuckDB, Iceberg and PostgreSQL. */
const identifier = z
  .string()
  .regex(
    /^[a-z_][a-z0-9_]*$/,
    'must be a lowercase SQL identifier: letters, digits and _, not starting with a digit',
  );

/** A derived measure is a number: the Flink numeric types serving keeps exactly. */
const numericType = z
  .string()
  .transform((t) => t.toUpperCase().replace(/\s+/g, ''))
  .refine((t) => /^(INT|BIGINT|DOUBLE|DECIMAL\(\d{1,2},\d{1,2}\))$/.test(t), {
    message: 'must be one of INT, BIGINT, DOUBLE, DECIMAL(p,s): a derived measure is a number',
  });

/**
 * `pipelines/derived/<name>.yaml`: a metric computed from other metrics' union views, joined on
 * their common grain and keys (e.g. conversion_rate = purchases / product_views).
 */
export const derivedSchema = z
  .object({
    name: identifier.describe('the view name, served next to the metrics'),
    description: z.string().min(1, 'must say what the metric means'),
    owner: z.string().min(1),
    inputs: z
      .array(identifier)
      .min(1)
      .describe(
        'names of metrics in pipelines/metrics; they must have the same grain and the same keys',
      ),
    keys: z
      .array(identifier)
      .optional()
      .describe("the keys the inputs are joined on (default: the first input's keys)"),
    measures: z
      .array(
        z
          .object({
            name: identifier,
            type: numericType,
            expr: z
              .string()
              .min(1)
              .describe(
                "a SQL expression over the inputs' measures (`measure` or `metric.measure`), e.g. purchases / NULLIF(product_views, 0)",
              ),
            description: z.string().optional(),
          })
          .strict(),
      )
      .min(1),
  })
  .strict();

export type DerivedDefinition = z.infer<typeof derivedSchema>;

/** The JSON Schema of pipelines/derived/*.yaml for editors, from the same zod schema. */
export function derivedJsonSchema(): unknown {
  return z.toJSONSchema(derivedSchema, { io: 'input' });
}
