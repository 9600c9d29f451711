import { isMap, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { DefinitionProblem } from './errors.ts';

/** A parsed YAML file that can say where any field path came from. */
export interface LocatedYaml {
  file: string;
  value: unknown;
  /** Line and column (1-based) of the node at `path`, or of its nearest existing parent. */
  locate(path: readonly PropertyKey[]): { line: number; column: number };
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
  return {
    file,
    value: syntaxProblems.length > 0 ? undefined : doc.toJS(),
    syntaxProblems,
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
