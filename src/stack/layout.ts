import { homedir } from 'node:os';
import { join } from 'node:path';

/** Folders the local stack uses; none of them is inside the repository's tracked files. */
export interface StackLayout {
  /** Root of everything lambdalake keeps on this machine ($LAMBDALAKE_HOME, default ~/.lambdalake). */
  home: string;
  /** Downloaded artifacts, shared by every stack on the machine. */
  cache: string;
  /** State of the running stack: pids, generated configs, logs, data. */
  run: string;
  logs: string;
  data: string;
  conf: string;
}

/** Where the stack lives, from the environment (pure apart from reading env and homedir). */
export function resolveLayout(env: NodeJS.ProcessEnv = process.env): StackLayout {
  const home = env.LAMBDALAKE_HOME ?? join(homedir(), '.lambdalake');
  const cache = env.LAMBDALAKE_CACHE ?? join(home, 'cache');
  const run = env.LAMBDALAKE_RUN_DIR ?? join(home, 'run');
  return {
    home,
    cache,
    run,
    logs: join(run, 'logs'),
    data: join(run, 'data'),
    conf: join(run, 'conf'),
  };
}
