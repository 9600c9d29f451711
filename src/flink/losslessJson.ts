import { parse } from 'lossless-json';

/** A JSON number kept as its exact source text (BIGINT, DECIMAL and job ids must not be rounded). */
export class JsonNumber {
  constructor(readonly text: string) {}
  toNumber(): number {
    return Number(this.text);
  }
}

/** Parses JSON keeping every number as a JsonNumber. */
export function parseLossless(text: string): unknown {
  return parse(text, null, (value: string) => new JsonNumber(value));
}

/** Replaces JsonNumbers by plain numbers everywhere (for REST bodies that carry no exact values). */
export function plainNumbers(value: unknown): unknown {
  if (value instanceof JsonNumber) return value.toNumber();
  if (Array.isArray(value)) return value.map(plainNumbers);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plainNumbers(v)]));
  }
  return value;
}
