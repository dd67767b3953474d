// E2E harness: starts a real `lingjing demo` on a free loopback port with a fresh data directory,
// and Debian's chromium (headless, software GL, kept off the network) through playwright-core.
// Access control is on (the default): pages log in with one-time links (the demo's printed
// ready link, or `lingjing user link admin`); REST calls from the tests carry a service token.
// Pages get this run's build of the client (global-setup.ts): from the engine when it embeds
// that very build, else from a Vite preview server in front of the engine (ClientPage).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { preview, type PreviewServer } from 'vite';

const here = dirname(fileURLToPath(import.meta.url));
export const repo = resolve(here, '../..');
export const artifacts = resolve(repo, 'test-artifacts/web');

/** LJ_BINARY, else the ASan build of scripts/test, else the release/web builds. */
export function findBinary(): string {
  const candidates = [
    process.env.LJ_BINARY,
    join(repo, 'build/test/src/app/lingjing'),
    join(repo, 'build/web/src/app/lingjing'),
    join(repo, 'build/release/src/app/lingjing'),
  ].filter((p): p is string => !!p);
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`no lingjing binary; tried ${candidates.join(', ')} (set LJ_BINARY)`);
  return found;
}

export function findChromium(): string | null {
  const p = process.env.LJ_CHROMIUM ?? '/usr/bin/chromium';
  return existsSync(p) ? p : null;
}

function canListen(port: number): Promise<boolean> {
  return new Promise((ok) => {
    const s = createServer();
    s.once('error', () => ok(false));
    s.listen(port, '127.0.0.1', () => s.close(() => ok(true)));
  });
}

/**
 * A free loopback port below the kernel's ephemeral range, so that no outgoing connection
 * (of this run or another) is handed it between this check and the engine's bind, nor before
 * the engine binds it again on a restart.
 */
export async function freePort(): Promise<number> {
  let lo = 32768;
  try {
    lo = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || lo;
  } catch {
    /* not Linux: keep the IANA default */
  }
  lo = Math.max(12000, Math.min(lo, 65535));
  for (let i = 0; i < 1000; i++) {
    const port = 10000 + Math.floor(Math.random() * (lo - 10000));
    if (await canListen(port)) return port;
  }
  throw new Error('no free loopback port below the ephemeral range');
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let lastErr: unknown;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      lastErr = e;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}${lastErr ? `: ${String(lastErr)}` : ''}`);
}

export class Engine {
  proc: ChildProcess | null = null;
  log = '';
  /** The "Ready: <url>" link the demo printed at its last start. */
  readyLink: string | null = null;
  /** The administrator's password, printed once at the first start. */
  adminPassword: string | null = null;
  private token = '';
  readonly dataDir = mkdtempSync(join(tmpdir(), 'lj-web-e2e-'));
  constructor(
    readonly binary: string,
    readonly port: number,
    readonly beds: number,
  ) {}

  get base(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  private cli(args: string[]): string {
    return execFileSync(this.binary, [...args, '--data', this.dataDir], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ASAN_OPTIONS: process.env.ASAN_OPTIONS ?? 'detect_leaks=0' },
    }).trim();
  }

  /** fetch() with the tests' service token (every scope): for setup and checks over REST. */
  fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.token) headers.set('Authorization', `Bearer ${this.token}`);
    return fetch(url, { ...init, headers });
  }

  /** A page URL that logs in as the administrator once: `${base}/${query}#login=<code>[&hash]`. */
  loginUrl(query = '', hash = '', base = `${this.base}/`): string {
    const link = this.cli(['user', 'link', 'admin', '--url', this.base]);
    const code = /#login=([A-Za-z0-9_-]+)/.exec(link)?.[1];
    if (!code) throw new Error(`no login link from lingjing user link: ${link}`);
    return `${base}${query}#login=${code}${hash ? `&${hash}` : ''}`;
  }

  async start(): Promise<void> {
    if (!this.token) {
      const scopes = ['ingest', 'read', 'fhir', 'adt', 'alarms', 'metrics', 'audit'].flatMap((s) => ['--scope', s]);
      this.token = this.cli(['token', 'create', '--kind', 'service', '--name', 'e2e-tests', ...scopes]);
    }
    this.readyLink = null;
    this.proc = spawn(
      this.binary,
      ['demo', '--port', String(this.port), '--address', '127.0.0.1', '--data', this.dataDir, '--beds', String(this.beds), '--log-level', 'warn'],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ASAN_OPTIONS: process.env.ASAN_OPTIONS ?? 'detect_leaks=0' } },
    );
    let thisRun = '';
    const append = (d: Buffer) => {
      this.log = (this.log + d.toString()).slice(-20_000);
      if (this.readyLink) return;
      thisRun += d.toString();
      const ready = /Ready: (\S+)\n/.exec(thisRun);
      if (ready) this.readyLink = ready[1];
      const pw = /created user 'admin' with password: (\S+)\n/.exec(thisRun);
      if (pw) this.adminPassword = pw[1];
    };
    this.proc.stdout!.on('data', append);
    this.proc.stderr!.on('data', append);
    await waitFor('lingjing /healthz', async () => {
      if (this.proc?.exitCode !== null) throw new Error(`lingjing exited: ${this.log}`);
      const r = await fetch(`${this.base}/healthz`);
      return r.ok;
    }, 180_000);
    await waitFor('the ready link', async () => this.readyLink, 30_000);
  }

  async stop(): Promise<void> {
    const p = this.proc;
    this.proc = null;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    const timer = setTimeout(() => p.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  }

  cleanup(): void {
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

export async function launchBrowser(executablePath: string): Promise<Browser> {
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--no-sandbox', // containers without user namespaces
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-default-apps',
      '--disable-sync',
      '--no-first-run',
      '--metrics-recording-only',
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
      '--use-angle=swiftshader',
      '--enable-unsafe-swiftshader',
      '--ignore-gpu-blocklist',
    ],
  });
}

