import { connect } from 'node:net';
import type { HealthResult } from './serviceDefinition.ts';

/**
 * Asks a Postgres-wire server the first question every client asks (SSLRequest) and accepts the
 * one-byte answer 'S' or 'N': proof that the protocol is served, without credentials.
 */
export function postgresHealth(
  host: string,
  port: number,
  timeoutMs = 2000,
): Promise<HealthResult> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (result: HealthResult) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () =>
      done({ healthy: false, detail: `no answer from ${host}:${port} in ${timeoutMs} ms` }),
    );
    socket.on('error', (error) =>
      done({ healthy: false, detail: `${host}:${port}: ${error.message}` }),
    );
    socket.on('connect', () => {
      const request = Buffer.alloc(8);
      request.writeInt32BE(8, 0);
      request.writeInt32BE(80877103, 4);
      socket.write(request);
    });
    socket.on('data', (data) => {
      const answer = String.fromCharCode(data[0] ?? 0);
      done(
        answer === 'S' || answer === 'N'
          ? { healthy: true, detail: 'answers the Postgres wire protocol' }
          : { healthy: false, detail: `unexpected answer ${JSON.stringify(answer)} to SSLRequest` },
      );
    });
  });
}
