import { resolve } from 'node:path';
import { lambdalakeStack } from './program.ts';
import { readSettings } from './settings.ts';

// The Pulumi entry point: settings from stack config, definitions from pipelines/ (see Pulumi.example.yaml).
const settings = readSettings();
const outputs = await lambdalakeStack({
  ...settings,
  pipelinesDir: resolve(import.meta.dirname, settings.pipelinesDir),
});

export const sqlEndpoint = outputs.sqlEndpoint;
export const httpEndpoint = outputs.httpEndpoint;
export const imageRepository = outputs.imageRepository;
export const sqlGatewayUrl = outputs.sqlGatewayUrl;
export const catalogUrl = outputs.catalogUrl;
export const warehouseUri = outputs.warehouseUri;
export const topics = outputs.topics;
export const tables = outputs.tables;
