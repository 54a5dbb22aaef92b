import { QueuePolicy } from './queue-policy.js';

/**
 * Least recently used, among the uses the pager is told about: a page's mapping and every
 * `onAccess` (faults on resident pages, accessed bits the hypervisor harvests). Guest loads
 * and stores that hit a mapped page are invisible to the host unless it harvests them.
 */
export class LruPolicy extends QueuePolicy {
  readonly name = 'lru';

  constructor(frames: number) {
    super(frames, true);
  }
}
