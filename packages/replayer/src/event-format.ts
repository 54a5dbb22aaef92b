import { causeName, csrName, disassemble } from '@hvrr/cpu';
import { MODE_NAMES } from '@hvrr/events';
import type { InsnRows, TraceEvent } from '@hvrr/recorder';

/** An instruction row as an event, for listings (`hvrr events --type insn`, divergence reports). */
export interface InsnEvent {
  type: 'insn';
  icount: number;
  pc: number;
  raw: number;
  rdValue: number;
  store?: { addr: number; value: number; size: number };
}

export type ListedEvent = TraceEvent | InsnEvent;

export function insnEvent(rows: InsnRows, i: number): InsnEvent {
  const e: InsnEvent = { type: 'insn', icount: rows.firstIcount + i, pc: rows.pc[i]!, raw: rows.raw[i]!, rdValue: rows.rdValue[i]! };
  const f = rows.flags[i]!;
  if ((f & 1) !== 0) e.store = { addr: rows.storeAddr[i]!, value: rows.storeValue[i]!, size: f >>> 1 };
  return e;
}

const U32_FIELDS = new Set(['pc', 'raw', 'rdValue', 'addr', 'value', 'epc', 'tval']);

function hex(n: number): string {
  return '0x' + (n >>> 0).toString(16);
}

function bytesHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

/**
 * The JSON form of an event (`hvrr events --json`): the stored fields under their
 * names, 32-bit quantities (pc, addresses, values, CSR and register values) as
 * unsigned numbers, byte strings as hex.
 */
export function eventJson(e: ListedEvent): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e)) {
    if (v instanceof Uint8Array) out[k] = bytesHex(v);
    else if (typeof v === 'number' && U32_FIELDS.has(k)) out[k] = v >>> 0;
    else if (k === 'csr' && Array.isArray(v)) out[k] = v.map((n: number, i: number) => (i % 2 === 0 ? n : n >>> 0));
    else if (k === 'x' && Array.isArray(v)) out[k] = v.map((n: number) => n >>> 0);
    else if (k === 'store' && typeof v === 'object' && v !== null) {
      const s = v as { addr: number; value: number; size: number };
      out[k] = { addr: s.addr >>> 0, value: s.value >>> 0, size: s.size };
    } else out[k] = v;
  }
  return out;
}

function printable(b: Uint8Array): string {
  let s = '';
  for (const c of b) s += c >= 0x20 && c < 0x7f && c !== 0x22 && c !== 0x5c ? String.fromCharCode(c) : c === 10 ? '\\n' : c === 13 ? '\\r' : `\\x${c.toString(16).padStart(2, '0')}`;
  return `"${s}"`;
}

/** VS/VU for virtualized modes (H extension), else U/S/M. */
function modeName(mode: number, virt: boolean | undefined): string {
  if (virt === true) return `V${MODE_NAMES[mode]}`;
  // With the H extension in play (virt given), S-mode with V=0 is HS-mode.
  if (virt === false && mode === 1) return 'HS';
  return MODE_NAMES[mode] ?? String(mode);
}

/** ` vm1@5000`: the VM an event belongs to and that VM's own instruction count (hypervisor runs). */
function vmTag(e: { vm?: number; vmIcount?: number }): string {
  return e.vm === undefined ? '' : ` vm${e.vm}@${e.vmIcount ?? '?'}`;
}

