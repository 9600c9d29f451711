import { expect, test } from 'vitest';
import { TokenProvider } from './auth.ts';

test('client-credentials tokens are fetched once and refreshed before they expire', async () => {
  let now = 0;
  const requests: string[] = [];
  const fakeFetch = (async (_url: string, init: RequestInit) => {
    requests.push(String(init.body));
    return new Response(JSON.stringify({ access_token: `t${requests.length}`, expires_in: 100 }), {
      status: 200,
    });
  }) as unknown as typeof fetch;
  const provider = new TokenProvider(
    { kind: 'client-credentials', clientId: 'id', clientSecret: 's' },
    'http://cat/v1/oauth/tokens',
    fakeFetch,
    () => now,
  );
  expect(await provider.header()).toBe('Bearer t1');
  now = 79_000;
  expect(await provider.header()).toBe('Bearer t1');
  now = 80_000; // 80% of the 100 s lifetime
  expect(await provider.header()).toBe('Bearer t2');
  expect(requests[0]).toBe(
    'grant_type=client_credentials&client_id=id&client_secret=s&scope=catalog',
  );
});

test('a refused token request says why', async () => {
  const fakeFetch = (async () =>
    new Response(JSON.stringify({ error: 'invalid_client', error_description: 'bad secret' }), {
      status: 401,
    })) as unknown as typeof fetch;
  const provider = new TokenProvider(
    { kind: 'client-credentials', clientId: 'id', clientSecret: 'x' },
    'http://cat/v1/oauth/tokens',
    fakeFetch,
  );
  await expect(provider.header()).rejects.toThrow(
    'OAuth2 token request to http://cat/v1/oauth/tokens failed (401): bad secret',
  );
});
