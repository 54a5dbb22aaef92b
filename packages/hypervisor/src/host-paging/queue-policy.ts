import { FrameList } from './frame-list.js';
import type { ReplacementPolicy } from './replacement-policy.js';

/**
 * A policy that keeps resident frames in a queue and evicts from its front: FIFO (queue in
 * map order) and LRU (an access moves the frame to the back) differ only in that.
 */
export abstract class QueuePolicy implements ReplacementPolicy {
  abstract readonly name: string;
  private readonly order: FrameList;

  constructor(
    frames: number,
    private readonly reorderOnAccess: boolean,
  ) {
    this.order = new FrameList(frames);
  }

  onMap(frame: number): void {
    this.order.pushBack(frame);
  }

  onAccess(frame: number): void {
    if (this.reorderOnAccess && this.order.has(frame)) this.order.pushBack(frame);
  }

  victim(eligible: (frame: number) => boolean): number {
    return this.order.firstWhere(eligible);
  }

  onUnmap(frame: number): void {
    this.order.remove(frame);
  }

  saveState(): unknown {
    return this.order.saveState();
  }

  restoreState(state: unknown): void {
    this.order.restoreState(state as ReturnType<FrameList['saveState']>);
  }

  /** Resident frames, next victim first. */
  queue(): number[] {
    return this.order.toArray();
  }
}
