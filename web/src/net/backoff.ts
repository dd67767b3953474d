// Reconnect delay: exponential from `baseMs`, capped at `maxMs`, with ±20 % jitter so that a
// wall of screens does not reconnect in lock-step after a server restart.

export interface BackoffOptions {
  baseMs?: number;
  maxMs?: number;
  jitter?: number; // fraction, 0.2 = ±20 %
}

export function backoffDelay(
  attempt: number,
  random: () => number = Math.random,
  { baseMs = 500, maxMs = 10_000, jitter = 0.2 }: BackoffOptions = {},
): number {
  const n = Math.max(0, Math.floor(attempt));
  const raw = Math.min(maxMs, baseMs * 2 ** Math.min(n, 30));
  return raw * (1 - jitter + 2 * jitter * random());
}
