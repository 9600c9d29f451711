export {
  loadProject,
  loadProjectOrThrow,
  type Project,
  type LoadResult,
  type LoadedMetric,
  type LoadedSource,
} from './definitions/loadProject.ts';
export { DefinitionError, formatProblem, type DefinitionProblem } from './definitions/errors.ts';
export {
  sourceSchema,
  metricSchema,
  definitionJsonSchemas,
  type SourceDefinition,
  type MetricDefinition,
  type QualityCheck,
} from './definitions/schema.ts';
export { parseDuration } from './definitions/durations.ts';
export { floorToGrain, grainOf, parseGrain, type Grain } from './definitions/grain.ts';
export {
  compileProject,
  compileMetric,
  compileSource,
  type CompiledProject,
  type CompiledMetric,
  type CompiledSource,
  type TableSpec,
} from './compiler/compile.ts';
export { defaultBindings, type RuntimeBindings } from './compiler/bindings.ts';
export { names, DEFAULT_NAMESPACE } from './compiler/names.ts';
export { metricVersion, normalizeSql } from './compiler/version.ts';
