import { resolve } from 'node:path';
import { Command } from 'commander';
import {
  compileProject,
  defaultBindings,
  formatProblem,
  loadProject,
  type DefinitionProblem,
} from '../../control-plane/index.ts';
import { explainMetrics, explainProblems } from '../../control-plane/compiler/explainCheck.ts';

/** `lambdalake validate [--dir] [--json] [--no-flink]`: every problem, located; exit 1 if any. */
export function validateCommand(): Command {
  return new Command('validate')
    .description(
      'check pipelines/ and sql/: schema, cross-references, and (when a SQL Gateway answers) Flink EXPLAIN in batch and streaming mode',
    )
    .option('--dir <folder>', 'project folder', '.')
    .option('--json', 'print problems as JSON')
    .option(
      '--gateway <url>',
      'SQL Gateway for the EXPLAIN check',
      process.env.LAMBDALAKE_SQL_GATEWAY_URL ?? 'http://127.0.0.1:18083',
    )
    .option('--no-flink', 'skip the EXPLAIN check')
    .action(async (opts: { dir: string; json?: boolean; gateway: string; flink: boolean }) => {
      const result = await loadProject(resolve(opts.dir));
      let problems: DefinitionProblem[] = result.ok ? [] : result.problems;
      let flinkChecked = false;
      if (result.ok && opts.flink) {
        try {
          problems = explainProblems(
            result.project,
            await explainMetrics(result.project, opts.gateway),
          );
          flinkChecked = true;
        } catch (error) {
          process.stderr.write(
            `note: EXPLAIN check skipped, the SQL Gateway did not answer (${(error as Error).message.split('\n')[0]})\n`,
          );
        }
      }
      if (opts.json) {
        process.stdout.write(
          JSON.stringify({ ok: problems.length === 0, flinkChecked, problems }, null, 2) + '\n',
        );
      } else if (problems.length === 0) {
        const p = result.ok ? result.project : null;
        process.stdout.write(
          `ok: ${p?.sources.size ?? 0} source(s), ${p?.metrics.size ?? 0} metric(s)${flinkChecked ? ', Flink plans every metric in batch and streaming mode' : ''}\n`,
        );
      } else {
        process.stdout.write(
          problems.map(formatProblem).join('\n') + `\n${problems.length} problem(s)\n`,
        );
      }
      if (problems.length > 0) process.exitCode = 1;
    });
}

/** `lambdalake plan [metric] [--dir] [--json]`: the generated scripts and union view. */
export function planCommand(): Command {
  return new Command('plan')
    .description(
      'print what the compiler generates: batch script, streaming script, union view (per metric version)',
    )
    .argument('[metric]', 'one metric (default: all)')
    .option('--dir <folder>', 'project folder', '.')
    .option('--json', 'print JSON')
    .action(async (only: string | undefined, opts: { dir: string; json?: boolean }) => {
      const result = await loadProject(resolve(opts.dir));
      if (!result.ok) {
        process.stdout.write(result.problems.map(formatProblem).join('\n') + '\n');
        process.exitCode = 1;
        return;
      }
      const compiled = compileProject(result.project, defaultBindings());
      const metrics = compiled.metrics.filter((m) => !only || m.name === only);
      if (only && metrics.length === 0)
        throw new Error(
          `no metric '${only}': metrics are ${compiled.metrics.map((m) => m.name).join(', ')}`,
        );
      // Scripts are shown for a cutover at the current hour; deploy and batch pick real ones.
      const cutover = Math.floor(Date.now() / 3_600_000) * 3_600_000;
      const plans = metrics.map((m) => ({
        metric: m.name,
        version: m.version,
        batchTable: `${m.batchTable.namespace}.${m.batchTable.name}`,
        speedTopic: m.speedTopic,
        batchScript: m.batchScript(cutover, null),
        streamingScript: m.streamingScript(cutover - m.latenessMs),
        unionView: m.unionViewSql,
      }));
      if (opts.json) {
        process.stdout.write(JSON.stringify(plans, null, 2) + '\n');
        return;
      }
      for (const p of plans) {
        process.stdout.write(
          `== ${p.metric} (version ${p.version}) → ${p.batchTable}, ${p.speedTopic}\n\n-- batch script\n${p.batchScript}\n\n-- streaming script\n${p.streamingScript}\n\n-- union view\n${p.unionView}\n\n`,
        );
      }
    });
}
