import { Command } from 'commander';
import { runDemo } from '../../demo/runDemo.ts';

/** `lambdalake demo`: what `npm start` runs on a fresh machine. */
export function demoCommand(): Command {
  return new Command('demo')
    .description(
      'stack up, deploy the example pipelines, stream events, show the union views before and after a batch cycle',
    )
    .option('--dir <folder>', 'project folder', '.')
    .option('--events <n>', 'how many events to generate', (v) => Number(v), 3000)
    .option('--seed <n>', 'generator seed', (v) => Number(v))
    .option('--json', 'print the measured figures as JSON at the end')
    .action(async (opts: { dir: string; events: number; seed?: number; json?: boolean }) => {
      const figures = await runDemo({ dir: opts.dir, events: opts.events, seed: opts.seed });
      if (opts.json) process.stdout.write(JSON.stringify(figures, null, 2) + '\n');
      if (figures.batch.some((b) => b.state !== 'done')) process.exitCode = 1;
    });
}
