// World placement of rooms and beds (metres; three.js y is up, the twin's position.y is the
// world z). A twin's `position` wins; otherwise rooms go in two rows facing a corridor, as the
// demo ward builder does, and beds side by side in their room. Wards on different floors stack
// FLOOR_HEIGHT apart; wards without positions on one floor sit side by side. Pure.
import type { Structure, Vec3 } from './structure';

export const ROOM_WIDTH = 6;
export const ROOM_DEPTH = 5;
export const CORRIDOR = 2.5;
export const FLOOR_HEIGHT = 4;
export const WARD_GAP = 4;

export interface PlacedRoom {
  id: string;
  x: number; // centre
  z: number;
  y: number; // floor level
  width: number;
  depth: number;
  name: string;
}

export interface PlacedBed {
  id: string;
  x: number;
  y: number;
  z: number;
  /** 0: head towards −z; π: head towards +z (heads against the outer wall). */
  rotY: number;
}

export interface Layout {
  rooms: PlacedRoom[];
  beds: Map<string, PlacedBed>;
  min: Vec3;
  max: Vec3;
}

export function autoRoomCentre(index: number, count: number): { x: number; z: number } {
  const perRow = Math.max(1, Math.ceil(count / 2));
  const row = Math.floor(index / perRow);
  const col = index % perRow;
  return {
    x: ROOM_WIDTH * (col + 0.5),
    z: row === 0 ? ROOM_DEPTH / 2 : ROOM_DEPTH + CORRIDOR + ROOM_DEPTH / 2,
  };
}

export function layoutWard(s: Structure): Layout {
  const floors = [...new Set(s.wards.map((w) => w.floor))].sort((a, b) => a - b);
  const rooms: PlacedRoom[] = [];
  const beds = new Map<string, PlacedBed>();
  const byId = new Map(s.beds.map((b) => [b.id, b]));
  const xOffsetPerFloor = new Map<number, number>();

  for (const ward of s.wards) {
    const level = floors.indexOf(ward.floor) * FLOOR_HEIGHT;
    const xOffset = xOffsetPerFloor.get(ward.floor) ?? 0;
    let wardMaxX = xOffset;
    ward.roomIds.forEach((roomId, i) => {
      const room = s.rooms.get(roomId);
      if (!room) return;
      const roomBeds = room.bedIds.map((id) => byId.get(id)!).filter(Boolean);
      let centre: { x: number; z: number };
      if (room.position) centre = { x: room.position.x, z: room.position.y };
      else if (roomBeds.length && roomBeds.every((b) => b.position)) {
        const xs = roomBeds.map((b) => b.position!.x);
        const zs = roomBeds.map((b) => b.position!.y);
        centre = { x: (Math.min(...xs) + Math.max(...xs)) / 2, z: (Math.min(...zs) + Math.max(...zs)) / 2 };
      } else {
        const c = autoRoomCentre(i, ward.roomIds.length);
        centre = { x: c.x + xOffset, z: c.z };
      }
      const width = Math.max(ROOM_WIDTH, roomBeds.length * 2.6);
      rooms.push({ id: roomId, name: room.name, x: centre.x, z: centre.z, y: level, width, depth: ROOM_DEPTH });
      wardMaxX = Math.max(wardMaxX, centre.x + width / 2);
      const outerAtMinusZ = centre.z < ROOM_DEPTH + CORRIDOR / 2;
      roomBeds.forEach((b, slot) => {
        const n = roomBeds.length;
        const p = b.position
          ? { x: b.position.x, z: b.position.y }
          : {
              x: centre.x + (slot - (n - 1) / 2) * (width / n),
              z: centre.z + (outerAtMinusZ ? -1 : 1),
            };
        const headMinusZ = b.position ? p.z < centre.z || (p.z === centre.z && outerAtMinusZ) : outerAtMinusZ;
        beds.set(b.id, { id: b.id, x: p.x, z: p.z, y: level + (b.position?.z ?? 0), rotY: headMinusZ ? 0 : Math.PI });
      });
    });
    xOffsetPerFloor.set(ward.floor, wardMaxX + WARD_GAP);
  }

  const min = { x: Infinity, y: Infinity, z: Infinity };
  const max = { x: -Infinity, y: -Infinity, z: -Infinity };
  for (const r of rooms) {
    min.x = Math.min(min.x, r.x - r.width / 2);
    max.x = Math.max(max.x, r.x + r.width / 2);
    min.z = Math.min(min.z, r.z - r.depth / 2);
    max.z = Math.max(max.z, r.z + r.depth / 2);
    min.y = Math.min(min.y, r.y);
    max.y = Math.max(max.y, r.y);
  }
  if (!rooms.length) return { rooms, beds, min: { x: 0, y: 0, z: 0 }, max: { x: 10, y: 0, z: 10 } };
  return { rooms, beds, min, max };
}
