import { resolve } from 'node:path';
import { Command } from 'commander';
import {
  compileProject,
  formatProblem,
  loadProject,
  type DefinitionProblem,
} from '../../control-plane/index.ts';
import { explainMetrics, explainProblems } from '../../control-plane/compiler/explainCheck.ts';
import { chooseCutover } from '../../control-plane/protocol/cutover.ts';
import {
  bindingsFor,
  controlPlaneEndpoints,
  openControlPlane,
} from '../../control-plane/controlPlane.ts';
import { deploy } from '../../control-plane/commands/deploy.ts';
import { describeAction } from '../../control-plane/protocol/deployPlan.ts';

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
      // The gateway deploy would use (LAMBDALAKE_PORT_OFFSET included).
      controlPlaneEndpoints().sqlGatewayUrl,
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
          `ok: ${p?.sources.size ?? 0} source(s), ${p?.metrics.size ?? 0} metric(s), ${p?.derived.size ?? 0} derived metric(s)${flinkChecked ? ', Flink plans every metric in batch and streaming mode' : ''}\n`,
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
    .option(
      '--changes',
      'also show what deploy would change in the running deployment (as deploy --dry-run; needs the services)',
    )
    .action(
      async (
        only: string | undefined,
        opts: { dir: string; json?: boolean; changes?: boolean },
      ) => {
        const result = await loadProject(resolve(opts.dir));
        if (!result.ok) {
          process.stdout.write(result.problems.map(formatProblem).join('\n') + '\n');
          process.exitCode = 1;
          return;
        }
        // The bindings deploy uses (ports, namespace and endpoints from the same environment).
        const compiled = compileProject(result.project, bindingsFor(controlPlaneEndpoints()));
        const metrics = compiled.metrics.filter((m) => !only || m.name === only);
        const derived = compiled.derived.filter((d) => !only || d.name === only);
        if (only && metrics.length === 0 && derived.length === 0)
          throw new Error(
            `no metric '${only}': metrics are ${[...compiled.metrics, ...compiled.derived].map((m) => m.name).join(', ')}`,
          );
        // Scripts are shown for the cutover a first deploy would pick now (DESIGN §5's rule).
        const plans = metrics.map((m) => {
          const cutover = chooseCutover(new Date(), m.latenessMs, m.grain).getTime();
          return {
            metric: m.name,
            version: m.version,
            batchTable: `${m.batchTable.namespace}.${m.batchTable.name}`,
            speedTopic: m.speedTopic,
            cutover: new Date(cutover).toISOString(),
            batchScript: m.batchScript(cutover, null),
            streamingScript: m.streamingScript(cutover - m.latenessMs),
            streamingConfig: m.streamingConfig,
            unionView: m.unionViewSql,
          };
        });
        // Derived metrics: the view serving runs over the union views, with the versions it reads.
        const derivedPlans = derived.map((d) => ({
          metric: d.name,
          version: d.version,
          derived: true,
          inputs: d.inputs,
          view: d.path.join('.'),
          viewSql: d.viewSql,
        }));
        const changes = opts.changes ? await deployChanges(opts.dir) : null;
        if (opts.json) {
          const all = [...plans, ...derivedPlans];
          process.stdout.write(
            JSON.stringify(changes ? { metrics: all, changes } : all, null, 2) + '\n',
          );
          return;
        }
        for (const p of plans) {
          process.stdout.write(
            `== ${p.metric} (version ${p.version}) → ${p.batchTable}, ${p.speedTopic}, cutover ${p.cutover}\n\n-- batch script\n${p.batchScript}\n\n-- streaming script (${Object.entries(
              p.streamingConfig,
            )
              .map(([k, v]) => `${k}=${v}`)
              .join(', ')})\n${p.streamingScript}\n\n-- union view\n${p.unionView}\n\n`,
          );
        }
        for (const d of derivedPlans)
          process.stdout.write(
            `== ${d.metric} (derived, version ${d.version}) → ${d.view}, over ${d.inputs.map((i) => `${i.metric} v${i.version}`).join(', ')}\n\n-- derived view (PostgreSQL, over the union views)\n${d.viewSql}\n\n`,
          );
        if (changes)
          process.stdout.write(
            `== deploy would\n${changes.length > 0 ? changes.map((c) => `- ${c}`).join('\n') : '(nothing to do)'}\n`,
          );
      },
    );
}

/** What `deploy` would do now against the running deployment, one line per action. */
async function deployChanges(dir: string): Promise<string[]> {
  const cp = await openControlPlane(dir);
  try {
    return (await deploy(cp, { dryRun: true })).actions.map(describeAction);
  } finally {
    await cp.close();
  }
}
