// The ward's structure derived from the twin graph: Hospital → Ward → Room → Bed, the bed's
// patient (occupiedBy) and monitor (hasDevice). Relationships come from the REST API; until they
// arrive (or when they are missing) the demo's id convention bed-a01 → patient-a01/monitor-a01 and
// "everything in the first ward" fill in. Pure: no I/O.
import type { Relationship, Twin } from '../types';
import { isModel } from '../types';

export interface Vec3 {
  x: number;
  y: number;
  z: number;
}

export interface BedInfo {
  id: string;
  label: string;
  roomId: string;
  wardId: string;
  position?: Vec3;
  patientId?: string;
  monitorId?: string;
}

export interface RoomInfo {
  id: string;
  name: string;
  wardId: string;
  position?: Vec3;
  bedIds: string[];
}

export interface WardInfo {
  id: string;
  name: string;
  floor: number;
  roomIds: string[];
}

export interface Structure {
  wards: WardInfo[];
  rooms: Map<string, RoomInfo>;
  beds: BedInfo[]; // sorted by label (numeric-aware)
}

export const UNASSIGNED_ROOM = '(no room)';
export const UNASSIGNED_WARD = '(no ward)';

export function readPosition(v: unknown): Vec3 | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const p = v as Record<string, unknown>;
  if (typeof p.x !== 'number' || typeof p.y !== 'number') return undefined;
  return { x: p.x, y: p.y, z: typeof p.z === 'number' ? p.z : 0 };
}

function str(v: unknown, fallback: string): string {
  return typeof v === 'string' && v ? v : typeof v === 'number' ? String(v) : fallback;
}

const byLabel = (a: string, b: string) => a.localeCompare(b, undefined, { numeric: true });

function targets(rels: Map<string, Relationship[]>, source: string, name: string): string[] {
  return (rels.get(source) ?? []).filter((r) => r.name === name).map((r) => r.target);
}

export function buildStructure(
  twins: Map<string, Twin>,
  rels: Map<string, Relationship[]>,
): Structure {
  const all = [...twins.values()];
  const wardTwins = all.filter((t) => isModel(t, 'Ward')).sort((a, b) => byLabel(a.id, b.id));
  const roomTwins = all.filter((t) => isModel(t, 'Room')).sort((a, b) => byLabel(a.id, b.id));
  const bedTwins = all.filter((t) => isModel(t, 'Bed'));

  const wards: WardInfo[] = wardTwins.map((w) => ({
    id: w.id,
    name: str(w.properties.name, w.id),
    floor: typeof w.properties.floor === 'number' ? w.properties.floor : 0,
    roomIds: [],
  }));
  const defaultWard = wards[0]?.id ?? UNASSIGNED_WARD;
  const wardOf = new Map<string, string>();
  for (const w of wards) for (const r of targets(rels, w.id, 'contains')) wardOf.set(r, w.id);

  const rooms = new Map<string, RoomInfo>();
  for (const r of roomTwins) {
    rooms.set(r.id, {
      id: r.id,
      name: str(r.properties.name, r.id),
      wardId: wardOf.get(r.id) ?? defaultWard,
      position: readPosition(r.properties.position),
      bedIds: [],
    });
  }
  const roomOf = new Map<string, string>();
  for (const r of roomTwins) for (const b of targets(rels, r.id, 'contains')) roomOf.set(b, r.id);

  const beds: BedInfo[] = bedTwins.map((b) => {
    const suffix = b.id.replace(/^bed-/, '');
    const occupied = targets(rels, b.id, 'occupiedBy');
    const devices = targets(rels, b.id, 'hasDevice');
    const monitor =
      devices.find((d) => isModel(twins.get(d), 'BedsideMonitor')) ??
      devices.find((d) => twins.has(d)) ??
      (twins.has(`monitor-${suffix}`) ? `monitor-${suffix}` : undefined);
    const hasRels = rels.has(b.id);
    const patient = hasRels
      ? occupied.find((p) => twins.has(p))
      : twins.has(`patient-${suffix}`)
        ? `patient-${suffix}`
        : undefined;
    let roomId = roomOf.get(b.id);
    if (!roomId || !rooms.has(roomId)) roomId = UNASSIGNED_ROOM;
    const wardId = rooms.get(roomId)?.wardId ?? wardOf.get(b.id) ?? defaultWard;
    return {
      id: b.id,
      label: str(b.properties.label, b.id),
      roomId,
      wardId,
      position: readPosition(b.properties.position),
      patientId: patient,
      monitorId: monitor,
    };
  });
  beds.sort((a, b) => byLabel(a.label, b.label));

  for (const b of beds) {
    if (b.roomId === UNASSIGNED_ROOM && !rooms.has(UNASSIGNED_ROOM)) {
      rooms.set(UNASSIGNED_ROOM, { id: UNASSIGNED_ROOM, name: 'Unassigned', wardId: b.wardId, bedIds: [] });
    }
    rooms.get(b.roomId)!.bedIds.push(b.id);
  }
  if (![...rooms.values()].every((r) => wards.some((w) => w.id === r.wardId))) {
    wards.push({ id: UNASSIGNED_WARD, name: 'Unassigned', floor: 0, roomIds: [] });
  }
  for (const r of rooms.values()) {
    const w = wards.find((x) => x.id === r.wardId) ?? wards[wards.length - 1];
    w.roomIds.push(r.id);
  }
  return { wards: wards.filter((w) => w.roomIds.length > 0), rooms, beds };
}
