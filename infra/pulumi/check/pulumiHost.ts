import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parse } from 'yaml';

/**
 * Runs the Pulumi program the way `pulumi-language-nodejs` does on `pulumi preview`, against a
 * stand-in engine: `node <runtime.options.nodeargs> @pulumi/pulumi/cmd/run --monitor … --engine …
 * --project … --stack … --pwd <project dir> --dry-run <main>`, with PULUMI_CONFIG and, when the
 * `typescript` option is on (Pulumi's default), PULUMI_NODEJS_TYPESCRIPT=true. Vitest compiles
 * TypeScript itself, so only a run like this one shows whether the host can load the program.
 */

// The SDK's own gRPC and protobuf modules: the stand-in must speak the wire the SDK speaks.
const fromSdk = createRequire(createRequire(import.meta.url).resolve('@pulumi/pulumi'));

interface ProtoMessage {
  [method: string]: (...args: never[]) => unknown;
}
type Callback = (error: Error | null, response?: unknown) => void;
type Handler = (call: { request: ProtoMessage }, callback: Callback) => void;
interface GrpcServer {
  addService(service: unknown, handlers: Record<string, Handler>): void;
  bindAsync(
    address: string,
    creds: unknown,
    done: (error: Error | null, port: number) => void,
  ): void;
  forceShutdown(): void;
}
interface GrpcModule {
  Server: new () => GrpcServer;
  ServerCredentials: { createInsecure(): unknown };
}
type MessageClass = new () => ProtoMessage;

const grpc = fromSdk('@grpc/grpc-js') as GrpcModule;
const resourceGrpc = fromSdk('@pulumi/pulumi/proto/resource_grpc_pb.js') as Record<string, unknown>;
const engineGrpc = fromSdk('@pulumi/pulumi/proto/engine_grpc_pb.js') as Record<string, unknown>;
const resourcePb = fromSdk('@pulumi/pulumi/proto/resource_pb.js') as Record<string, MessageClass>;
const enginePb = fromSdk('@pulumi/pulumi/proto/engine_pb.js') as Record<string, MessageClass>;
const emptyPb = fromSdk('google-protobuf/google/protobuf/empty_pb.js') as Record<
  string,
  MessageClass
>;

/** One registration as the engine saw it. */
export interface HostRegistration {
  urn: string;
  type: string;
  name: string;
  custom: boolean;
  /** The registration's inputs, as sent (unknowns are the engine's unknown sentinel). */
  inputs: Record<string, unknown>;
  /** URNs this resource waits for: dependsOn plus every resource whose outputs feed its inputs. */
  dependencies: string[];
}

export interface HostRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  registrations: HostRegistration[];
  /** Engine log messages of severity warning or error (the SDK reports program errors this way). */
  diagnostics: string[];
  /** URNs registered twice: the real engine refuses the whole run with "Duplicate resource URN". */
  duplicateUrns: string[];
  /** The node command line, as the host would build it. */
  argv: string[];
}

/** The runtime block of Pulumi.yaml: what decides how the host starts node. */
export interface RuntimeOptions {
  typescript: boolean;
  nodeargs: string[];
  main: string;
}

/** Reads Pulumi.yaml's runtime options with the host's defaults (typescript: true). */
export async function readRuntimeOptions(projectDir: string): Promise<RuntimeOptions> {
  const project = parse(await readFile(join(projectDir, 'Pulumi.yaml'), 'utf8')) as {
    runtime: string | { name: string; options?: { typescript?: boolean; nodeargs?: string } };
    main?: string;
  };
  const options = typeof project.runtime === 'string' ? {} : (project.runtime.options ?? {});
  return {
    typescript: options.typescript ?? true,
    // The host splits nodeargs with shlex; our options never quote, so whitespace is enough.
    nodeargs: (options.nodeargs ?? '').split(/\s+/).filter(Boolean),
    main: project.main ?? '.',
  };
}

const SEVERITY = ['debug', 'info', 'warning', 'error'];

