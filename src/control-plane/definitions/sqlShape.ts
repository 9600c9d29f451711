import { stripCommentsAndStrings } from './sqlText.ts';

/** Whether the text reads a table by this exact name (FROM/JOIN name, or TABLE name in a window TVF). */
export function readsTable(sql: string, name: string): boolean {
  return new RegExp(`\\b(FROM|JOIN|TABLE)\\s*\\(?\\s*\`?${name}\`?\\b`, 'i').test(
    stripCommentsAndStrings(sql),
  );
}
