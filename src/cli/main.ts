import { Command } from 'commander';
import { formatErrorForHumans } from './formatError.ts';
import { stackCommand } from './commands/stack.ts';
import { demoCommand } from './commands/demo.ts';
import { serveCommand } from './commands/serve.ts';
import { flinkCommand } from './commands/flink.ts';
import { icebergCommand } from './commands/iceberg.ts';
import { planCommand, validateCommand } from './commands/definitions.ts';
import {
  batchCommand,
  deployCommand,
  runCommand,
  statusCommand,
  versionsCommand,
  maintainCommand,
} from './commands/controlPlane.ts';

// The CLI is the imperative shell: it wires the modules together and is the only place
// that formats errors for humans. Each command group lives in ./commands/<group>.ts and
// exports one function that builds its commander Command.
const program = new Command('lambdalake')
  .description(
    'Lambda Architecture control plane: Flink SQL metrics on Iceberg + Kafka, one union view',
  )
  .showHelpAfterError();

// command registrations (one line each)
program.addCommand(stackCommand());
program.addCommand(demoCommand());
program.addCommand(flinkCommand());
program.addCommand(icebergCommand());
program.addCommand(validateCommand());
program.addCommand(planCommand());
program.addCommand(deployCommand());
program.addCommand(batchCommand());
program.addCommand(statusCommand());
program.addCommand(versionsCommand());
program.addCommand(maintainCommand());
program.addCommand(runCommand());
program.addCommand(serveCommand());

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.stderr.write(formatErrorForHumans(error) + '\n');
  process.exitCode = 1;
}
