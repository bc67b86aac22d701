import { killGroup, processMatches } from '../agents/process-group.js';
import type { ProcessInspector } from './coordinator-types.js';

/** The operating system as crash recovery sees it. */
export const systemProcesses: ProcessInspector = {
  belongsToSession: (pid, sessionId) => processMatches(pid, { sessionId }),
  killGroup: (pgid) => killGroup(pgid, 'SIGKILL'),
  isAlive(pid) {
    try {
      process.kill(pid, 0);
      return true;
    } catch (error) {
      // EPERM: alive but owned by someone else.
      return (error as NodeJS.ErrnoException).code === 'EPERM';
    }
  },
};
