import { expect, test } from 'vitest';
import { SmokeGatewaySession } from './support/gatewaySession.ts';
import { stackEndpoints } from './stack.ts';

test('SELECT 1 runs through the SQL Gateway in batch mode and its row is read back', async () => {
  const session = await SmokeGatewaySession.open(stackEndpoints().sqlGatewayUrl);
  try {
    const result = await session.run("SELECT 1 AS answer, 'lake' AS word", {
      'execution.runtime-mode': 'batch',
    });
    expect(result.columns).toEqual(['answer', 'word']);
    expect(result.rows).toEqual([[1, 'lake']]);
  } finally {
    await session.close();
  }
});
