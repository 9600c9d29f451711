import {
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  Scalar,
  type Document,
  type Node,
} from 'yaml';
import type { DefinitionProblem } from './errors.ts';

/** A parsed YAML file that can say where any field path came from. */
export interface LocatedYaml {
  file: string;
  value: unknown;
  /** Line and column (1-based) of the node at `path`, or of its nearest existing parent. */
  locate(path: readonly PropertyKey[]): { line: number; column: number };
  /**
   * Line and column (1-based) of character `offset` inside the string value at `path` (an SQL
   * expression written in the YAML), or of the value itself when it cannot be mapped exactly.
   */
  locateInValue(path: readonly PropertyKey[], offset: number): { line: number; column: number };
  syntaxProblems: DefinitionProblem[];
}

export function parseLocatedYaml(file: string, text: string): LocatedYaml {
  const lineCounter = new LineCounter();
  const doc: Document = parseDocument(text, { lineCounter, prettyErrors: false });
  const position = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const syntaxProblems = doc.errors.map((e) => ({
    file,
    ...position(e.pos[0]),
    field: '',
    message: `YAML syntax: ${e.message.split('\n')[0]}`,
  }));
  const nodeAt = (path: readonly PropertyKey[]): unknown => doc.getIn(path, true);
  return {
    file,
    value: syntaxProblems.length > 0 ? undefined : doc.toJS(),
    syntaxProblems,
    locateInValue(path, offset) {
      const node = nodeAt(path);
      if (!isScalar(node) || !node.range || typeof node.value !== 'string')
        return this.locate(path);
      const start = node.range[0];
      if (
        node.type === Scalar.PLAIN ||
        node.type === Scalar.QUOTE_DOUBLE ||
        node.type === Scalar.QUOTE_SINGLE
      ) {
        const raw = text.slice(start, node.range[1]);
        // Exact when the value is written on one line without escapes; else its start.
        const quote = node.type === Scalar.PLAIN ? 0 : 1;
        if (raw.includes('\n') || raw.slice(quote, quote + node.value.length) !== node.value)
          return position(start);
        return position(start + quote + offset);
      }
      if (node.type === Scalar.BLOCK_LITERAL) {
        // `|` keeps lines as written: value line k is file line (header line + 1 + k).
        const before = node.value.slice(0, offset);
        const lineInValue = before.split('\n').length - 1;
        const columnInLine = offset - (before.lastIndexOf('\n') + 1);
        const header = position(start);
        const firstLine = text.split('\n')[header.line] ?? '';
        const indent = firstLine.length - firstLine.trimStart().length;
        return { line: header.line + 1 + lineInValue, column: indent + columnInLine + 1 };
      }
      return position(start);
    },
    locate(path) {
      let node: unknown = doc.contents;
      let best = (node as Node | null)?.range?.[0] ?? 0;
      for (const key of path) {
        if (isMap(node)) {
          const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === key);
          if (!pair) break;
          best = (pair.key as Node).range?.[0] ?? best;
          node = pair.value;
        } else if (isSeq(node) && typeof key === 'number') {
          node = node.items[key];
          best = (node as Node | undefined)?.range?.[0] ?? best;
        } else break;
      }
      return position(best);
    },
  };
}
