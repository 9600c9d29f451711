// Writes schemas/{source,metric,derived}.schema.json from the zod schemas, for editors.
import { writeFileSync } from 'node:fs';
import { definitionJsonSchemas } from '../src/control-plane/index.ts';
import { derivedJsonSchema } from '../src/control-plane/definitions/derivedSchema.ts';

const { source, metric } = definitionJsonSchemas();
writeFileSync('schemas/source.schema.json', JSON.stringify(source, null, 2) + '\n');
writeFileSync('schemas/metric.schema.json', JSON.stringify(metric, null, 2) + '\n');
writeFileSync('schemas/derived.schema.json', JSON.stringify(derivedJsonSchema(), null, 2) + '\n');
console.log(
  'wrote schemas/source.schema.json, schemas/metric.schema.json and schemas/derived.schema.json',
);
