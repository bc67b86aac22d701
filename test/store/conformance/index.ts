import { describe } from 'vitest';
import { describeClaims } from './claims.js';
import { describeControls } from './controls.js';
import type { MakeStore } from './fixtures.js';
import { describeIntake } from './intake.js';
import { describeLock } from './lock.js';
import { describeMerges } from './merges.js';
import { describeOutbox } from './outbox.js';
import { describeQueries } from './queries.js';
import { describeRecords } from './records.js';
import { describeSessions } from './sessions.js';

export type { MakeStore, StoreUnderTest } from './fixtures.js';

/**
 * The behaviour every store implementation must share, port by port. Each
 * implementation's test file calls this once; anything specific to one
 * (files, WAL, migrations) is tested beside it.
 */
export function describeStoreConformance(name: string, make: MakeStore): void {
  describe(`${name} conformance`, () => {
    describe('IntakePort', () => describeIntake(make));
    describe('ClaimPort', () => describeClaims(make));
    describe('SessionPort', () => describeSessions(make));
    describe('RecordPort', () => describeRecords(make));
    describe('MergePort', () => describeMerges(make));
    describe('LockPort', () => describeLock(make));
    describe('QueryPort', () => describeQueries(make));
    describe('ControlPort', () => describeControls(make));
    describe('OutboxPort', () => describeOutbox(make));
  });
}
