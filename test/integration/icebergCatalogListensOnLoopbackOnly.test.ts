import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { expect, test } from 'vitest';
import { readListeningSockets } from '../../src/stack/listeningSockets.ts';
import { stackStatus } from '../../src/stack/index.ts';
import { stackEndpoints } from './stack.ts';

// Issue 21: the reference server bound every interface, so anyone on the network could create,
// drop or rewrite tables. The catalog must answer on loopback and nowhere else.
test('the Iceberg catalog answers on 127.0.0.1 and refuses connections on every other address of this machine', async () => {
  const port = Number(new URL(stackEndpoints().icebergCatalogUrl).port);

  const config = await fetch(`http://127.0.0.1:${port}/v1/config`);
  expect(config.status).toBe(200);
  expect(await config.json()).toHaveProperty('defaults');

  // The kernel's own record, true even on a machine with no other interface: one socket, loopback.
  const bound = (await readListeningSockets()).filter((s) => s.port === port).map((s) => s.host);
  expect(bound).toEqual(['127.0.0.1']);

  const others = nonLoopbackAddresses();
  console.info(`non-loopback addresses tried: ${others.join(', ') || '(none on this machine)'}`);
  for (const address of others) {
    expect({ address, outcome: await connectOutcome(address, port) }).toEqual({
      address,
      outcome: 'ECONNREFUSED',
    });
  }
});

test('stack status says where every service listens, and all of it is loopback', async () => {
  const statuses = (await stackStatus()).filter((s) => s.state === 'running');
  const catalog = statuses.find((s) => s.name === 'iceberg-catalog');
  expect(catalog?.listening).toEqual([`127.0.0.1:${catalog?.port}`]);
  for (const s of statuses) {
    if (s.port !== null) expect(s.listening, s.name).toContain(`${s.host}:${s.port}`);
    expect(s.listening.length, `${s.name} listens nowhere`).toBeGreaterThan(0);
    expect(
      s.listening.filter((a) => !a.startsWith('127.') && !a.startsWith('[::1]')),
      `${s.name} listens beyond loopback`,
    ).toEqual([]);
  }
});

function nonLoopbackAddresses(): string[] {
  return Object.entries(networkInterfaces()).flatMap(([name, addresses]) =>
    (addresses ?? [])
      .filter((a) => !a.internal)
      // A link-local IPv6 address is only reachable with its interface named.
      .map((a) =>
        a.family === 'IPv6' && a.address.startsWith('fe80') ? `${a.address}%${name}` : a.address,
      ),
  );
}

/** 'connected', or the error code of the failed connect (ECONNREFUSED: nothing listens there). */
function connectOutcome(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 3000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve('timeout');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}