/** One line of text for an event, e.g. `#1234 trap illegal_instruction tval=0x0 epc=0x80000010 M->M guest`. */
export function formatEvent(e: ListedEvent): string {
  const at = `#${e.icount}`;
  switch (e.type) {
    case 'insn': {
      const store = e.store ? ` store${e.store.size} [${hex(e.store.addr)}]=${hex(e.store.value)}` : '';
      return `${at} insn ${hex(e.pc)}: ${hex(e.raw).padEnd(10)} ${disassemble(e.raw, e.pc).padEnd(28)} rd=${hex(e.rdValue)}${store}`;
    }
    case 'trap':
      return `${at} trap ${causeName(e.cause, e.interrupt)} (${e.interrupt ? 'interrupt' : 'exception'} ${e.cause}) epc=${hex(e.epc)} tval=${hex(e.tval)} ${modeName(e.from, e.fromVirt)}->${modeName(e.to, e.toVirt)} by ${e.handler}${vmTag(e)}`;
    case 'exit':
      return `${at} exit ${e.reason} (${causeName(e.cause, e.interrupt)}) epc=${hex(e.epc)} tval=${hex(e.tval)}${e.htval !== 0 ? ` gpa=0x${(e.htval * 4).toString(16)}` : ''}${e.htinst !== 0 ? ` htinst=${hex(e.htinst)}` : ''} -> ${e.resolution}${vmTag(e)}`;
    case 'ptw':
      return `${at} ptw [gpa 0x${e.gpa.toString(16)}] ${hex(e.old)} -> ${hex(e.new)} (${e.how})${vmTag(e)}`;
    case 'xret':
      return `${at} xret ${hex(e.epc)} -> ${hex(e.pc)} guest ${MODE_NAMES[e.from]}->${MODE_NAMES[e.to]}${vmTag(e)}`;
    case 'irq':
      return `${at} irq ${causeName(e.irq, true)} ${e.action}${vmTag(e)}`;
    case 'mmio':
      return `${at} mmio ${e.op} ${e.device} [${hex(e.addr)}] size ${e.size} value ${hex(e.value)}${vmTag(e)}`;
    case 'hostwrite':
      return `${at} hostwrite ${e.source} [${hex(e.addr)}] ${e.bytes.length} bytes ${bytesHex(e.bytes).slice(0, 64)}`;
    case 'sbi':
      return `${at} sbi eid=${hex(e.eid)} fid=${e.fid} args=[${e.args.map(hex).join(', ')}] -> error ${e.error} value ${hex(e.value)}${vmTag(e)}`;
    case 'hpf': {
      const victim = e.victim === null ? 'free frame' : `victim vm${e.victim.vm} gpa 0x${e.victim.gpa.toString(16)}`;
      const errors = e.errors !== undefined ? ` errors ${e.errors.join(',')}` : '';
      return `${at} hpf ${e.kind}${e.write ? ' write' : ''} [gpa 0x${e.gpa.toString(16)}] ${victim} ops ${e.ops.join(',') || 'none'} latency ${formatNs(e.latencyNs)}${errors}${e.failed !== undefined ? ` FAILED: ${e.failed}` : ''}${vmTag(e)}`;
    }
    case 'time':
      return `${at} time ${e.kind} ${formatNs(e.ns)}: guest ${formatNs(e.guestNs)} host ${formatNs(e.hostNs)} backlog ${formatNs(e.backlogNs)}${e.droppedNs > 0 ? ` dropped ${formatNs(e.droppedNs)}` : ''} rate ${e.rate}${vmTag(e)}`;
    case 'paging':
      return `${at} paging input vm${e.vm} gpa 0x${(e.gpn * 4096).toString(16)}: ${e.ops.map((o) => `${o.op}${o.ok ? '' : ` failed ${o.error ?? 'EIO'}`} ${formatNs(o.costNs)}`).join(', ')}`;
    case 'hash':
      return `${at} hash ${e.hash}`;
    case 'input':
      return `${at} input ${e.source} poll ${e.poll} ${printable(e.bytes)}`;
    case 'state': {
      const parts: string[] = [];
      if (e.priv !== undefined) parts.push(`priv=${MODE_NAMES[e.priv] ?? e.priv}`);
      if (e.csr) for (let i = 0; i + 1 < e.csr.length; i += 2) parts.push(`${csrName(e.csr[i]!) ?? hex(e.csr[i]!)}=${hex(e.csr[i + 1]!)}`);
      if (e.x) parts.push(`x1..x31=[${e.x.map(hex).join(' ')}]`);
      if (e.counters) parts.push(`counters=${e.counters.join('/')}`);
      if (e.clock) parts.push(`clock=${e.clock.join('/')}`);
      if (e.timers) parts.push(`timers=${e.timers.join('/')}`);
      if (e.res) parts.push(`reservation=${e.res[0] ? hex(e.res[1]!) : 'none'}`);
      return `${at} state ${parts.join(' ')}`;
    }
    case 'end':
      return `${at} end ${describeOutcome(e.outcome)} attempts=${e.attempts} pc=${hex(e.pc)} priv=${MODE_NAMES[e.priv] ?? e.priv} hash ${e.hash}`;
  }
}

/** A duration in ns with a readable unit (ns, µs, ms, s). */
export function formatNs(ns: number): string {
  if (ns < 1_000) return `${ns} ns`;
  if (ns < 1_000_000) return `${+(ns / 1_000).toFixed(3)} µs`;
  if (ns < 1_000_000_000) return `${+(ns / 1_000_000).toFixed(3)} ms`;
  return `${+(ns / 1_000_000_000).toFixed(3)} s`;
}

export function describeOutcome(o: { kind: string; how?: string; code?: number; message?: string }): string {
  switch (o.kind) {
    case 'pass':
      return `pass (${o.how})`;
    case 'fail':
      return `fail code ${o.code} (${o.how})`;
    case 'idle':
    case 'error':
      return `${o.kind} (${o.message})`;
    default:
      return o.kind;
  }
}
