import { freemem, loadavg } from 'node:os';
import type { HostSampler } from '../core/host.js';

/**
 * The machine as the host limits see it: the 1-minute load average and the
 * memory the system reports as free (on Linux, MemAvailable: what new
 * processes can have without swapping). Windows reports a load of 0, so
 * host.maxLoad never holds there.
 */
export const systemHost: HostSampler = () => ({ load1: loadavg()[0] ?? 0, freeBytes: freemem() });
