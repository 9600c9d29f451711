/** How the client authenticates: nothing, a fixed bearer token, or OAuth2 client credentials. */
export type CatalogAuth =
  | { kind: 'none' }
  | { kind: 'bearer'; token: string }
  | {
      kind: 'client-credentials';
      clientId: string;
      clientSecret: string;
      scope?: string;
      tokenUrl?: string;
    };

interface Token {
  value: string;
  expiresAtMs: number;
}

/**
 * Produces the Authorization header, fetching OAuth2 client-credentials tokens and refreshing them
 * before they expire (at 80% of their lifetime), so no request goes out with a stale token.
 */
export class TokenProvider {
  private token: Token | null = null;
  private inFlight: Promise<Token> | null = null;

  constructor(
    private readonly auth: CatalogAuth,
    private readonly defaultTokenUrl: string,
    private readonly fetchImpl: typeof fetch = fetch,
    private readonly now: () => number = Date.now,
  ) {}

  async header(): Promise<string | null> {
    if (this.auth.kind === 'none') return null;
    if (this.auth.kind === 'bearer') return `Bearer ${this.auth.token}`;
    if (!this.token || this.now() >= this.token.expiresAtMs) {
      this.inFlight ??= this.fetchToken().finally(() => (this.inFlight = null));
      this.token = await this.inFlight;
    }
    return `Bearer ${this.token.value}`;
  }

  private async fetchToken(): Promise<Token> {
    const auth = this.auth as Extract<CatalogAuth, { kind: 'client-credentials' }>;
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: auth.clientId,
      client_secret: auth.clientSecret,
      scope: auth.scope ?? 'catalog',
    });
    const response = await this.fetchImpl(auth.tokenUrl ?? this.defaultTokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
    });
    const body = (await response.json()) as {
      access_token?: string;
      expires_in?: number;
      error?: string;
      error_description?: string;
    };
    if (!response.ok || !body.access_token) {
      throw new Error(
        `OAuth2 token request to ${auth.tokenUrl ?? this.defaultTokenUrl} failed (${response.status}): ${body.error_description ?? body.error ?? 'no access_token'}`,
      );
    }
    const lifetimeMs = (body.expires_in ?? 3600) * 1000;
    return { value: body.access_token, expiresAtMs: this.now() + lifetimeMs * 0.8 };
  }
}
