export type {
  PrivilegeMode,
  TrapEvent,
  IrqEvent,
  MmioEvent,
  HostWriteEvent,
  SbiEvent,
  HashEvent,
  ExitEvent,
  PtwEvent,
  XretEvent,
  HpfEvent,
  TimeEvent,
  VmTag,
  HvrrEvent,
  EventType,
} from './events.js';
export { MODE_NAMES } from './events.js';
export { InsnColumns, INSN_HAS_STORE } from './insn-columns.js';
export type { EventSink } from './event-sink.js';
export { MemorySink } from './event-sink.js';
