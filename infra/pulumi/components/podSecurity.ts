/**
 * Pod and container settings every workload of the stack shares.
 *
 * kubelet refuses `runAsNonRoot: true` when the image's user is root (or a name it cannot
 * check) and no numeric `runAsUser` is given: "container has runAsNonRoot and image will run as
 * root". The Flink, Lakekeeper and curl images we run are not ours, so every container names
 * the numeric user it runs as, the one its image was made for.
 */

/** Pod-level: non-root with the given user, its group owning mounted volumes, default seccomp. */
export function restrictedPod(uid: number) {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    fsGroup: uid,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** Container-level: the same user, no privilege escalation, no capabilities. */
export function restrictedContainer(uid: number, options: { readOnlyRoot?: boolean } = {}) {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: options.readOnlyRoot ?? true,
    capabilities: { drop: ['ALL'] },
  };
}

/** Requests (what the scheduler and the HPA's utilisation count against) and a memory limit. */
export function resources(cpu: string, memory: string, memoryLimit: string = memory) {
  return { requests: { cpu, memory }, limits: { memory: memoryLimit } };
}

type ProbeHandler =
  | { httpGet: { path: string; port: number | string } }
  | { tcpSocket: { port: number | string } }
  | { exec: { command: string[] } };

/**
 * Readiness (out of the Service while failing) and liveness (restart after a minute of
 * failures), both on the same handler; `startSeconds` covers a slow first start (JVMs, migrations).
 */
export function probes(handler: ProbeHandler, startSeconds = 10, periodSeconds = 10) {
  // An exec probe starts a process (node + tsx: seconds); HTTP and TCP answer in milliseconds.
  const timeoutSeconds = 'exec' in handler ? 30 : 5;
  const common = { ...handler, periodSeconds, timeoutSeconds };
  return {
    readinessProbe: {
      ...common,
      initialDelaySeconds: Math.min(5, startSeconds),
      failureThreshold: 3,
    },
    livenessProbe: { ...common, initialDelaySeconds: startSeconds, failureThreshold: 6 },
  };
}
