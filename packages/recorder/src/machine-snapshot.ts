import type { Machine } from '@hvrr/machine';

/**
 * The machine's state besides RAM, as snapshots keep it (docs/time-travel.md). RAM is
 * kept separately, page by page and copy-on-write, by whoever takes the snapshot.
 *
 * Hart and devices are copied field by field: every own property of a number or
 * boolean value. That covers private fields (a device's registers) and fields other
 * work adds later (the H extension's `virt`) without this file naming them; the
 * typed arrays (x, csr) and the 64-bit counters are copied explicitly.
 */
export type PlainFields = Record<string, number | boolean>;

/** Something beside the hart whose state a snapshot must carry (a device, the board, later the hypervisor). */
export interface StateContributor {
  /** Stable name: the key of its state in a snapshot. */
  readonly name: string;
  save(): unknown;
  restore(state: unknown): void;
}

export interface HartSnapshot {
  fields: PlainFields;
  x: Int32Array;
  csr: Int32Array;
  /** mcycle and minstret: [base, frozen (-1: counting)] as decimal strings. */
  mcycle: [string, string];
  minstret: [string, string];
}

export interface MachineSnapshot {
  icount: number;
  attempts: number;
  hart: HartSnapshot;
  /** By contributor name. */
  host: Record<string, unknown>;
}

/** Own number and boolean fields of an object. */
export function plainFields(o: object): PlainFields {
  const out: PlainFields = {};
  for (const [k, v] of Object.entries(o)) if (typeof v === 'number' || typeof v === 'boolean') out[k] = v;
  return out;
}

/** Writes back fields saved by plainFields (only those the object still has as plain values). */
export function restorePlainFields(o: object, fields: PlainFields): void {
  const target = o as Record<string, unknown>;
  for (const [k, v] of Object.entries(fields)) {
    const now = target[k];
    if (typeof now === 'number' || typeof now === 'boolean') target[k] = v;
  }
}

/** A contributor for an object whose state is its plain fields (devices, the guest clock, the firmware). */
export function fieldsContributor(name: string, o: object): StateContributor {
  return { name, save: () => plainFields(o), restore: (s) => restorePlainFields(o, s as PlainFields) };
}

/**
 * What host software (the hypervisor, MachineConfig.host) implements so snapshots carry
 * its state: VMs, vCPUs, strategies, host paging, time policy. Found on `machine.host`
 * at run time, so this file does not depend on the hypervisor package.
 */
export interface SnapshotHost {
  stateContributors(): StateContributor[];
}

/** Device bases of the board (machine.ts): the finisher, the CLINT, the UART. */
const DEVICE_BASES: [string, number][] = [
  ['finisher', 0x100000],
  ['clint', 0x2000000],
  ['uart', 0x10000000],
];

/**
 * The board's contributors: guest clock, devices, HTIF, built-in firmware and the run
 * outcome. A hypervisor adds its own with `extra`.
 */
export function machineContributors(machine: Machine, extra: StateContributor[] = []): StateContributor[] {
  const list: StateContributor[] = [fieldsContributor('clock', machine.clock)];
  for (const [name, base] of DEVICE_BASES) {
    const region = machine.bus.deviceAt(base);
    if (region !== undefined) list.push(fieldsContributor(name, region.device));
  }
  if (machine.htif !== null) list.push(fieldsContributor('htif', machine.htif));
  if (machine.firmware !== null) list.push(fieldsContributor('firmware', machine.firmware));
  list.push({
    name: 'outcome',
    save: () => (machine.outcome === null ? null : structuredClone(machine.outcome)),
    restore: (s) => {
      machine.outcome = s === null || s === undefined ? null : structuredClone(s as NonNullable<Machine['outcome']>);
    },
  });
  const host = (machine as { host?: unknown }).host as Partial<SnapshotHost> | null | undefined;
  if (host != null && typeof host.stateContributors === 'function') list.push(...host.stateContributors());
  return list.concat(extra);
}