export function saveArtifact(name: string, data: Buffer | string): string {
  mkdirSync(artifacts, { recursive: true });
  const p = join(artifacts, name);
  writeFileSync(p, data);
  return p;
}

/**
 * Where pages load the client from. LJ_E2E_PAGE (a development server) wins; otherwise the engine
 * itself when it serves exactly this run's build (`dist`: scripts/test builds, embeds, then runs
 * the e2e suite); otherwise a Vite preview server with that build that proxies /api and /ws to
 * the engine with the Host header kept, so the engine's same-origin checks pass — a binary built
 * without web/dist, or with an older client, still tests the current source.
 */
export class ClientPage {
  private constructor(
    /** Base URL of the page, ending in "/". */
    readonly base: string,
    /** The engine serves the client itself (no proxy in between). */
    readonly fromEngine: boolean,
    /** The engine has some client built in (its `/` references hashed assets). */
    readonly engineHasClient: boolean,
    private readonly server: PreviewServer | null,
  ) {}

  static async start(engine: Engine, dist: string): Promise<ClientPage> {
    const served = await (await fetch(`${engine.base}/`)).text();
    const hasClient = /\/assets\/[^"]+\.js/.test(served);
    if (process.env.LJ_E2E_PAGE) return new ClientPage(process.env.LJ_E2E_PAGE, false, hasClient, null);
    if (served === readFileSync(join(dist, 'index.html'), 'utf8')) return new ClientPage(`${engine.base}/`, true, true, null);
    const port = await freePort();
    const server = await preview({
      configFile: false,
      root: dist,
      logLevel: 'silent',
      build: { outDir: dist },
      preview: {
        host: '127.0.0.1',
        port,
        strictPort: true,
        proxy: {
          '/api': { target: engine.base, changeOrigin: false },
          '/ws': { target: engine.base.replace(/^http/, 'ws'), ws: true, changeOrigin: false },
        },
      },
    });
    return new ClientPage(`http://127.0.0.1:${port}/`, false, hasClient, server);
  }

  /** `link` (an engine URL, e.g. the demo's ready link) on this page's origin. */
  rebase(link: string, engine: Engine): string {
    return link.replace(`${engine.base}/`, this.base);
  }

  async close(): Promise<void> {
    await this.server?.close();
  }
}

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/**
 * axe-core (WCAG 2.x A/AA rules) on the whole page: its serious and critical violations as
 * "rule (impact: help) at targets" lines — [] when there are none.
 */
export async function seriousAxeViolations(p: Page): Promise<string[]> {
  if (!(await p.evaluate(() => 'axe' in window))) await p.addScriptTag({ path: AXE });
  const all = (await p.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, o: object): Promise<{ violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: unknown[] }> }> }> } }).axe;
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.map(String).join(' ')) }));
  })) as Array<{ id: string; impact: string | null; help: string; targets: string[] }>;
  return all
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}: ${v.help}) at ${v.targets.slice(0, 8).join(' | ')}`);
}
