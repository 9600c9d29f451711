/** A click as the oracle counts it (after parsing, in UTC). */
export interface Click {
  click_id: string;
  campaign: string | null;
  /** Cents, so sums stay exact. */
  costCents: number;
  eventMs: number;
}

/** One record to produce, and what lambdalake must make of it. */
export interface ClickRecord {
  source: 'clicks' | 'clicks_ms';
  partition: number;
  value: Buffer;
  /** The click it carries when valid (a duplicate carries the same click again). */
  click: Click | null;
  /** For a bad record: what its dead letter's reason must say. */
  reason: RegExp | null;
}

const sqlTime = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
/** ISO-8601 in a +02:00 zone: the same instant written two hours ahead. */
const isoPlus2 = (ms: number) => new Date(ms + 2 * 3_600_000).toISOString().replace('Z', '+02:00');
const cost = (cents: number) => (cents / 100).toFixed(2);

const HOUR = 3_600_000;

/**
 * Valid clicks in every accepted time encoding over the two days before `nowMs` (the newest in its
 * last minute, at or after any cutover the protocol picks with lateness 10 min on an hour grain),
 * NULL and missing campaigns, exact duplicates on another partition, and one bad record of every kind.
 */
export function clickRecords(nowMs: number): ClickRecord[] {
  const out = clicksAt(nowMs, [-49 * HOUR, -26 * HOUR, -2.5 * HOUR, -40 * 60_000, -50_000], 'c');
  badRecords(out, nowMs);
  return out;
}

/**
 * Clicks late by the clock, produced after a batch: event times 20 to 3 hours before `nowMs` (below
 * any cutover the protocol picks), in every encoding, with duplicates and bad records among them.
 */
export function lateClickRecords(nowMs: number): ClickRecord[] {
  const out = clicksAt(nowMs, [-20 * HOUR, -3 * HOUR], 'late');
  out.push({
    source: 'clicks',
    partition: 1,
    value: Buffer.from(
      JSON.stringify({ click_id: 'late-b', cost: 'late', event_time: sqlTime(nowMs - 5 * HOUR) }),
    ),
    click: null,
    reason: /^cost: 'late' is not DECIMAL\(10,2\)$/,
  });
  return out;
}

/** Valid clicks `prefix0…`, nine at each offset from `nowMs`, one second apart. */
function clicksAt(nowMs: number, offsetsMs: number[], prefix: string): ClickRecord[] {
  const out: ClickRecord[] = [];
  const campaigns = ['spring', 'summer', null];
  const encoders = [sqlTime, (ms: number) => new Date(ms).toISOString(), isoPlus2];
  let n = 0;
  for (const offsetMs of offsetsMs) {
    for (let i = 0; i < 9; i++) {
      const click: Click = {
        click_id: `${prefix}${n}`,
        campaign: campaigns[i % 3]!,
        costCents: 100 + n * 7,
        eventMs: nowMs + offsetMs + i * 1000,
      };
      const body: Record<string, unknown> = {
        click_id: click.click_id,
        cost: i % 2 ? cost(click.costCents) : click.costCents / 100,
        event_time: encoders[n % 3]!(click.eventMs),
      };
      // A NULL campaign arrives both as JSON null and as a missing field.
      if (click.campaign !== null || n % 2) body.campaign = click.campaign;
      const value = Buffer.from(JSON.stringify(body));
      out.push({ source: 'clicks', partition: n % 3, value, click, reason: null });
      if (n % 4 === 0)
        out.push({ source: 'clicks', partition: (n + 1) % 3, value, click, reason: null });
      const ms = {
        click_id: `${prefix}-ms${n}`,
        campaign: click.campaign,
        cost: cost(click.costCents),
      };
      out.push({
        source: 'clicks_ms',
        partition: 0,
        value: Buffer.from(JSON.stringify({ ...ms, event_time: click.eventMs })),
        click: { ...click, click_id: ms.click_id },
        reason: null,
      });
      n++;
    }
  }
  return out;
}

/** One bad record of every kind, appended to `out` (their partitions follow its length). */
function badRecords(out: ClickRecord[], nowMs: number): void {
  const at = sqlTime(nowMs - 60_000);
  const bad = (source: ClickRecord['source'], value: Buffer | string, reason: RegExp) =>
    out.push({
      source,
      partition: out.length % (source === 'clicks' ? 3 : 1),
      value: Buffer.isBuffer(value) ? value : Buffer.from(value),
      click: null,
      reason,
    });
  bad('clicks', '{"click_id": "b1", "campaign": ', /^value: not a JSON object$/);
  bad('clicks', '[1, 2, 3]', /^value: not a JSON object$/);
  bad('clicks', Buffer.from([0xff, 0xfe, 0x00, 0x41]), /^value: not a JSON object$/);
  bad(
    'clicks',
    JSON.stringify({ click_id: 'b2', campaign: 'spring', cost: 'abc', event_time: at }),
    /^cost: 'abc' is not DECIMAL\(10,2\)$/,
  );
  bad(
    'clicks',
    JSON.stringify({ click_id: 'b3', campaign: 'spring', cost: { eur: 1 }, event_time: at }),
    /^cost: an object or array, not DECIMAL\(10,2\)$/,
  );
  bad(
    'clicks',
    JSON.stringify({ click_id: 'b4', campaign: 'spring', cost: '1.00' }),
    /^event_time: missing or null$/,
  );
  bad(
    'clicks',
    JSON.stringify({ click_id: 'b5', cost: '1.00', event_time: '2026-11-26T10:00:00.000' }),
    /^event_time: '2026-11-26T10:00:00.000' is not /,
  );
  bad(
    'clicks',
    JSON.stringify({ click_id: 'b6', cost: '1.00', event_time: nowMs }),
    new RegExp(`^event_time: '${nowMs}' is not `),
  );
  bad(
    'clicks',
    JSON.stringify({ campaign: 'summer', cost: '1.00', event_time: at }),
    /^click_id: missing or null/,
  );
  bad(
    'clicks_ms',
    JSON.stringify({ click_id: 'b7', cost: '1.00', event_time: at }),
    /^event_time: '.*' is not epoch milliseconds$/,
  );
}

/** The oracle: clicks and cost per (hour, campaign) over valid records, each click_id once. */
export function clicksByHourAndCampaign(
  records: ClickRecord[],
  source: ClickRecord['source'],
): { hour: string; campaign: string | null; clicks: number; cost: string }[] {
  const seen = new Set<string>();
  const groups = new Map<string, { hour: string; campaign: string | null; n: number; c: number }>();
  for (const r of records) {
    if (r.source !== source || !r.click || seen.has(r.click.click_id)) continue;
    seen.add(r.click.click_id);
    const hourMs = Math.floor(r.click.eventMs / 3_600_000) * 3_600_000;
    const hour = sqlTime(hourMs).slice(0, 19);
    const key = JSON.stringify([hour, r.click.campaign]);
    const g = groups.get(key) ?? { hour, campaign: r.click.campaign, n: 0, c: 0 };
    g.n++;
    g.c += r.click.costCents;
    groups.set(key, g);
  }
  return [...groups.values()]
    .sort(
      (a, b) =>
        a.hour.localeCompare(b.hour) ||
        (a.campaign === null ? -1 : b.campaign === null ? 1 : a.campaign.localeCompare(b.campaign)),
    )
    .map((g) => ({ hour: g.hour, campaign: g.campaign, clicks: g.n, cost: cost(g.c) }));
}
