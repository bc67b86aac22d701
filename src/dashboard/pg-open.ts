/**
 * Opening a fleet's PostgreSQL store for the dashboard: a connection of its
 * own that only reads (and, with actions allowed, posts requests), to a
 * schema that must already hold a fleet's tables. Unlike a coordinator,
 * the dashboard never creates or upgrades a schema: a schema it finds
 * missing or of another version is an error that says what to do.
 */
import pg from 'pg';
import { StoreError } from '../errors.js';
import type { Clock } from '../runtime/clock.js';
import { PostgresConnection } from '../store/postgres/connection.js';
import { openErrorOf } from '../store/postgres/failure.js';
import { postgresControls } from '../store/postgres/controls.js';
import { PG_LATEST_SCHEMA_VERSION } from '../store/postgres/migrations.js';
import type { ControlPoster } from './actions.js';
import { openPostgresSource } from './pg-source.js';
import type { DashboardSource } from './source.js';

/** The schema version that brought the fleet's tables (coordinators). */
const FLEET_SCHEMA_VERSION = 2;

export interface PostgresDashboardOptions {
  url: string;
  schema: string;
  hostname: string;
  stallTimeoutMs: number;
  clock: Clock;
}

export interface PostgresDashboard {
  source: DashboardSource;
  /** Where actions are posted: the same connection. */
  controls: ControlPoster;
  /** The store as shown: its address with the password masked, and the schema. */
  shown: string;
}

export async function openPostgresDashboard(options: PostgresDashboardOptions, actions: boolean): Promise<PostgresDashboard> {
  const connection = new PostgresConnection(options.url, { schema: options.schema, applicationName: APPLICATION });
  try {
    await checkSchema(options.url, connection.location, options.schema);
  } catch (error) {
    await connection.close().catch(() => {});
    throw error;
  }
  const source = openPostgresSource(connection, { shown: connection.location, hostname: options.hostname, stallTimeoutMs: options.stallTimeoutMs, actions, clock: options.clock });
  return { source, controls: postgresControls(connection), shown: connection.location };
}

const APPLICATION = 'harness dashboard';

/**
 * Whether `schema` holds a fleet's tables this harness reads, asked on a
 * connection of its own, so that a server that cannot be reached, or
 * refuses the user, is said with the hint for its cause.
 */
async function checkSchema(url: string, where: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000, application_name: APPLICATION });
  let found: { version: number | null; fleet: boolean };
  try {
    await client.connect();
    const tables = (
      await client.query<{ marker: boolean; fleet: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = 'harness_schema') AS marker,
           EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = 'coordinators') AS fleet`,
        [schema],
      )
    ).rows[0];
    // The name passed SCHEMA_NAME when the connection was made, so it needs no escaping here.
    const version = tables?.marker ? Number((await client.query<{ v: number | null }>(`SELECT max(version) AS v FROM "${schema}".harness_schema`)).rows[0]?.v ?? 0) : null;
    found = { version, fleet: tables?.fleet ?? false };
  } catch (error) {
    throw openErrorOf(where, url, error);
  } finally {
    await client.end().catch(() => {});
  }
  if (found.version === null) {
    throw new StoreError(`no harness state in PostgreSQL store ${where}: start \`harness run --store <url>\` there first, or name the schema it uses with --store-schema`);
  }
  if (found.version > PG_LATEST_SCHEMA_VERSION) {
    throw new StoreError(`PostgreSQL store ${where} has schema version ${found.version}, but this harness understands only up to ${PG_LATEST_SCHEMA_VERSION}: upgrade harness to watch it`);
  }
  if (found.version < FLEET_SCHEMA_VERSION || !found.fleet) {
    throw new StoreError(`PostgreSQL store ${where} has schema version ${found.version}, from before fleets: a \`harness run --store <url>\` of this version upgrades it (the dashboard never changes a schema)`);
  }
}
