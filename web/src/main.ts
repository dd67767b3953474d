// Entry point: wires the live connection, the twin store, the 3D ward, the overview, the panel
// and presence (other viewers as avatars, "follow the lead" rounds).
// URL options: ?root=<twin id> (subtree root, default "hospital"), ?ws=<url>, ?api=<base>,
// ?name=<your name as others see it>; #overview opens the central-station overview (for a wall
// screen), #bed=<id> a patient panel, #login=<code> logs in with a one-time ready link.
// Nothing connects before the engine knows who we are (net/session.ts).
// Layout and keyboard use: doc/design/web-client.md ("Small screens and accessibility").
import './styles.css';
import { LiveClient, type ConnectionState } from './net/live-client';
import { TwinStore } from './model/twin-store';
import { layoutWard } from './model/layout';
import { bedView, patientName, type BedView } from './model/bed-view';
import { WaveStore } from './ecg/wave-store';
import { PlaybackClock } from './ecg/strip-math';
import { WardScene } from './scene/ward-scene';
import { XrSupport } from './scene/xr';
import { Overview } from './ui/overview';
import { PatientPanel } from './ui/panel';
import { FrameStats } from './ui/stats';
import { RoundsBox } from './ui/rounds';
import { HeaderMenu } from './ui/header-menu';
import { BedPicker } from './ui/bed-picker';
import { AlarmAnnouncer } from './ui/alarm-announcer';
import { PeerStore } from './presence/peers';
import { PresenceSender } from './presence/presence-sender';
import { followStatus, panelAction } from './presence/follow';
import { spawnSpot, spotPose } from './presence/spawn';
import { Priority } from './viz/mapping';
import { mostUrgent } from './viz/ranking';
import { AlarmStore, liveSignature } from './model/alarms';
import { TileWaves, TILE_SUB_PREFIX } from './ui/tile-waves';
import { el } from './ui/dom';
import { isModel } from './types';
import type { ServerMessage } from './types';
import { establishSession, logout, takeLoginCode, type Identity } from './net/session';
import { LoginDialog } from './ui/login';

