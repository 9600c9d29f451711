import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A project of ad clicks, the shape issue 14 was found with: `clicks` (3 partitions, event time in
 * SQL or ISO-8601 form, the default) and `clicks_ms` (epoch milliseconds), each with a metric
 * counting clicks and summing cost per hour and campaign (campaign may be NULL).
 */
export async function clicksProject(
  namespace: string,
): Promise<{ dir: string; topics: { clicks: string; clicks_ms: string } }> {
  const dir = await mkdtemp(join(tmpdir(), `lambdalake-${namespace}-`));
  await mkdir(join(dir, 'pipelines', 'sources'), { recursive: true });
  await mkdir(join(dir, 'pipelines', 'metrics'), { recursive: true });
  await mkdir(join(dir, 'sql', 'metrics'), { recursive: true });
  const topics = { clicks: `${namespace}.clicks`, clicks_ms: `${namespace}.clicks_ms` };
  const source = (name: 'clicks' | 'clicks_ms', partitions: number, format?: string) =>
    [
      `name: ${name}`,
      `topic: ${topics[name]}`,
      `partitions: ${partitions}`,
      'columns:',
      '  - { name: click_id, type: STRING }',
      '  - { name: campaign, type: STRING }',
      "  - { name: cost, type: 'DECIMAL(10,2)' }",
      '  - { name: event_time, type: TIMESTAMP(3) }',
      'event_time: event_time',
      ...(format ? [`event_time_format: ${format}`] : []),
      'dedupe_key: click_id',
      '',
    ].join('\n');
  const metric = (name: string, from: string) =>
    [
      `name: ${name}`,
      'description: Clicks and their cost per UTC hour and campaign.',
      'owner: ads@example.com',
      `source: ${from}`,
      'grain: { column: hour, size: 1 hour }',
      'keys: [campaign]',
      'measures:',
      '  - { name: clicks, type: BIGINT }',
      "  - { name: cost, type: 'DECIMAL(22,2)' }",
      'batch: { schedule: 15m }',
      'lateness: 10m',
      'speed: { state_ttl: 1d }',
      '',
    ].join('\n');
  const sql = (from: string) =>
    [
      'SELECT',
      '  CAST(FLOOR(event_time TO HOUR) AS TIMESTAMP(3)) AS `hour`,',
      '  campaign,',
      '  COUNT(*) AS clicks,',
      '  SUM(cost) AS cost',
      `FROM ${from}`,
      'GROUP BY FLOOR(event_time TO HOUR), campaign',
      '',
    ].join('\n');
  await writeFile(join(dir, 'pipelines', 'sources', 'clicks.yaml'), source('clicks', 3));
  await writeFile(
    join(dir, 'pipelines', 'sources', 'clicks_ms.yaml'),
    source('clicks_ms', 1, 'epoch_millis'),
  );
  await writeFile(
    join(dir, 'pipelines', 'metrics', 'campaign_clicks.yaml'),
    metric('campaign_clicks', 'clicks'),
  );
  await writeFile(
    join(dir, 'pipelines', 'metrics', 'campaign_clicks_ms.yaml'),
    metric('campaign_clicks_ms', 'clicks_ms'),
  );
  await writeFile(join(dir, 'sql', 'metrics', 'campaign_clicks.sql'), sql('clicks'));
  await writeFile(join(dir, 'sql', 'metrics', 'campaign_clicks_ms.sql'), sql('clicks_ms'));
  return { dir, topics };
}
