import type pg from 'pg';

/** One call's hold on the store's connection: give it back once the call's last statement is answered. */
export interface Hold {
  readonly client: pg.PoolClient;
  /** `broken`: the connection failed under this call; it is closed once nobody holds it, and the next call opens another. */
  release(broken?: boolean): void;
}

interface Holding {
  readonly client: pg.PoolClient;
  holders: number;
  broken: boolean;
}

/**
 * The store's one connection (a pool of one that replaces a connection
 * that broke), shared by the calls in flight on it. The connection is
 * pipelined: a call may send its statements without waiting for the
 * previous call's last answer (its COMMIT, say), and the server runs
 * them in the order they were sent. It goes back to the pool (which lets
 * an idle process exit) once no call holds it.
 */
export class Link {
  private holding: Holding | null = null;

  constructor(private readonly pool: pg.Pool) {}

  async hold(): Promise<Hold> {
    let holding = this.holding;
    if (holding === null || holding.broken) {
      // A broken connection is replaced once its last holder has let it go (the pool has one).
      const client = await this.pool.connect();
      holding = this.holding = { client, holders: 0, broken: false };
    }
    holding.holders += 1;
    const held = holding;
    let released = false;
    return {
      client: held.client,
      release: (broken = false) => {
        if (released) return;
        released = true;
        if (broken) held.broken = true;
        held.holders -= 1;
        if (held.holders > 0) return;
        if (this.holding === held) this.holding = null;
        held.client.release(held.broken || undefined);
      },
    };
  }
}
