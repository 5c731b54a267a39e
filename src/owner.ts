/**
 * Which process holds something in the database (a sync run, a Xero call in flight), and whether that process
 * is gone: on this machine the process table says; on another one only a timeout can.
 */
import { hostname } from 'node:os';

export interface Owner {
  host?: string;
  pid?: number;
}

export const thisProcess = (): Required<Owner> => ({ host: hostname(), pid: process.pid });

/** True only when `owner` ran on this machine in a process that no longer exists. */
export function processGone(owner: Owner | undefined): boolean {
  if (!owner?.pid || owner.host !== hostname() || owner.pid === process.pid) return false;
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'EPERM';
  }
}
