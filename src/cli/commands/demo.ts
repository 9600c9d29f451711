import { Command } from 'commander';
import { stackStatus, stackUp, stderrProgress } from '../../stack/index.ts';

/** `lambdalake demo`: what `npm start` runs on a fresh machine. */
export function demoCommand(): Command {
  return new Command('demo')
    .description('bring the local stack up and show its status')
    .action(async () => {
      await stackUp(stderrProgress());
      const statuses = await stackStatus();
      for (const s of statuses) {
        process.stdout.write(
          `${s.healthy ? '✓' : '✗'} ${s.name.padEnd(18)} ${s.url.padEnd(40)} pid ${String(s.pid ?? '-').padEnd(8)} ${s.detail}\n`,
        );
      }
      if (statuses.some((s) => !s.healthy)) process.exitCode = 1;
    });
}
