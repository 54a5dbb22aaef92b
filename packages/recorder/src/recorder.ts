import type { Machine, ConsoleIO, RunOutcome } from '@hvrr/machine';
import type { FailureInjector, Hypervisor } from '@hvrr/hypervisor';
import { Capture } from './capture.js';
import { loadedRanges } from './machine-state.js';
import { RecordingConsole } from './recording-console.js';
import { buildMachine, configRecord, imagesOf, type RunConfig } from './run-config.js';
import { DEFAULT_HASH_EVERY, RunStepper } from './run-stepper.js';
import { DEFAULT_SNAPSHOT_EVERY, SnapshotWriter } from './snapshot-writer.js';
import type { EndEvent } from './trace-events.js';
import { FORMAT_VERSION, type TraceHeader, type TraceLevel } from './trace-format.js';
import type { TraceSink } from './trace-writer.js';

/** hvrr's version as traces record it (the CLI's --version says the same). */
export const HVRR_VERSION = '0.1.0';

export interface RecorderOptions {
  level: TraceLevel;
  hashEvery?: number;
  /** Attempts between snapshot chunks (time travel); 0 writes none. Default DEFAULT_SNAPSHOT_EVERY. */
  snapshotEvery?: number;
  /** Tests: make chosen host-paging backing-store operations fail; the failures are recorded as inputs. */
  injectBackingFailures?: FailureInjector;
}

/**
 * Records a run: builds the machine from a RunConfig with a recording console, writes
 * the header, then steps the run, writing a state hash and the buffered chunks after
 * every step. `finish` ends the trace (final state, end event, footer); call it also
 * when recording stops early (Ctrl-C), with the outcome 'interrupted'.
 */
export class Recorder {
  readonly machine: Machine;
  /** The hypervisor of an `--hv` run, else null. */
  readonly hypervisor: Hypervisor | null;
  readonly capture: Capture;
  readonly header: TraceHeader;
  private readonly stepper: RunStepper;
  private finished: EndEvent | null = null;
  private readonly snapshots: SnapshotWriter | null = null;

  constructor(
    readonly config: RunConfig,
    console: ConsoleIO,
    private readonly sink: TraceSink,
    options: RecorderOptions,
  ) {
    const hashEvery = options.hashEvery ?? DEFAULT_HASH_EVERY;
    this.capture = new Capture(options.level, sink);
    const recording = new RecordingConsole(console, this.capture);
    const capture = this.capture;
    const built = buildMachine(config, recording, { record: (r) => capture.pagingInput(r), inject: options.injectBackingFailures });
    this.machine = built.machine;
    this.hypervisor = built.hypervisor;
    this.header = {
      format: FORMAT_VERSION,
      hvrr: HVRR_VERSION,
      level: options.level,
      config: configRecord(config),
      images: imagesOf(config),
      hashEvery,
      seeds: {},
    };
    sink.header(this.header);
    this.capture.attach(this.machine, loadedRanges(this.machine, config));
    this.stepper = new RunStepper(this.machine, hashEvery, config.maxAttempts);
    const every = options.snapshotEvery ?? DEFAULT_SNAPSHOT_EVERY;
    if (every > 0 && sink.snapshot !== undefined) {
      const capture = this.capture;
      this.snapshots = new SnapshotWriter(this.machine, { polls: () => capture.pollCount, pending: () => recording.pending }, every, (r) => sink.snapshot!(r));
    }
  }

  /** Runs one step; returns the outcome once the run ended, else null (a hash was written). */
  step(): RunOutcome | null {
    const outcome = this.stepper.step();
    if (outcome !== null) return outcome;
    this.snapshots?.beforeHash();
    this.capture.hashPoint();
    this.sink.flush();
    return null;
  }

  /** Runs to the end synchronously (tests, fixtures) and finishes the trace. */
  runToEnd(): EndEvent {
    let outcome: RunOutcome | null = null;
    while (outcome === null) outcome = this.step();
    return this.finish(outcome);
  }

  /** Ends the trace with this outcome: final state and hash, end event, footer. */
  finish(outcome: RunOutcome): EndEvent {
    if (this.finished !== null) return this.finished;
    this.finished = this.capture.end(outcome);
    this.sink.close();
    return this.finished;
  }
}
