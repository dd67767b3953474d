import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../src/net/backoff';
import { LiveClient } from '../../src/net/live-client';

describe('reconnect backoff', () => {
  it('doubles from 500 ms and caps at 10 s', () => {
    const mid = () => 0.5; // no jitter
    expect([0, 1, 2, 3, 4, 5, 6, 20].map((a) => backoffDelay(a, mid))).toEqual([
      500, 1000, 2000, 4000, 8000, 10000, 10000, 10000,
    ]);
  });
  it('jitters within ±20 %', () => {
    expect(backoffDelay(2, () => 0)).toBeCloseTo(1600);
    expect(backoffDelay(2, () => 1)).toBeCloseTo(2400);
  });
});

class FakeSocket {
  readyState = 0;
  sent: string[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((ev: { data: string }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: (() => void) | null = null;
  send(s: string) {
    this.sent.push(s);
  }
  close() {
    this.onclose?.({ code: 1006, reason: '' });
  }
  open() {
    this.readyState = 1;
    this.onopen?.();
  }
}

describe('LiveClient', () => {
  it('resubscribes after a drop and backs off between attempts', () => {
    const sockets: FakeSocket[] = [];
    const delays: number[] = [];
    const pending: Array<() => void> = [];
    const states: string[] = [];
    const client = new LiveClient({
      url: 'ws://x/ws',
      subscriptions: () => [{ op: 'subscribe', id: 's' }],
      onMessage: () => {},
      onState: (s) => states.push(s),
      webSocket: () => {
        const s = new FakeSocket();
        sockets.push(s);
        return s as unknown as WebSocket;
      },
      schedule: (fn, ms) => {
        delays.push(ms);
        pending.push(fn);
      },
      random: () => 0.5,
    });
    client.start();
    sockets[0].open();
    expect(sockets[0].sent).toEqual([JSON.stringify({ op: 'subscribe', id: 's' })]);
    sockets[0].onmessage?.({ data: JSON.stringify({ op: 'snapshot', sub: 's', twins: [] }) });
    expect(states.at(-1)).toBe('live');
    sockets[0].close(); // server restart
    expect(states.at(-1)).toBe('down');
    pending.shift()!(); // retry → second socket, refused
    sockets[1].close();
    pending.shift()!();
    sockets[2].open();
    expect(sockets[2].sent).toEqual([JSON.stringify({ op: 'subscribe', id: 's' })]);
    sockets[2].onmessage?.({ data: JSON.stringify({ op: 'snapshot', sub: 's', twins: [] }) });
    expect(delays).toEqual([500, 1000]);
    expect(client.reconnects).toBe(1);
    expect(states.at(-1)).toBe('live');
  });
});