function standInEngine(registrations: HostRegistration[], diagnostics: string[]) {
  const server = new grpc.Server();
  const types = new Map<string, string>();
  server.addService(resourceGrpc.ResourceMonitorService, {
    supportsFeature(call, callback) {
      const response = new resourcePb.SupportsFeatureResponse!();
      const id = call.request.getId!() as string;
      (response.setHassupport as (v: boolean) => void)(
        ['secrets', 'resourceReferences'].includes(id),
      );
      callback(null, response);
    },
    registerResource(call, callback) {
      const r = call.request;
      const type = r.getType!() as string;
      const name = r.getName!() as string;
      const parent = r.getParent!() as string;
      // URNs qualify the type with the parent's, as the engine's do (the stack is not part of it).
      const parentType = types.get(parent);
      const qualified =
        parentType && parentType !== 'pulumi:pulumi:Stack' ? `${parentType}$${type}` : type;
      const urn = `urn:pulumi:host-check::lambdalake::${qualified}::${name}`;
      types.set(urn, qualified);
      const propertyDeps = r.getPropertydependenciesMap!() as unknown as {
        forEach(f: (deps: { getUrnsList(): string[] }) => void): void;
      };
      const dependencies = new Set(r.getDependenciesList!() as string[]);
      propertyDeps.forEach((deps) => deps.getUrnsList().forEach((u) => dependencies.add(u)));
      const object = r.getObject!() as { toJavaScript(): Record<string, unknown> } | undefined;
      registrations.push({
        urn,
        type,
        name,
        custom: r.getCustom!() as boolean,
        inputs: object?.toJavaScript() ?? {},
        dependencies: [...dependencies],
      });
      const response = new resourcePb.RegisterResourceResponse!();
      (response.setUrn as (v: string) => void)(urn);
      // A preview of a create: outputs are unknown, so only the inputs come back.
      (response.setObject as (v: unknown) => void)(r.getObject!());
      callback(null, response);
    },
    registerResourceOutputs(_call, callback) {
      callback(null, new emptyPb.Empty!());
    },
    invoke(call, callback) {
      diagnostics.push(`error: unexpected invoke ${String(call.request.getTok!())}`);
      callback(new Error('the stand-in engine answers no invokes'));
    },
  });
  server.addService(engineGrpc.EngineService, {
    log(call, callback) {
      const severity = SEVERITY[call.request.getSeverity!() as number] ?? 'error';
      if (severity === 'warning' || severity === 'error')
        diagnostics.push(`${severity}: ${String(call.request.getMessage!())}`);
      callback(null, new emptyPb.Empty!());
    },
    getRootResource(_call, callback) {
      const response = new enginePb.GetRootResourceResponse!();
      (response.setUrn as (v: string) => void)('');
      callback(null, response);
    },
    setRootResource(_call, callback) {
      callback(null, new enginePb.SetRootResourceResponse!());
    },
  });
  return new Promise<{ address: string; close: () => void }>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, port) =>
      error
        ? reject(error)
        : resolve({ address: `127.0.0.1:${port}`, close: () => server.forceShutdown() }),
    ),
  );
}

/** Config as the host passes it: `<project>:config:<key>` → string value; secrets listed apart. */
export interface HostConfig {
  values: Record<string, string>;
  secretKeys: string[];
}

/** Starts the program as the Node.js language host would for `pulumi preview` and waits for it. */
export async function runLikePulumiHost(
  projectDir: string,
  config: HostConfig,
  timeoutMs = 120_000,
): Promise<HostRun> {
  const options = await readRuntimeOptions(projectDir);
  const registrations: HostRegistration[] = [];
  const diagnostics: string[] = [];
  const engine = await standInEngine(registrations, diagnostics);
  // The host resolves the runner from the program directory, like `require.resolve` would.
  const runPath = createRequire(join(projectDir, 'package.json')).resolve('@pulumi/pulumi/cmd/run');
  const argv = [
    ...options.nodeargs,
    runPath,
    '--monitor', engine.address,
    '--engine', engine.address,
    '--project', 'lambdalake',
    '--stack', 'host-check',
    '--pwd', projectDir,
    '--dry-run',
    '--parallel', '4',
    options.main,
  ]; // prettier-ignore
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PULUMI_CONFIG: JSON.stringify(config.values),
    PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(config.secretKeys),
  };
  // Vitest's own loader settings must not leak into the child: it must load as the host's would.
  delete env.NODE_OPTIONS;
  delete env.VITEST;
  if (options.typescript) env.PULUMI_NODEJS_TYPESCRIPT = 'true';
  else delete env.PULUMI_NODEJS_TYPESCRIPT;
  try {
    const child = spawn(process.execPath, argv, { cwd: projectDir, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const exitCode = await new Promise<number | null>((resolve) => child.on('close', resolve));
    clearTimeout(timer);
    const seen = new Set<string>();
    const duplicateUrns = registrations
      .map((r) => r.urn)
      .filter((urn) => (seen.has(urn) ? true : (seen.add(urn), false)));
    return { exitCode, stdout, stderr, registrations, diagnostics, duplicateUrns, argv };
  } finally {
    engine.close();
  }
}
