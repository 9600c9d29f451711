export type { StackEndpoints } from './endpoints.ts';
export {
  StackError,
  ArtifactResolutionError,
  LauncherCompileError,
  ServiceStartError,
  MissingToolError,
  type StackErrorCode,
} from './errors.ts';
export { resolveLayout, type StackLayout } from './layout.ts';
export { resolvePorts, DEFAULT_PORTS, PORT_ENV_NAMES, type StackPorts } from './ports.ts';
export { stderrProgress, silentProgress, type ProgressReporter } from './progress.ts';
export { STACK_VERSIONS } from './versions.ts';
export { SERVICE_NAMES, type ServiceName } from './services/serviceDefinition.ts';
export { stackUp, stackDown, stackContext, stackEndpointsOf, type StackOptions } from './stack.ts';
export { stackStatus, type ServiceStatus } from './status.ts';
