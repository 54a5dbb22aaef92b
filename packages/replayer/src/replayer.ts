import { Machine, type RunOutcome } from '@hvrr/machine';
import { Capture, loadedRanges, buildMachine, runConfigOf, RunStepper, type EndEvent, type HvRunConfig, type TraceConsumer } from '@hvrr/recorder';
import { inputArrivals, pagingInputs } from './input-feed.js';
import { ReplayConsole } from './replay-console.js';
import type { TraceReader } from './trace-reader.js';
import { Verifier, type Mismatch } from './verifier.js';

export interface ReplayOptions {
  /** Compare with the recording (default true); false only re-runs with the recorded inputs. */
  verify?: boolean;
  /** Stop once this many instructions have retired. */
  until?: number;
  /** Where the guest's console output goes; null drops it. */
  output?: ((byte: number) => void) | null;
  /**
   * Checks instruction rows elsewhere (WorkerRowChecker) instead of here: the replay
   * hands them over and compares only events itself.
   */
  rows?: TraceConsumer;
  /**
   * A latency model for host paging (`hvrr replay --latency`): accepted, but the recorded
   * latencies win (they are inputs of the run), so the replay stays exact.
   */
  latency?: NonNullable<HvRunConfig['hostPaging']>['latency'];
}

/**
 * exact: the whole trace was reproduced; diverged: a difference was found (see
 * mismatch); truncated: the trace was cut off and its readable part was reproduced;
 * until: stopped at --until with no difference so far; unverified: re-run without
 * comparing.
 */
export type ReplayStatus = 'exact' | 'diverged' | 'truncated' | 'until' | 'unverified';

export interface ReplayResult {
  status: ReplayStatus;
  mismatch: Mismatch | null;
  /** Instruction count up to which the replay is known to agree with the trace (last matching hash or end). */
  verifiedTo: number;
  icount: number;
  /** The end the trace recorded (null for a cut-off trace) and the one replay reached. */
  recordedEnd: EndEvent | null;
  end: EndEvent | null;
}

const IGNORE: TraceConsumer = { event() {}, instructions() {} };

/**
 * Re-executes a trace: rebuilds the machine from the header, serves the recorded
 * console input at the recorded polls, steps the run exactly as the recorder did, and
 * (unless verification is off) compares every event, hash and, at full level,
 * instruction row with the trace. Call `step()` until it returns true, or `run()`.
 */
export class Replayer {
  readonly machine: Machine;
  readonly console: ReplayConsole;
  readonly verifier: Verifier | null;
  private readonly capture: Capture;
  private readonly stepper: RunStepper;
  private readonly recordedEnd: EndEvent | null;
  private readonly until: number;
  private status: ReplayStatus | null = null;
  private liveEnd: EndEvent | null = null;

  constructor(
    readonly reader: TraceReader,
    options: ReplayOptions = {},
  ) {
    const header = reader.header;
    const verify = options.verify ?? true;
    this.until = options.until ?? Infinity;
    const end = reader.footer?.end as EndEvent | null | undefined;
    this.recordedEnd = end ?? null;
    const stop = () => this.machine.finish({ kind: 'error', message: 'replay stopped: it no longer follows the trace' });
    const rows = verify ? options.rows : undefined;
    this.verifier = verify ? new Verifier(reader.events(), rows ? [][Symbol.iterator]() : reader.insnChunks(), reader.complete, stop) : null;
    const v = this.verifier;
    const consumer: TraceConsumer = v === null ? IGNORE : rows ? { event: (e) => v.event(e), instructions: (b) => rows.instructions(b) } : v;
    this.capture = new Capture(verify ? header.level : 'inputs', consumer);
    this.console = new ReplayConsole(inputArrivals(reader.events()), this.capture, options.output ?? null);
    const config = runConfigOf(header);
    // Host paging's inputs (backing-store results and latencies) come from the trace: they
    // win over this host's disk and over any --latency the replay is given.
    if (config.hv != null && config.hv.hostPaging != null && options.latency !== undefined) config.hv.hostPaging = { ...config.hv.hostPaging, latency: options.latency };
    const capture = this.capture;
    this.machine = buildMachine(config, this.console, { record: (r) => capture.pagingInput(r), replay: pagingInputs(reader.events()) }).machine;
    this.capture.attach(this.machine, loadedRanges(this.machine, config));
    if (this.verifier !== null) this.verifier.icountNow = () => this.machine.hart.icount;
    this.stepper = new RunStepper(this.machine, header.hashEvery, header.config.maxAttempts);
  }

  get done(): boolean {
    return this.status !== null;
  }

  /** Runs one step of the trace; returns true when the replay is over. */
  step(): boolean {
    if (this.status !== null) return true;
    const m = this.machine;
    const v = this.verifier;
    const stopAt = this.recordedEnd?.attempts ?? Infinity;
    const hashEvery = this.stepper.hashEvery;
    let outcome: RunOutcome | null;
    if (m.hart.icount + hashEvery >= this.until) {
      // The last, partial step: stop exactly at the asked instruction count.
      outcome = null;
      while (m.hart.icount < this.until && m.hart.attempts < stopAt && outcome === null && !(v?.stopped ?? false))
        outcome = m.run(Math.min(this.until - m.hart.icount, stopAt - m.hart.attempts));
      if (!(v?.stopped ?? false) && (outcome === null || m.hart.icount >= this.until)) {
        this.status = 'until';
        return true;
      }
    } else outcome = this.stepper.step(stopAt);
    if (v !== null && v.stopped) return this.settle();
    if (outcome === null) {
      this.capture.hashPoint();
      if (m.hart.attempts >= stopAt) {
        // The recording stopped here without the guest ending (Ctrl-C): end as it did.
        const recorded = this.recordedEnd!.outcome;
        outcome = recorded.kind === 'interrupted' ? recorded : { kind: 'interrupted' };
      }
    }
    if (outcome !== null) {
      this.liveEnd = this.capture.end(outcome);
      v?.finish();
      return this.settle(true);
    }
    return this.settle();
  }

  /** Stops the replay from outside (a row checker found a difference, or ran out of recorded rows). */
  stop(status: 'diverged' | 'truncated'): void {
    if (this.status === null) this.status = status;
  }

  /** Runs the replay to its end synchronously. */
  run(): ReplayResult {
    while (!this.step());
    return this.result();
  }

  result(): ReplayResult {
    const v = this.verifier;
    return {
      status: this.status ?? 'until',
      mismatch: v?.mismatch ?? null,
      verifiedTo: v?.verifiedTo ?? 0,
      icount: this.machine.hart.icount,
      recordedEnd: this.recordedEnd,
      end: this.liveEnd,
    };
  }

  private settle(ended = false): boolean {
    const v = this.verifier;
    if (v !== null && v.mismatch !== null) this.status = 'diverged';
    else if (v !== null && v.pastEnd) this.status = 'truncated';
    else if (ended) this.status = v === null ? 'unverified' : v.endMatched ? 'exact' : 'truncated';
    return this.status !== null;
  }
}
