/** Reports long work to a human: one line when a step starts, one when it ends with its duration. */
export interface ProgressReporter {
  step<T>(label: string, work: () => Promise<T>): Promise<T>;
  info(message: string): void;
}

/** Progress on stderr (stdout stays for tables and --json); a ticking elapsed counter on a TTY. */
export function stderrProgress(stream: NodeJS.WriteStream = process.stderr): ProgressReporter {
  return {
    async step(label, work) {
      const started = Date.now();
      const tty = stream.isTTY === true;
      stream.write(`• ${label} ...${tty ? '' : '\n'}`);
      const ticker = tty
        ? setInterval(
            () => stream.write(`\r• ${label} ... ${((Date.now() - started) / 1000).toFixed(0)}s`),
            1000,
          )
        : undefined;
      try {
        const result = await work();
        const seconds = ((Date.now() - started) / 1000).toFixed(1);
        stream.write(`${tty ? '\r' : ''}✓ ${label} (${seconds}s)${tty ? '\x1b[K' : ''}\n`);
        return result;
      } catch (error) {
        stream.write(`${tty ? '\r' : ''}✗ ${label}\n`);
        throw error;
      } finally {
        if (ticker) clearInterval(ticker);
      }
    },
    info(message) {
      stream.write(`  ${message}\n`);
    },
  };
}

/** Progress that says nothing (tests). */
export const silentProgress: ProgressReporter = {
  step: (_label, work) => work(),
  info: () => undefined,
};
