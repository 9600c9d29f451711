import { isSafeNumber, parse, stringify } from 'lossless-json';

/** Parses JSON; integers beyond 2^53 (Iceberg snapshot ids) become bigint instead of being rounded. */
export function parseJson(text: string): unknown {
  return parse(text, null, (value: string) =>
    isSafeNumber(value) ? Number(value) : /^-?\d+$/.test(value) ? BigInt(value) : Number(value),
  );
}

/** Serializes JSON, writing bigint values as plain JSON integers. */
export function stringifyJson(value: unknown): string {
  return stringify(value) ?? 'null';
}

/** An int64 id as exact decimal text. */
export function idText(id: number | bigint | string): string {
  return typeof id === 'string' ? id : id.toString();
}

/** Decimal text back to the int64 form the REST API takes. */
export function idValue(text: string): number | bigint {
  const big = BigInt(text);
  return big <= BigInt(Number.MAX_SAFE_INTEGER) && big >= BigInt(Number.MIN_SAFE_INTEGER)
    ? Number(big)
    : big;
}
