/** One problem in a definition, located to file, line, column and field path. */
export interface DefinitionProblem {
  file: string;
  line: number;
  column: number;
  /** e.g. 'grain.size' or 'measures[1].type'; empty for the file as a whole. */
  field: string;
  message: string;
}

/** Every problem found in one load, reported together (never only the first). */
export class DefinitionError extends Error {
  readonly retriable = false;
  constructor(readonly problems: DefinitionProblem[]) {
    super(
      `${problems.length} problem(s) in the definitions:\n${problems.map(formatProblem).join('\n')}`,
    );
    this.name = 'DefinitionError';
  }
}

export function formatProblem(p: DefinitionProblem): string {
  return `${p.file}:${p.line}:${p.column}: ${p.field ? `${p.field}: ` : ''}${p.message}`;
}

export function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (acc, key) =>
      typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key),
    '',
  );
}
