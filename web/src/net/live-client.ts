// One WebSocket to /ws: sends the subscriptions on every (re)connect, reconnects with backoff
// after a close (server restart, network), and hands parsed messages to the caller.
import type { ServerMessage } from '../types';
import { backoffDelay } from './backoff';

export type ConnectionState = 'connecting' | 'live' | 'down';

export interface LiveClientOptions {
  url: string;
  subscriptions: () => object[]; // re-read on every connect
  onMessage: (m: ServerMessage) => void;
  onState: (s: ConnectionState, detail: string) => void;
  webSocket?: (url: string) => WebSocket; // injectable for tests
  schedule?: (fn: () => void, ms: number) => unknown;
  random?: () => number;
}

export class LiveClient {
  private ws: WebSocket | null = null;
  private attempt = 0;
  private stopped = false;
  reconnects = 0;

  constructor(private readonly o: LiveClientOptions) {}

  start(): void {
    this.stopped = false;
    this.open();
  }

  stop(): void {
    this.stopped = true;
    this.ws?.close();
  }

  send(msg: object): boolean {
    if (!this.ws || this.ws.readyState !== 1) return false;
    this.ws.send(JSON.stringify(msg));
    return true;
  }

  private open(): void {
    this.o.onState('connecting', this.attempt ? 'Reconnecting…' : 'Connecting…');
    let ws: WebSocket;
    try {
      ws = this.o.webSocket ? this.o.webSocket(this.o.url) : new WebSocket(this.o.url);
    } catch {
      this.retry();
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      for (const s of this.o.subscriptions()) ws.send(JSON.stringify(s));
    };
    ws.onmessage = (ev: MessageEvent) => {
      let m: ServerMessage;
      try {
        m = JSON.parse(String(ev.data)) as ServerMessage;
      } catch {
        return;
      }
      if (m.op === 'snapshot') {
        if (this.attempt > 0) this.reconnects++;
        this.attempt = 0;
        this.o.onState('live', 'Live');
      }
      this.o.onMessage(m);
    };
    ws.onclose = (ev: CloseEvent) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (!this.stopped) this.retry(ev.code === 1008 ? `server: ${ev.reason || 'policy'}` : '');
    };
    ws.onerror = () => ws.close();
  }

  private retry(reason = ''): void {
    const delay = backoffDelay(this.attempt, this.o.random);
    this.attempt = Math.min(this.attempt + 1, 8);
    this.o.onState('down', `Offline · retry in ${Math.ceil(delay / 1000)} s${reason ? ` (${reason})` : ''}`);
    const schedule = this.o.schedule ?? ((fn, ms) => setTimeout(fn, ms));
    schedule(() => {
      if (!this.stopped) this.open();
    }, delay);
  }
}
