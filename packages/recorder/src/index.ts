export { crc32 } from './crc32.js';
export { ByteReader, ByteWriter } from './byte-writer.js';
export { InsnEncoder, decodeInsns, type InsnRows, type EncodedInsns } from './insn-codec.js';
export * from './trace-format.js';
export type { TraceEvent, TraceEventType, InputEvent, PagingInputEvent, StateEvent, EndEvent } from './trace-events.js';
export { TRACE_EVENT_TYPES } from './trace-events.js';
export { packValue, unpackValue, packPieces } from './msgpack.js';
export { encodeChunk, frameChunk, framePieces, parseChunkHeader, checkChunkHeader, openChunkPayload, ChunkError, type ChunkHeader } from './chunk-codec.js';
export { RamHasher, stateHash, type HashedState } from './state-hash.js';
export { machineState, finiteOrMinusOne, loadedRanges } from './machine-state.js';
export { RecordingConsole, type InputLog } from './recording-console.js';
export { Capture, type TraceConsumer } from './capture.js';
export { runConfig, machineConfig, configRecord, runConfigOf, buildMachine, imagesOf, type RunConfig, type HvRunConfig, type VmRunConfig, type BuiltMachine, type PagingInputs } from './run-config.js';
export { MemoryOutput, FileOutput, type TraceOutput } from './trace-output.js';
export { TraceWriter, type TraceSink, type TraceWriterOptions } from './trace-writer.js';
export { RunStepper, DEFAULT_HASH_EVERY } from './run-stepper.js';
export { Recorder, HVRR_VERSION, type RecorderOptions } from './recorder.js';
export { WorkerTraceSink } from './worker-trace-sink.js';
export { RowBatcher, rowBuffers } from './row-batcher.js';
export { SnapshotWriter, DEFAULT_SNAPSHOT_EVERY, type SnapshotRecord, type ConsolePosition } from './snapshot-writer.js';
export {
  saveMachineState,
  restoreMachineState,
  encodeMachineState,
  decodeMachineState,
  machineContributors,
  fieldsContributor,
  plainFields,
  restorePlainFields,
  type StateContributor,
  type SnapshotHost,
  type MachineSnapshot,
  type HartSnapshot,
  type PlainFields,
} from './machine-snapshot.js';
