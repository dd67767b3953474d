// The browser session (doc/design/security.md): the engine answers nothing but its health check
// and these files without a login. On start the client exchanges a one-time ready link
// (`#login=<code>`, printed by `lingjing demo` or `lingjing user link`) for a session cookie,
// else asks for a user name and password until the engine accepts them. The cookie is HttpOnly:
// this code never sees the secret, only who it stands for (GET /api/v1/whoami).

export interface Identity {
  /** false when the engine runs with `[auth] enabled = false` (everyone is anonymous). */
  auth: boolean;
  name: string;
  role: string;
  /** The wards a clinician may see (and acknowledge alarms in). */
  wards?: string[];
}

export interface Credentials {
  name: string;
  password: string;
}

/** Asks the person for credentials, showing `error` (empty the first time). */
export interface LoginPrompt {
  ask(error: string): Promise<Credentials>;
  done(): void;
}

export type FetchFn = (url: string, init?: RequestInit) => Promise<Response>;

/** Splits `#login=<code>` off a location hash: the code (or null) and the hash to keep. */
export function takeLoginCode(hash: string): { code: string | null; rest: string } {
  const m = /^#login=([A-Za-z0-9_-]{1,128})(?:&(.*))?$/.exec(hash);
  if (!m) return { code: null, rest: hash };
  return { code: m[1], rest: m[2] ? `#${m[2]}` : '' };
}

/** What to tell the person about a refused login. */
export function loginError(status: number, message: string | undefined): string {
  if (status === 401) return 'Wrong user name or password.';
  if (status === 429) return 'Too many failed logins. Wait a minute, then try again.';
  return message ? `Login failed: ${message}` : `Login failed (HTTP ${status}).`;
}

async function postJson(fetchFn: FetchFn, url: string, body: object): Promise<Response> {
  return fetchFn(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify(body),
    credentials: 'same-origin',
  });
}

async function messageOf(r: Response): Promise<string | undefined> {
  const j = (await r.json().catch(() => ({}))) as { message?: unknown };
  return typeof j.message === 'string' ? j.message : undefined;
}

/**
 * Resolves once the engine knows who we are: with the ready-link `code` when given, else with
 * the existing cookie, else with credentials from `prompt` (asked again after each refusal).
 * Throws when the engine cannot be reached (the caller shows that and retries).
 */
export async function establishSession(api: string, fetchFn: FetchFn, code: string | null, prompt: LoginPrompt): Promise<Identity> {
  let error = '';
  if (code) {
    const r = await postJson(fetchFn, `${api}/api/v1/login/link`, { code });
    if (r.status === 429) error = loginError(429, undefined);
    else if (!r.ok && r.status !== 503) error = 'This login link was already used or has expired. Log in below.';
  }
  for (;;) {
    const w = await fetchFn(`${api}/api/v1/whoami`, { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
    if (w.ok) {
      const j = (await w.json()) as { auth?: string; name?: string; role?: string; wards?: unknown };
      prompt.done();
      if (j.auth === 'disabled') return { auth: false, name: '', role: '' };
      const who: Identity = { auth: true, name: j.name ?? '', role: j.role ?? '' };
      if (Array.isArray(j.wards)) who.wards = j.wards.map(String);
      return who;
    }
    if (w.status !== 401) throw new Error(`whoami: HTTP ${w.status}`);
    const c = await prompt.ask(error);
    const r = await postJson(fetchFn, `${api}/api/v1/login`, { name: c.name, password: c.password });
    error = r.ok ? '' : loginError(r.status, await messageOf(r));
  }
}

/** Ends the session (the engine expires the cookie). */
export async function logout(api: string, fetchFn: FetchFn): Promise<void> {
  await fetchFn(`${api}/api/v1/logout`, { method: 'POST', credentials: 'same-origin' });
}
