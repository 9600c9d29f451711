import type { SourceDefinition } from '../definitions/schema.ts';

/** An Iceberg schema field as the REST API takes it. */
export interface IcebergField {
  id: number;
  name: string;
  type: string;
  required: boolean;
}

/** Flink SQL column type → Iceberg primitive type. */
export function icebergType(flinkType: string): string {
  const decimal = /^DECIMAL\((\d+),(\d+)\)$/.exec(flinkType);
  if (decimal) return `decimal(${decimal[1]}, ${decimal[2]})`;
  const map: Record<string, string> = {
    STRING: 'string',
    BOOLEAN: 'boolean',
    INT: 'int',
    BIGINT: 'long',
    DOUBLE: 'double',
    DATE: 'date',
    'TIMESTAMP(3)': 'timestamp',
  };
  const type = map[flinkType];
  if (!type) throw new Error(`no Iceberg type for Flink type ${flinkType}`);
  return type;
}

export function icebergSchema(columns: { name: string; type: string }[]): {
  type: 'struct';
  'schema-id': 0;
  fields: IcebergField[];
} {
  return {
    type: 'struct',
    'schema-id': 0,
    fields: columns.map((c, i) => ({
      id: i + 1,
      name: c.name,
      type: icebergType(c.type),
      required: false,
    })),
  };
}

/** The master table's partition spec: day() or hour() of the event-time column. */
export function masterPartitionSpec(source: SourceDefinition): {
  'spec-id': 0;
  fields: { 'source-id': number; 'field-id': number; name: string; transform: string }[];
} {
  const sourceId = source.columns.findIndex((c) => c.name === source.event_time) + 1;
  return {
    'spec-id': 0,
    fields: [
      {
        'source-id': sourceId,
        'field-id': 1000,
        name: `${source.event_time}_${source.master_partitioning}`,
        transform: source.master_partitioning,
      },
    ],
  };
}
