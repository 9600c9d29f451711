export type { StackEndpoints } from './endpoints.ts';
export {
  StackError,
  ArtifactResolutionError,
  ServiceStartError,
  MissingToolError,
} from './errors.ts';
export { resolveLayout, type StackLayout } from './layout.ts';
export { resolvePorts, DEFAULT_PORTS, type StackPorts } from './ports.ts';
export { stderrProgress, silentProgress, type ProgressReporter } from './progress.ts';
export { STACK_VERSIONS } from './versions.ts';
export { SERVICE_NAMES, type ServiceName } from './services/serviceDefinition.ts';
export {
  stackUp,
  stackDown,
  stackStatus,
  stackContext,
  stackEndpointsOf,
  type ServiceStatus,
  type StackOptions,
} from './stack.ts';
