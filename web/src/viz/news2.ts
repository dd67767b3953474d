// Client-side NEWS2 (RCP 2017 chart) from the monitor's vitals, used only while the Patient twin
// carries no `news2` from the engine (then it is shown as "est."). Inputs are rounded as the
// chart reads them; missing parameters score nothing and make the result incomplete. Pure.

export type Consciousness = 'A' | 'C' | 'V' | 'P' | 'U';

export interface News2Input {
  rr?: number;
  spo2?: number;
  scale?: 1 | 2;
  onOxygen?: boolean;
  sys?: number;
  hr?: number;
  consciousness?: Consciousness;
  temp?: number;
}

export type News2Param = 'rr' | 'spo2' | 'air' | 'sys' | 'hr' | 'consciousness' | 'temp';
export const NEWS2_PARAMS: News2Param[] = ['rr', 'spo2', 'air', 'sys', 'hr', 'consciousness', 'temp'];
export type Risk = 'low' | 'low-medium' | 'medium' | 'high';

export interface News2Result {
  total: number;
  scores: Partial<Record<News2Param, number>>;
  missing: News2Param[];
  complete: boolean;
  singleParameter3: boolean;
  risk: Risk;
}

export function scoreRr(rr: number): number {
  const v = Math.round(rr);
  return v <= 8 ? 3 : v <= 11 ? 1 : v <= 20 ? 0 : v <= 24 ? 2 : 3;
}

export function scoreSpo2(spo2: number, scale: 1 | 2 = 1, onOxygen = false): number {
  const v = Math.round(spo2);
  if (scale === 1) return v <= 91 ? 3 : v <= 93 ? 2 : v <= 95 ? 1 : 0;
  if (v <= 83) return 3;
  if (v <= 85) return 2;
  if (v <= 87) return 1;
  if (v <= 92 || !onOxygen) return 0;
  return v <= 94 ? 1 : v <= 96 ? 2 : 3;
}

export function scoreSys(sys: number): number {
  const v = Math.round(sys);
  return v <= 90 ? 3 : v <= 100 ? 2 : v <= 110 ? 1 : v <= 219 ? 0 : 3;
}

export function scoreHr(hr: number): number {
  const v = Math.round(hr);
  return v <= 40 ? 3 : v <= 50 ? 1 : v <= 90 ? 0 : v <= 110 ? 1 : v <= 130 ? 2 : 3;
}

export function scoreTemp(temp: number): number {
  const v = Math.round(temp * 10) / 10;
  return v <= 35.0 ? 3 : v <= 36.0 ? 1 : v <= 38.0 ? 0 : v <= 39.0 ? 1 : 2;
}

export function riskOf(total: number, singleParameter3: boolean): Risk {
  if (total >= 7) return 'high';
  if (total >= 5) return 'medium';
  if (singleParameter3) return 'low-medium';
  return 'low';
}

export function estimateNews2(i: News2Input): News2Result {
  const scores: Partial<Record<News2Param, number>> = {};
  const missing: News2Param[] = [];
  const put = (p: News2Param, v: number | undefined, f: (x: number) => number) => {
    if (v === undefined || !Number.isFinite(v)) missing.push(p);
    else scores[p] = f(v);
  };
  put('rr', i.rr, scoreRr);
  put('spo2', i.spo2, (v) => scoreSpo2(v, i.scale ?? 1, i.onOxygen ?? false));
  if (i.onOxygen === undefined) missing.push('air');
  else scores.air = i.onOxygen ? 2 : 0;
  put('sys', i.sys, scoreSys);
  put('hr', i.hr, scoreHr);
  if (i.consciousness === undefined) missing.push('consciousness');
  else scores.consciousness = i.consciousness === 'A' ? 0 : 3;
  put('temp', i.temp, scoreTemp);
  const values = Object.values(scores) as number[];
  const total = values.reduce((a, b) => a + b, 0);
  const singleParameter3 = values.some((v) => v === 3);
  return { total, scores, missing, complete: missing.length === 0, singleParameter3, risk: riskOf(total, singleParameter3) };
}
