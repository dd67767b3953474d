// Everything the views show about one bed, derived from the twins: vitals from the bed's monitor,
// NEWS2 and alarm state from the Patient twin's derived telemetry (`news2`, `news2Risk`,
// `alarmLevel`, `alarmText`; observations `consciousness`, `supplementalO2` — models/ward/
// patient.json) when present, else estimated from the vitals (shown as "est."). The alarm shown
// (`alarmText`) is the first of the patient's shown alarms in tile order (model/alarms.ts: active
// by priority, newest first; then latched; then acknowledged) once the alarm list is known and
// up to date with the live summary; until then the engine's live `alarmText`. Pure.
import type { Twin } from '../types';
import type { Alarm } from './alarms';
import { num } from '../types';
import type { BedInfo } from './structure';
import { estimateNews2, type News2Result, type Risk } from '../viz/news2';
import { parsePriority, parseRisk, Priority, priorityFromRisk } from '../viz/mapping';

export interface BedView {
  bed: BedInfo;
  patient?: Twin;
  monitor?: Twin;
  hr?: number;
  rr?: number;
  spo2?: number;
  sys?: number;
  dia?: number;
  mean?: number;
  temp?: number;
  scale: 1 | 2;
  consciousness?: string;
  news2?: number;
  news2Estimated: boolean;
  news2Detail: News2Result;
  risk?: Risk;
  priority: Priority;
  alarmText?: string;
  /** The patient's shown alarms in tile order (empty without the alarm API). */
  alarms: Alarm[];
  /** The alarm `alarmText` names, when it comes from the alarm list. */
  alarmHeadline?: Alarm;
  /** The list is older than the live summary (a refresh is on its way). */
  alarmsPending: boolean;
  sensorOff: boolean;
  leadsOff: boolean;
  newestT: number; // newest sensor time of the monitor's scalars (ms)
}

/** The patient's name as shown (its twin id when it has none), '' for an empty bed. */
export function patientName(v: BedView): string {
  return v.patient ? String(v.patient.properties?.name ?? v.patient.id) : '';
}

/** A Patient field from telemetry (engine-computed) or properties. */
export function patientField(p: Twin | undefined, name: string): unknown {
  if (!p) return undefined;
  const tv = p.telemetry?.[name];
  if (tv !== undefined) return tv.v;
  return p.properties?.[name];
}

const ACVPU: Record<string, 'A' | 'C' | 'V' | 'P' | 'U'> = {
  alert: 'A',
  newConfusion: 'C',
  voice: 'V',
  pain: 'P',
  unresponsive: 'U',
};

function bool(v: unknown): boolean {
  return v === true || v === 1 || v === 'true';
}

/** The patient's alarms as the alarm store holds them (model/alarms.ts). */
export interface BedAlarms {
  list: Alarm[]; // in tile order
  pending: boolean;
}

export function bedView(bed: BedInfo, twins: Map<string, Twin>, alarms?: BedAlarms): BedView {
  const patient = bed.patientId ? twins.get(bed.patientId) : undefined;
  const monitor = bed.monitorId ? twins.get(bed.monitorId) : undefined;
  const tel = monitor?.telemetry ?? {};
  const scale = patientField(patient, 'spo2Scale') === 2 ? 2 : 1;
  const consRaw = patientField(patient, 'consciousness');
  const consciousness = typeof consRaw === 'string' ? consRaw : undefined;
  const onOxygenRaw = patientField(patient, 'supplementalO2');
  const v = {
    hr: num(tel.hr),
    rr: num(tel.rr),
    spo2: num(tel.spo2),
    sys: num(tel.nibpSys),
    dia: num(tel.nibpDia),
    mean: num(tel.nibpMean),
    temp: num(tel.temp),
  };
  const acvpu = consciousness ? ACVPU[consciousness] : undefined;
  const detail = estimateNews2({
    ...v,
    scale,
    onOxygen: onOxygenRaw === undefined ? undefined : bool(onOxygenRaw),
    consciousness: acvpu,
  });
  const engineNews2 = patientField(patient, 'news2');
  const hasEngine = typeof engineNews2 === 'number';
  const news2 = hasEngine ? engineNews2 : patient && v.hr !== undefined ? detail.total : undefined;
  const risk = hasEngine ? parseRisk(patientField(patient, 'news2Risk')) : news2 === undefined ? undefined : detail.risk;
  const alarmLevel = patientField(patient, 'alarmLevel');
  const leadsOff = bool(tel.ecgLeadsOff?.v);
  const sensorOff = bool(tel.spo2SensorOff?.v);
  let priority = alarmLevel !== undefined ? parsePriority(alarmLevel) : priorityFromRisk(risk);
  if ((leadsOff || sensorOff) && priority < Priority.Low) priority = Priority.Low;
  const alarmTextRaw = patientField(patient, 'alarmText');
  let alarmText = typeof alarmTextRaw === 'string' && alarmTextRaw ? alarmTextRaw : undefined;
  if (!alarmText && leadsOff) alarmText = 'ECG leads off';
  if (!alarmText && sensorOff) alarmText = 'SpO₂ sensor off';
  if (!alarmText && alarmLevel === undefined && priority > Priority.None) alarmText = `NEWS2 ${news2} (${risk})`;
  const list = patient ? (alarms?.list ?? []) : [];
  const pending = !!alarms?.pending;
  const alarmHeadline = !pending && list.length ? list[0] : undefined;
  if (alarmHeadline) alarmText = alarmHeadline.message;
  let newestT = 0;
  for (const tv of Object.values(tel)) if (typeof tv.t === 'number' && tv.t > newestT) newestT = tv.t;
  return {
    bed,
    patient,
    monitor,
    ...v,
    scale,
    consciousness,
    news2,
    news2Estimated: !hasEngine,
    news2Detail: detail,
    risk,
    priority,
    alarmText,
    alarms: list,
    alarmHeadline,
    alarmsPending: pending,
    sensorOff,
    leadsOff,
    newestT,
  };
}
