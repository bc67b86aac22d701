/**
 * Typed errors. Library code throws these; only the bin maps them to exit codes:
 * UsageError / ConfigError / InputError → 2, anything else → 1.
 */
export class HarnessError extends Error {
  /** Exit code the bin uses for this error. */
  readonly exitCode: number = 1;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Wrong flags, unknown subcommand or scenario, missing required option. Exit 2. */
export class UsageError extends HarnessError {
  override readonly exitCode = 2;
}

/** One line per problem, each `field: expected …, received …`. Exit 2. */
export class ConfigError extends HarnessError {
  override readonly exitCode = 2;
  constructor(
    readonly problems: string[],
    readonly source?: string,
  ) {
    super(
      `${source ? `invalid configuration in ${source}` : 'invalid configuration'}:\n` +
        problems.map((p) => `  - ${p}`).join('\n'),
    );
  }
}

/** Malformed input data (an issues file, a scenario file). Exit 2. */
export class InputError extends HarnessError {
  override readonly exitCode = 2;
  constructor(
    message: string,
    readonly problems: string[] = [],
  ) {
    super(problems.length ? `${message}\n${problems.map((p) => `  - ${p}`).join('\n')}` : message);
  }
}

/** The state store is locked by a live harness, or is missing/corrupt. Exit 2. */
export class StoreError extends HarnessError {
  override readonly exitCode = 2;
}

/**
 * The store can no longer record the run: a write failed (the disk is full,
 * an I/O error, a read-only file) or its file was deleted or replaced while
 * running. The run stops its sessions and ends; the next run continues from
 * what was recorded. Exit 1.
 */
export class StoreFailure extends HarnessError {
  override readonly exitCode = 1;
}

/**
 * A state change the entity's transition table does not allow (see
 * src/core/machines.ts): a bug in the caller, or a store changed by
 * something else. Exit 1.
 */
export class IllegalTransitionError extends HarnessError {
  constructor(
    readonly entity: string,
    readonly id: string,
    readonly from: string,
    readonly to: string,
    hint: string,
  ) {
    super(`illegal ${entity} transition for ${id}: ${from} → ${to} (${hint})`);
  }
}

/**
 * A call to the issues' tracker (`bd`, `gh`) did not do what was asked.
 * `refused`: the tracker answered no for good (an issue someone else has
 * claimed, one that no longer exists), so trying again cannot help;
 * otherwise it could not be reached (not installed, timed out, a network
 * or server error) and the call is tried again later. Exit 1.
 */
export class TrackerError extends HarnessError {
  constructor(
    message: string,
    readonly refused: boolean,
  ) {
    super(message);
  }
}

/**
 * A coordinator of a fleet wrote about a session after the fleet presumed
 * it dead (its lease expired: paused, cut off, too slow) and put that
 * session's issue back in the queue: the write is refused, so it cannot
 * overwrite what another coordinator did since. The coordinator stops its
 * sessions and ends. Exit 1.
 */
export class FencedError extends StoreFailure {}

/**
 * In a fleet, the merge loop's coordinator no longer holds the merge lease
 * (another one may lead the merge queue now): the merge in hand is left,
 * unlanded and unwritten, to the next leader's recovery. Never leaves the merge loop.
 */
export class LeaseLostError extends HarnessError {}
