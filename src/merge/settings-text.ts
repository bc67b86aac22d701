import type { MergeConfig } from '../config/types.js';

/**
 * A coordinator's merge settings as one text, the same for the same
 * settings on every host: what a fleet's coordinators must share, since
 * the leader merges every coordinator's branches with its own.
 */
export function mergeSettingsOf(merge: Pick<MergeConfig, 'mode' | 'strategy' | 'verify' | 'target' | 'batchSize'>): string {
  const verify = merge.verify === null ? 'none' : JSON.stringify(merge.verify.join(' '));
  return `mode ${merge.mode}, strategy ${merge.strategy}, verify ${verify}, target ${merge.target ?? '(the checked-out branch)'}, batch ${merge.batchSize}`;
}