export function saveMachineState(machine: Machine, contributors: StateContributor[]): MachineSnapshot {
  const hart = machine.hart;
  const [cb, cf] = hart.mcycle.save();
  const [ib, iff] = hart.minstret.save();
  const host: Record<string, unknown> = {};
  for (const c of contributors) host[c.name] = c.save();
  return {
    icount: hart.icount,
    attempts: hart.attempts,
    hart: { fields: plainFields(hart), x: hart.x.slice(), csr: hart.csr.slice(), mcycle: [cb.toString(), cf.toString()], minstret: [ib.toString(), iff.toString()] },
    host,
  };
}

/**
 * Puts the hart and the host back as saved (RAM is the caller's). The TLBs are
 * flushed; translated code stays (it is checked against RAM by whoever restores RAM).
 */
export function restoreMachineState(machine: Machine, s: MachineSnapshot, contributors: StateContributor[]): void {
  const hart = machine.hart;
  restorePlainFields(hart, s.hart.fields);
  hart.x.set(s.hart.x);
  hart.csr.set(s.hart.csr);
  hart.mcycle.restore([BigInt(s.hart.mcycle[0]), BigInt(s.hart.mcycle[1])]);
  hart.minstret.restore([BigInt(s.hart.minstret[0]), BigInt(s.hart.minstret[1])]);
  for (const c of contributors) if (c.name in s.host) c.restore(s.host[c.name]);
  hart.contextChanged();
}

/** A snapshot as msgpack carries it: typed arrays as byte strings. */
export function encodeMachineState(s: MachineSnapshot): unknown {
  return {
    icount: s.icount,
    attempts: s.attempts,
    hart: { fields: s.hart.fields, x: bytesOf(s.hart.x), csr: bytesOf(s.hart.csr), mcycle: s.hart.mcycle, minstret: s.hart.minstret },
    host: toMsgpackSafe(s.host),
  };
}

/** Typed arrays other than Uint8Array, tagged as msgpack maps (msgpack has no typed arrays). */
const TYPED: Record<string, new (b: ArrayBuffer) => ArrayBufferView> = {
  Int8Array,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  Uint8ClampedArray,
};
const TAG = '$typed';

/** Contributors may save typed arrays and bigints: make their state plain msgpack. */
function toMsgpackSafe(v: unknown): unknown {
  if (typeof v === 'bigint') return { [TAG]: 'bigint', v: v.toString() };
  if (v instanceof Uint8Array) return v;
  if (ArrayBuffer.isView(v)) {
    const name = v.constructor.name;
    return { [TAG]: name, b: new Uint8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength)) };
  }
  if (Array.isArray(v)) return v.map(toMsgpackSafe);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = toMsgpackSafe(x);
    return out;
  }
  return v;
}

function fromMsgpack(v: unknown): unknown {
  if (v instanceof Uint8Array) return new Uint8Array(v);
  if (Array.isArray(v)) return v.map(fromMsgpack);
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const tag = o[TAG];
    if (tag === 'bigint') return BigInt(o.v as string);
    if (typeof tag === 'string' && TYPED[tag] !== undefined && o.b instanceof Uint8Array) return new TYPED[tag]!(new Uint8Array(o.b).buffer);
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(o)) out[k] = fromMsgpack(x);
    return out;
  }
  return v;
}

export function decodeMachineState(v: unknown): MachineSnapshot {
  const o = v as { icount: number; attempts: number; hart: { fields: PlainFields; x: Uint8Array; csr: Uint8Array; mcycle: [string, string]; minstret: [string, string] }; host: Record<string, unknown> };
  if (typeof o?.icount !== 'number' || typeof o.attempts !== 'number' || !(o.hart?.x instanceof Uint8Array) || !(o.hart.csr instanceof Uint8Array))
    throw new Error('malformed machine state in a snapshot');
  return {
    icount: o.icount,
    attempts: o.attempts,
    hart: { fields: o.hart.fields, x: int32Of(o.hart.x, 32), csr: int32Of(o.hart.csr, 4096), mcycle: o.hart.mcycle, minstret: o.hart.minstret },
    host: (fromMsgpack(o.host ?? {}) as Record<string, unknown>),
  };
}

function bytesOf(a: Int32Array): Uint8Array {
  return new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
}

function int32Of(b: Uint8Array, n: number): Int32Array {
  if (b.length !== n * 4) throw new Error('malformed machine state in a snapshot');
  return new Int32Array(new Uint8Array(b).buffer);
}
