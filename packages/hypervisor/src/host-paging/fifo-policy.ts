import { QueuePolicy } from './queue-policy.js';

/** First in, first out: the frame mapped longest ago goes first; use does not matter. */
export class FifoPolicy extends QueuePolicy {
  readonly name = 'fifo';

  constructor(frames: number) {
    super(frames, false);
  }
}
