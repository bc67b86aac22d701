/**
 * A coordinator's membership of a fleet sharing one store: it joins (with
 * its lease), clears what dead coordinators of its own host left running,
 * renews its lease, declares silent coordinators dead (their sessions go
 * back to the queue as lost), reads the queue the others change, and
 * leaves when its run ends. A lease it can no longer renew (the fleet
 * presumed it dead) is a store failure: the run stops its sessions and
 * ends, and its late writes are refused by the store.
 */
import type { EventBus } from '../core/events.js';
import type { CoordinatorInfo, FleetPort } from '../store/ports.js';
import type { Clock, TimerHandle } from './clock.js';
import type { ProcessInspector } from './coordinator-types.js';
import type { Engine } from './engine.js';
import { killSessionProcesses } from './recovery.js';

/** What the member drives: the running coordinator, seen narrowly. */
export interface FleetTarget {
  readonly engine: Engine;
  refreshQueue(): void;
}

export interface FleetMemberOptions {
  store: FleetPort;
  clock: Clock;
  events: EventBus;
  processes: ProcessInspector;
  /** Read the queue this often (ms): others change it. Default 250 ms. */
  pollMs?: number;
  /** Look for silent coordinators this often (ms). Default 1 s. */
  reapMs?: number;
}

export class FleetMember {
  private timers: TimerHandle[] = [];
  private reaping = false;
  id: string | null = null;

  constructor(private readonly o: FleetMemberOptions) {}

  /**
   * Join as `self`, then make sure nothing of this host's dead coordinators
   * still runs: those whose process is gone are declared dead at once (not
   * a lease later), and their sessions' processes are killed here, since
   * no other host can.
   */
  async join(self: CoordinatorInfo): Promise<string> {
    const { store, clock, events, processes } = this.o;
    const { id } = await store.joinFleet(self);
    this.id = id;
    this.host = self.host;
    const now = clock.now();
    events.emit('fleet:joined', { at: now, coordinatorId: id, host: self.host, leaseMs: self.leaseMs });
    await this.clearHost(now, 'gone');
    return id;
  }

  private host: string | null = null;

  /**
   * This host's dead coordinators: those whose process is gone are declared
   * dead, and what the lost sessions of any of them left running is killed
   * (a coordinator the fleet presumed dead may still be running agents
   * here, paused or cut off: their issues are someone else's now).
   */
  private async clearHost(now: number, why: 'gone' | 'lease'): Promise<void> {
    const { store, events, processes } = this.o;
    if (this.host === null) return;
    const gone = (c: { pid: number; processStart: string | null }) =>
      !processes.isAlive(c.pid) || (c.processStart !== null && processes.identify !== undefined && processes.identify(c.pid) !== c.processStart);
    const left = await store.leftOnHost(this.host, now, gone);
    for (const r of left.reaped) events.emit('fleet:reaped', { at: now, coordinatorId: r.id, host: r.host, pid: r.pid, sessions: r.sessions, why });
    for (const session of left.sessions) {
      if (killSessionProcesses(session, processes)) events.emit('fleet:cleared', { at: now, sessionId: session.id, issueId: session.issueId, pid: session.pid });
    }
  }

  /** Renew the lease every third of it, and poll the fleet, until stop(). */
  start(target: FleetTarget, leaseMs: number): void {
    const { store, clock } = this.o;
    const beat = () => target.engine.guard('renew the coordinator lease', () => store.heartbeat());
    this.timers.push(clock.setInterval(beat, Math.max(100, Math.floor(leaseMs / 3))));
    this.timers.push(clock.setInterval(() => target.refreshQueue(), this.o.pollMs ?? 250));
    this.timers.push(clock.setInterval(() => this.reap(target), this.o.reapMs ?? 1000));
  }

  /** Declare silent coordinators dead, then read the queue again: their issues are the fleet's to run now. */
  private reap(target: FleetTarget): void {
    const { store, clock, events } = this.o;
    if (this.reaping || target.engine.failure !== null) return;
    this.reaping = true;
    const now = clock.now();
    Promise.resolve(store.reapExpired(now))
      .then(async (reaped) => {
        for (const r of reaped) events.emit('fleet:reaped', { at: now, coordinatorId: r.id, host: r.host, pid: r.pid, sessions: r.sessions, why: 'lease' });
        if (reaped.length > 0) target.refreshQueue();
        // One of this host's coordinators went silent: what its sessions still run here is stopped now, not when it restarts.
        if (reaped.some((r) => r.host === this.host)) await this.clearHost(now, 'gone');
      })
      .catch((error: unknown) => target.engine.fail('look for silent coordinators', error))
      .finally(() => (this.reaping = false));
  }

  /**
   * After the run failed on something else (a connection the server closed
   * while this process was paused, say): if the fleet has meanwhile
   * presumed this coordinator dead, that is the failure to report. Null
   * when it is still live, or the fleet's table cannot be read.
   */
  async presumedDead(): Promise<string | null> {
    if (this.id === null) return null;
    try {
      const self = (await this.o.store.listCoordinators()).find((c) => c.id === this.id);
      if (!self || self.state === 'live') return null;
      return (
        `coordinator ${this.id} stopped: the fleet presumed it dead (${self.endedBy ?? self.state}), and its sessions went back to the queue for others (a session end it printed after that was not recorded: the fleet redoes the issue); ` +
        'what it did after that was refused. Start harness again to rejoin the fleet'
      );
    } catch {
      return null;
    }
  }

  /** Stop renewing and polling; leave the fleet unless it already presumed this coordinator dead. */
  async leave(by: string, fenced: boolean): Promise<void> {
    this.stop();
    if (this.id === null || fenced) return;
    await this.o.store.leaveFleet(this.o.clock.now(), by);
  }

  stop(): void {
    for (const timer of this.timers) timer.cancel();
    this.timers = [];
  }
}
