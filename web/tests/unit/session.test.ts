import { describe, expect, it } from 'vitest';
import { establishSession, loginError, takeLoginCode, type Credentials, type LoginPrompt } from '../../src/net/session';

/** A fake engine: a password, one-time codes, and a cookie flag. */
function fakeEngine(opts: { auth?: boolean; codes?: string[]; password?: string } = {}) {
  const state = { session: false, calls: [] as string[], codes: new Set(opts.codes ?? []) };
  const json = (status: number, body: object) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
  const fetchFn = async (url: string, init?: RequestInit) => {
    const path = url.replace(/^https?:\/\/[^/]+/, '');
    state.calls.push(`${init?.method ?? 'GET'} ${path}`);
    if (opts.auth === false) return path === '/api/v1/whoami' ? json(200, { auth: 'disabled' }) : json(503, { message: 'off' });
    if (path === '/api/v1/whoami') return state.session ? json(200, { name: 'admin', kind: 'user', role: 'administrator' }) : json(401, { code: 1010 });
    const body = JSON.parse(String(init?.body ?? '{}')) as { code?: string; name?: string; password?: string };
    if (path === '/api/v1/login/link') {
      if (!body.code || !state.codes.delete(body.code)) return json(401, { code: 1010 });
      state.session = true;
      return json(200, { name: 'admin' });
    }
    if (path === '/api/v1/login') {
      if (body.name === 'admin' && body.password === (opts.password ?? 'correct horse battery')) {
        state.session = true;
        return json(200, { name: 'admin' });
      }
      return json(401, { code: 1010, message: 'wrong user name or password' });
    }
    return json(404, {});
  };
  return { state, fetchFn };
}

function scriptedPrompt(answers: Credentials[]) {
  const errors: string[] = [];
  let closed = false;
  const prompt: LoginPrompt = {
    ask: async (error) => {
      errors.push(error);
      const a = answers.shift();
      if (!a) throw new Error('asked more often than scripted');
      return a;
    },
    done: () => {
      closed = true;
    },
  };
  return { prompt, errors, closed: () => closed };
}

describe('takeLoginCode', () => {
  it('splits the code off and keeps the rest of the hash', () => {
    expect(takeLoginCode('#login=abc_DEF-123')).toEqual({ code: 'abc_DEF-123', rest: '' });
    expect(takeLoginCode('#login=abc&overview')).toEqual({ code: 'abc', rest: '#overview' });
    expect(takeLoginCode('#overview')).toEqual({ code: null, rest: '#overview' });
    expect(takeLoginCode('#login=<script>')).toEqual({ code: null, rest: '#login=<script>' });
  });
});

describe('establishSession', () => {
  it('exchanges a ready-link code without asking for a password', async () => {
    const e = fakeEngine({ codes: ['C0DE'] });
    const p = scriptedPrompt([]);
    const who = await establishSession('', e.fetchFn, 'C0DE', p.prompt);
    expect(who).toEqual({ auth: true, name: 'admin', role: 'administrator' });
    expect(e.state.calls).toEqual(['POST /api/v1/login/link', 'GET /api/v1/whoami']);
    expect(p.errors).toEqual([]);
    expect(p.closed()).toBe(true);
  });

  it('asks again after a wrong password, and says why', async () => {
    const e = fakeEngine();
    const p = scriptedPrompt([
      { name: 'admin', password: 'guess' },
      { name: 'admin', password: 'correct horse battery' },
    ]);
    const who = await establishSession('', e.fetchFn, null, p.prompt);
    expect(who.name).toBe('admin');
    expect(p.errors).toEqual(['', 'Wrong user name or password.']);
  });

  it('falls back to the login form when the link was used already', async () => {
    const e = fakeEngine({ codes: [] });
    const p = scriptedPrompt([{ name: 'admin', password: 'correct horse battery' }]);
    await establishSession('', e.fetchFn, 'USED', p.prompt);
    expect(p.errors[0]).toMatch(/already used or has expired/);
  });

  it('goes on anonymously when the engine runs without access control', async () => {
    const e = fakeEngine({ auth: false });
    const p = scriptedPrompt([]);
    expect(await establishSession('', e.fetchFn, null, p.prompt)).toEqual({ auth: false, name: '', role: '' });
  });

  it('keeps an existing session', async () => {
    const e = fakeEngine();
    e.state.session = true;
    const p = scriptedPrompt([]);
    expect((await establishSession('', e.fetchFn, null, p.prompt)).name).toBe('admin');
    expect(e.state.calls).toEqual(['GET /api/v1/whoami']);
  });
});

describe('loginError', () => {
  it('names the rate limit and other failures', () => {
    expect(loginError(429, undefined)).toMatch(/Too many failed logins/);
    expect(loginError(503, 'audit trail unavailable')).toBe('Login failed: audit trail unavailable');
  });
});
