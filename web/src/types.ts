// Shapes of the live API's JSON (doc/protocols/websocket.md) as the client uses them.

export interface TimedValue {
  t: number; // ms since the Unix epoch (sensor time)
  v: unknown;
}

export interface Twin {
  id: string;
  model: string;
  properties: Record<string, unknown>;
  telemetry: Record<string, TimedValue>;
}

export interface Relationship {
  name: string;
  target: string;
}

export interface WaveMessage {
  op: 'wave';
  sub: string;
  twin: string;
  telemetry: string;
  t0: number;
  rate: number;
  values: number[];
}

export interface GapMessage {
  op: 'gap';
  sub: string;
  twin: string;
  telemetry: string;
  from: number;
  to: number;
  reason?: string;
}

export type ServerMessage =
  | { op: 'snapshot'; sub: string; twins: Twin[] }
  | { op: 'delta'; sub: string; twins: Record<string, Record<string, TimedValue>> }
  | WaveMessage
  | GapMessage
  | { op: 'twin'; sub: string; twin?: Twin; id?: string; removed?: boolean }
  | { op: 'error'; code: number; error: string; message: string }
  | { op: 'presence'; twin: string; properties?: Record<string, unknown> }
  | { op: 'pong' | 'ack'; seq: number };

/** "dtmi:lingjing:ward:Bed;1" is a Bed. */
export function isModel(twin: Twin | undefined, name: string): boolean {
  return !!twin && typeof twin.model === 'string' && twin.model.includes(`:${name};`);
}

export function num(tv: TimedValue | undefined): number | undefined {
  return tv && typeof tv.v === 'number' && Number.isFinite(tv.v) ? tv.v : undefined;
}
