import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Where `stack up` puts the table-maintenance job's jar inside a local stack's run folder (it is
 * compiled from the repository's Java source against the stack's Flink and Iceberg jars).
 */
export function localTableMaintenanceJar(runDir: string): string {
  return join(runDir, 'jobs', 'table-maintenance.jar');
}

/**
 * The jar the control plane submits for compaction: LAMBDALAKE_TABLE_MAINTENANCE_JAR (a cluster
 * the local stack did not start), else the local stack's (LAMBDALAKE_RUN_DIR, default
 * ~/.lambdalake/run, as the stack's own layout resolves it).
 */
export function tableMaintenanceJarPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LAMBDALAKE_TABLE_MAINTENANCE_JAR) return env.LAMBDALAKE_TABLE_MAINTENANCE_JAR;
  const home = env.LAMBDALAKE_HOME ?? join(homedir(), '.lambdalake');
  return localTableMaintenanceJar(env.LAMBDALAKE_RUN_DIR ?? join(home, 'run'));
}
