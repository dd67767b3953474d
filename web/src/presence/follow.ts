// "Follow the lead" rounds: the decisions, kept pure so they are unit-tested.
//   - A viewer may follow a peer that leads; following ends when the leader stops leading or
//     leaves (its presence twin is removed), or when the viewer stops it.
//   - While following, the leader's focusPatient drives the follower's panel: a new patient
//     opens it on that patient's bed, clearing it closes the panel the leader had opened.
import type { Peer } from './peers';

export type FollowEnd = 'left' | 'stopped-leading' | null;

/** Whether following `leaderId` can go on, given the current peers. */
export function followStatus(leaderId: string | null, peers: Map<string, Peer>): { following: boolean; ended: FollowEnd } {
  if (!leaderId) return { following: false, ended: null };
  const leader = peers.get(leaderId);
  if (!leader) return { following: false, ended: 'left' };
  if (!leader.leading) return { following: false, ended: 'stopped-leading' };
  return { following: true, ended: null };
}

export type PanelAction = { kind: 'none' } | { kind: 'open'; bedId: string } | { kind: 'close' };

/**
 * What the follower's panel does when the leader's focus goes from `prev` to `next` (patient
 * twin ids, '' = none). `bedOfPatient` maps a patient to its bed (undefined: not in this ward);
 * `openBed` is the follower's open panel.
 */
export function panelAction(
  prev: string,
  next: string,
  bedOfPatient: (patientId: string) => string | undefined,
  openBed: string | null,
): PanelAction {
  if (next === prev) return { kind: 'none' };
  if (!next) {
    // Close only the panel the leader had opened, not one the follower opened meanwhile.
    const prevBed = prev ? bedOfPatient(prev) : undefined;
    return openBed && prevBed === openBed ? { kind: 'close' } : { kind: 'none' };
  }
  const bed = bedOfPatient(next);
  if (!bed || bed === openBed) return { kind: 'none' };
  return { kind: 'open', bedId: bed };
}

/** The queue slot of `followerId` behind its leader (0, 1, …), or −1. */
export function entourageSlot(followerId: string, followersOfLeader: Peer[]): number {
  return followersOfLeader.findIndex((p) => p.id === followerId);
}