const $ = (id: string) => document.getElementById(id)!;
const qs = new URLSearchParams(location.search);
const ROOT = qs.get('root') ?? 'hospital';
const API = qs.get('api') ?? '';
const WS_URL = qs.get('ws') ?? `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
const WARD_SUB = 'ward';
const WAVE_SUB = 'wave';
const PRESENCE_SUB = 'presence';
const PRESENCE_MODEL = 'dtmi:lingjing:ward:Presence;1';

const store = new TwinStore(API);
const waves = new WaveStore(15_000);
const clock = new PlaybackClock(400);
const stats = new FrameStats();
const ward = new WardScene($('scene') as HTMLCanvasElement);
let views = new Map<string, BedView>();
let viewsDirty = true;
let lastViews = 0;
let view: 'ward' | 'overview' = 'ward';
let connection: ConnectionState = 'connecting';
let waveMonitor: string | null = null;

// Presence: our own twin is created by the engine when we announce ourselves on the connection.
const peers = new PeerStore(ROOT);
ward.peers = peers;
const savedName = qs.get('name') ?? localStorage.getItem('lj.name') ?? '';
let selfLabel = savedName;
const presence = new PresenceSender((m) => client.send(m), {
  label: savedName || undefined, scene: ROOT, leading: false, following: '', focusPatient: '',
});
let following: string | null = null; // leader's presence twin id
let followingLabel = '';
let leaderFocus = ''; // the leader's focusPatient last applied to our panel
let roundsNote = '';
let peersKnown = false; // the presence subscription's first snapshot arrived
let spawned = false;

// One alarm store for tiles, labels and panel (model/alarms.ts): fetched on live changes, no poll.
const alarms = new AlarmStore(API);
alarms.on(() => (viewsDirty = true));
const tileWaves = new TileWaves($('overview'), (m) => client.send(m));
const viewer = () => identity;
const panel = new PatientPanel($('panel'), { waves, apiBase: API, alarms, viewer, onClose: () => select(null) });
const overview = new Overview($('overview'), (id) => select(id), { waves: tileWaves, alarms, viewer });
const xr = new XrSupport(ward, $('vr-slot'), (id) => select(id, { fly: false, focus: false }));
const menu = new HeaderMenu($('top'), $('menu-toggle') as HTMLButtonElement, $('header-controls'));
const picker = new BedPicker($('bed-nav'), { goTo: (id) => ward.flyToBed(id), open: (id) => select(id) });
const announcer = new AlarmAnnouncer($('alarm-announcer'));

function waveSubscription(monitor: string): object {
  return { op: 'subscribe', id: WAVE_SUB, rate_hz: 25, waveforms: true, target: { twin: monitor } };
}

/** Sent on every (re)connect: announce ourselves, then the ward, presence and wave subscriptions. */
function subscriptions(): object[] {
  const subs: object[] = [
    ...presence.hello(),
    {
      op: 'subscribe', id: WARD_SUB, rate_hz: 10, waveforms: false,
      target: { subtree: ROOT, relationships: ['contains', 'occupiedBy', 'hasDevice'], depth: 8 },
    },
    { op: 'subscribe', id: PRESENCE_SUB, rate_hz: 10, waveforms: false, target: { model: PRESENCE_MODEL } },
  ];
  if (waveMonitor) subs.push(waveSubscription(waveMonitor));
  subs.push(...tileWaves.subscriptions());
  return subs;
}

function onMessage(m: ServerMessage): void {
  if (m.op === 'wave') {
    if (m.sub.startsWith(TILE_SUB_PREFIX)) return tileWaves.onWave(m);
    if (m.sub !== WAVE_SUB) return;
    const b = waves.addWave(m);
    if (b && m.telemetry === 'ecg') clock.onBlock(b.end, performance.timeOrigin + performance.now());
    return;
  }
  if (m.op === 'gap') {
    if (m.sub.startsWith(TILE_SUB_PREFIX)) return tileWaves.onGap(m);
    if (m.sub === WAVE_SUB) waves.addGap(m);
    return;
  }
  if (m.op === 'error') {
    console.warn('lingjing:', m);
    return;
  }
  if (m.op === 'presence') {
    peers.setSelf(m.twin);
    if (typeof m.properties?.label === 'string') selfLabel = m.properties.label;
    placeSpawn();
    return;
  }
  if ('sub' in m && m.sub === PRESENCE_SUB) {
    peers.apply(m, performance.now());
    if (m.op === 'snapshot') peersKnown = true;
    placeSpawn();
    return;
  }
  if ('sub' in m && m.sub !== WARD_SUB) return; // the wave subscriptions' scalars duplicate ours
  // After a (re)connect the alarms may have changed unseen: read them again.
  if (m.op === 'snapshot') alarms.request('snapshot', 0);
  store.apply(m);
}

const client = new LiveClient({
  url: WS_URL,
  subscriptions,
  onMessage,
  onState: (s, detail) => {
    connection = s;
    const c = $('conn');
    c.className = s;
    c.textContent = detail;
  },
});

/** Patients' live alarm summaries (changed ones, or all) to the alarm store. */
function noteAlarmSummaries(ids?: Iterable<string>): void {
  const sigs = new Map<string, string>();
  for (const id of ids ?? store.twins.keys()) {
    const t = store.twins.get(id);
    if (t && isModel(t, 'Patient')) sigs.set(id, liveSignature(t.telemetry));
  }
  if (sigs.size) alarms.noteLive(sigs);
}

store.on((kind, changed) => {
  viewsDirty = true;
  noteAlarmSummaries(kind === 'values' ? changed : undefined);
  if (kind === 'structure') {
    ward.setLayout(layoutWard(store.structure));
    placeSpawn();
    const w = store.structure.wards[0];
    $('ward-name').textContent = w ? w.name : ROOT;
    const open = store.structure.beds.find((b) => b.id === panel.bedId);
    if (panel.bedId && !open) select(null);
    else if (open) setWaveMonitor(open.monitorId ?? null);
    overview.update(computeViews(), performance.now(), true);
  }
});

function computeViews(): BedView[] {
  views = new Map(store.structure.beds.map((b) => [
    b.id,
    bedView(b, store.twins, { list: alarms.forPatient(b.patientId), pending: alarms.pending(b.patientId) }),
  ]));
  viewsDirty = false;
  return [...views.values()];
}

function setWaveMonitor(monitor: string | null): void {
  if (monitor === waveMonitor) return;
  if (waveMonitor) client.send({ op: 'unsubscribe', id: WAVE_SUB });
  waveMonitor = monitor;
  waves.clear();
  if (monitor) client.send(waveSubscription(monitor));
}

function patientOfBed(bedId: string | null): string {
  return (bedId && store.structure.beds.find((b) => b.id === bedId)?.patientId) || '';
}

/**
 * Our own start spot near the home view, clear of the viewers already there (presence/spawn.ts),
 * once we know our presence id, the others and the ward. The camera goes there unless it has
 * already left the home view; `H` returns there.
 */
function placeSpawn(): void {
  const home = ward.homeView();
  if (spawned || !home || !peers.selfId || !peersKnown) return;
  spawned = true;
  const others = [...peers.peers.values()].flatMap((p) => p.poses.latest() ?? []);
  ward.spawnSpot = spawnSpot(peers.selfId, home, others);
  const c = ward.cameraPose();
  const h = spotPose(home, 0);
  if (!following && Math.hypot(c.x - h.x, c.y - h.y, c.z - h.z) < 0.01) ward.home();
}

/**
 * Opens the panel on `bedId` (null closes it). `fly`: the camera flies to the bed (3D view);
 * `focus`: the user asked, so the panel takes focus (not when a leader or VR opens it).
 */
function select(bedId: string | null, { fly = true, focus = true }: { fly?: boolean; focus?: boolean } = {}): void {
  // A leader's open panel is part of its presence: followers open the same patient.
  if (presence.props.leading) presence.set({ focusPatient: patientOfBed(bedId) });
  if (!bedId) {
    panel.close();
    setWaveMonitor(null);
    if (location.hash.startsWith('#bed=')) history.replaceState(null, '', view === 'overview' ? '#overview' : '#');
    return;
  }
  const bed = store.structure.beds.find((b) => b.id === bedId);
  panel.open(bedId, bed?.label ?? bedId, focus);
  setWaveMonitor(bed?.monitorId ?? null);
  if (fly && view === 'ward') ward.flyToBed(bedId);
}

// ---- rounds: lead / follow ----

function setFollowing(leaderId: string | null, note = ''): void {
  following = leaderId;
  followingLabel = leaderId ? (peers.peers.get(leaderId)?.label ?? '') : '';
  leaderFocus = '';
  roundsNote = note;
  presence.set({ following: leaderId ?? '' });
  ward.nav.enabled = !leaderId;
  ward.nav.follow(null);
  ward.presence.hidden = leaderId;
  renderRounds();
}

const rounds = new RoundsBox($('rounds'), {
  rename(label) {
    localStorage.setItem('lj.name', label);
    selfLabel = label;
    presence.set({ label });
    renderRounds();
  },
  toggleLead() {
    const leading = !presence.props.leading;
    roundsNote = '';
    presence.set({ leading, focusPatient: leading ? patientOfBed(panel.bedId) : '' });
    renderRounds();
  },
  follow: (id) => setFollowing(id),
});

function renderRounds(): void {
  rounds.render({
    selfLabel, leading: presence.props.leading, following, note: roundsNote,
    followers: peers.selfId ? peers.followersOf(peers.selfId).length : 0,
  }, peers);
}

/** Per frame while following: glide to the leader's pose, mirror the leader's open patient. */
function followFrame(nowLocal: number): void {
  if (!following) return;
  const st = followStatus(following, peers.peers);
  if (!st.following) {
    const who = followingLabel || 'The leader';
    setFollowing(null, st.ended === 'left' ? `${who} left — rounds ended` : `${who} stopped leading`);
    return;
  }
  const leader = peers.peers.get(following)!;
  followingLabel = leader.label;
  const pose = leader.poses.at(nowLocal);
  if (pose) ward.nav.follow(pose);
  const next = leader.focusPatient;
  const bedOf = (pid: string) => store.structure.beds.find((b) => b.patientId === pid)?.id;
  if (next && !bedOf(next)) return; // not in our structure yet: try again next frame
  const act = panelAction(leaderFocus, next, bedOf, panel.bedId);
  leaderFocus = next;
  if (act.kind === 'open') select(act.bedId, { fly: false, focus: false });
  else if (act.kind === 'close') select(null);
}

function setView(v: 'ward' | 'overview'): void {
  view = v;
  $('ward-view').hidden = v !== 'ward';
  $('overview').hidden = v !== 'overview';
  for (const b of document.querySelectorAll<HTMLButtonElement>('.views button')) {
    b.setAttribute('aria-pressed', String(b.dataset.view === v));
  }
  tileWaves.setEnabled(v === 'overview');
  if (v === 'ward') ward.resize();
  else overview.update(computeViews(), performance.now(), true);
}

/** "Go to the most urgent bed": flies there and opens its panel; again: the next urgent bed. */
function goToMostUrgent(): void {
  const b = mostUrgent(urgentCandidates(), panel.bedId);
  if (b) select(b.id);
}

function urgentCandidates() {
  return [...views.values()].map((v) => ({ id: v.bed.id, label: v.bed.label, priority: v.priority, news2: v.news2, risk: v.risk }));
}

// The 3D view's way to the beds that matter: the most urgent one (U), the whole ward (H).
const urgentButton = el('button', 'act urgent', $('bed-nav'), 'Most urgent');
urgentButton.id = 'urgent-bed';
urgentButton.type = 'button';
urgentButton.title = 'Fly to the most urgent bed and open its panel; again for the next (U)';
urgentButton.setAttribute('aria-keyshortcuts', 'U');
urgentButton.onclick = () => goToMostUrgent();
const homeButton = el('button', 'act', $('bed-nav'), 'Whole ward');
homeButton.id = 'home-view';
homeButton.type = 'button';
homeButton.title = 'Frame every bed (H)';
homeButton.setAttribute('aria-keyshortcuts', 'H');
homeButton.onclick = () => ward.home();

function fromHash(): void {
  const h = location.hash;
  if (h.startsWith('#bed=')) select(decodeURIComponent(h.slice(5)), { focus: false });
  setView(h === '#overview' ? 'overview' : 'ward');
}

for (const b of document.querySelectorAll<HTMLButtonElement>('.views button')) {
  b.onclick = () => {
    history.replaceState(null, '', b.dataset.view === 'overview' ? '#overview' : '#ward');
    setView(b.dataset.view as 'ward' | 'overview');
    menu.set(false);
  };
}
window.addEventListener('hashchange', fromHash);
window.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && menu.open) menu.set(false, true);
  else if (e.key === 'Escape') select(null);
  const typing = !!(e.target as HTMLElement).closest?.('input,select,textarea');
  if (typing || e.ctrlKey || e.metaKey || e.altKey) return;
  if (e.key === 'h' || e.key === 'H') ward.home();
  if (e.key === 'u' || e.key === 'U') goToMostUrgent();
});
$('scene').addEventListener('pointerup', (e) => {
  if (!ward.nav.wasClick()) return;
  const id = ward.pick(e.clientX, e.clientY);
  if (id) select(id);
});

let last = performance.now();
let lastHud = 0;
function frame(): void {
  const now = performance.now();
  const dt = Math.min(0.1, (now - last) / 1000);
  last = now;
  const wall = performance.timeOrigin + now;
  if (viewsDirty && now - lastViews >= 100) {
    lastViews = now;
    computeViews();
  }
  followFrame(now);
  if (view === 'ward') ward.render(views, dt, wall);
  else {
    overview.update([...views.values()], now);
    tileWaves.update(now, overview.order());
  }
  presence.pose(ward.cameraPose(), now);
  xr.update(views, now);
  if (panel.bedId) {
    const v = views.get(panel.bedId);
    if (v) panel.update(v, clock.playTime(wall), now);
  }
  stats.frame(wall, store.pendingTimes);
  store.pendingTimes = [];
  if (now - lastHud > 500) {
    lastHud = now;
    const all = [...views.values()];
    const liveBeds = all.filter((v) => v.newestT && wall - v.newestT < 10_000).length;
    $('s-beds').textContent = all.length ? `${liveBeds}/${all.length}` : '–';
    $('s-alarms').textContent = String(all.filter((v) => v.priority >= Priority.Medium).length);
    $('s-fps').textContent = stats.fps ? stats.fps.toFixed(stats.fps < 10 ? 1 : 0) : '–';
    $('s-lat').textContent = stats.latencyMs === null ? '–' : `${Math.round(stats.latencyMs)} ms`;
    renderRounds();
    const top = mostUrgent(urgentCandidates(), panel.bedId);
    const urgentText = top ? `Most urgent: ${top.label}` : 'Most urgent';
    if (urgentButton.textContent !== urgentText) urgentButton.textContent = urgentText;
    urgentButton.disabled = !top;
    picker.update(store.structure.beds.map((b) => pickerBed(b.id, b.label)), panel.bedId);
    announcer.update(all.map((v) => ({
      id: v.bed.id, label: v.bed.label, patient: patientName(v), priority: v.priority, text: v.alarmText ?? '',
    })));
  }
  if (!ward.renderer.xr.isPresenting) requestAnimationFrame(frame);
}

/** A bed in the bed list: "A03 · Jane Doe · NEWS2 5". */
function pickerBed(id: string, label: string): { id: string; text: string } {
  const v = views.get(id);
  const name = v ? patientName(v) || 'empty' : '';
  const n2 = v?.news2 === undefined ? '' : ` · NEWS2 ${v.news2}`;
  return { id, text: [label, name].filter(Boolean).join(' · ') + n2 };
}

// Read-only hooks for the end-to-end tests and for measuring (fps, latency) from a console.
(window as unknown as { __lj: object }).__lj = {
  get connection() { return connection; },
  get reconnects() { return client.reconnects; },
  get fps() { return stats.fps; },
  get latencyMs() { return stats.latencyMs; },
  get bedIds() { return [...(ward.layout?.beds.keys() ?? [])]; },
  get selected() { return panel.bedId; },
  get detailedAvatars() { return ward.detailedAvatars; },
  get announcement() { return announcer.last; },
  get spawnSpot() { return ward.spawnSpot; },
  value: (bedId: string, name: keyof BedView) => views.get(bedId)?.[name],
  screenPosition: (bedId: string) => ward.screenPosition(bedId),
  select: (bedId: string) => select(bedId),
  home: () => ward.home(),
  // Presence: our twin, the peers we draw (with their on-screen position), our camera pose.
  get presenceId() { return peers.selfId; },
  get following() { return following; },
  peers: () => [...peers.peers.values()].map((p) => ({
    id: p.id, label: p.label, leading: p.leading, following: p.following, focusPatient: p.focusPatient,
    drawn: ward.presence.visibleIds().includes(p.id),
    opacity: ward.presence.opacityOf(p.id),
    pose: p.poses.latest() ?? null,
    screen: ward.presenceScreenPosition(p.id),
  })),
  camera: () => ward.cameraPose(),
  get bounds() { return ward.layout ? { min: ward.layout.min, max: ward.layout.max } : null; },
  lookFrom: (x: number, y: number, z: number, tx: number, ty: number, tz: number) => ward.lookFrom(x, y, z, tx, ty, tz),
  // Central station, alarms, the panel's NEWS2, the 3D labels (items of doc/design/web-client.md).
  alarmsFor: (bedId: string) => (views.get(bedId)?.alarms ?? []).map((a) => ({ ...a })),
  get alarmFetches() { return { ...alarms.fetches }; },
  get alarmsAvailable() { return alarms.available; },
  get news2Fetches() { return { ...panel.news2Fetches }; },
  get tileWaves() { return { subscribed: [...tileWaves.subscribed], drawn: tileWaves.drawn, drawMs: tileWaves.drawMs }; },
  get mostUrgent() { return mostUrgent(urgentCandidates(), null)?.id ?? null; },
  /** A bed label's placement; its rectangle in page coordinates (CSS px). */
  labelInfo: (bedId: string) => {
    const p = ward.labelInfo(bedId);
    if (!p) return null;
    const c = $('scene').getBoundingClientRect();
    return { mode: p.mode, lift: p.lift, rect: p.rect && { x: p.rect.x + c.left, y: p.rect.y + c.top, w: p.rect.w, h: p.rect.h } };
  },
  ring: (bedId: string) => ward.avatars.ringInfo(bedId),
  homeView: () => ward.homeView(),
};

/** Shows who is logged in, with a way out. */
function showUser(who: Identity): void {
  const u = $('user');
  u.replaceChildren();
  u.hidden = !who.auth;
  if (!who.auth) return;
  const name = document.createElement('span');
  name.textContent = who.name;
  name.title = who.role;
  const out = document.createElement('button');
  out.textContent = 'Log out';
  out.onclick = async () => {
    await logout(API, fetch).catch(() => undefined);
    location.reload();
  };
  u.append(name, out);
}

async function start(): Promise<void> {
  const { code, rest } = takeLoginCode(location.hash);
  if (code) history.replaceState(null, '', location.pathname + location.search + rest);
  const dialog = new LoginDialog($('login'));
  for (;;) {
    try {
      identity = await establishSession(API, fetch, code, dialog);
      break;
    } catch (e) {
      $('conn').textContent = 'Engine unreachable…';
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
  showUser(identity);
  // Others see us by our login name unless we chose another label.
  if (!savedName && identity.name) {
    selfLabel = identity.name;
    presence.set({ label: identity.name });
  }
  fromHash();
  client.start();
  requestAnimationFrame(frame);
}

let identity: Identity = { auth: false, name: '', role: '' };
void start();
