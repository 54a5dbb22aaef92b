import { CHUNK_EVENTS, CHUNK_INSNS, CHUNK_KIND_NAMES, TRACE_EVENT_TYPES, type EncodedInsns, type EndEvent } from '@hvrr/recorder';
import { describeOutcome, type TraceReader } from '@hvrr/replayer';
import { withTrace } from './replay-command.js';

export interface InfoOptions {
  json?: boolean;
}

export interface TraceInfo {
  file: string;
  size: number;
  format: number;
  hvrr: string;
  level: string;
  complete: boolean;
  cut_at: number | null;
  elf: { path: string; size: number };
  firmware: { kind: string; path: string | null; size: number | null };
  mem_size: number;
  bootargs: string;
  ns_per_insn: number;
  max_insns: number | null;
  /** Hypervisor traces: the VMs (null for bare and firmware traces). */
  vms: { id: number; image: string; image_size: number | null; mem_size: number; strategy: string; bootargs: string; forward_syscalls: boolean }[] | null;
  /** Hypervisor traces with host paging: frames, policy, backing store, latency model (null: none). */
  host_paging?: { frames: number; policy: string; backing: string; latency: string } | null;
  /** Hypervisor traces: the time policy. */
  time?: string;
  hash_every: number;
  chunks: Record<string, number>;
  instructions: number;
  bytes_per_instruction: number | null;
  events: Record<string, number>;
  outcome: string | null;
  final_hash: string | null;
}

/**
 * Reads a whole trace, checking every chunk's CRC, and sums it up. Counts come from
 * the chunks themselves (not the footer), so a cut-off trace is described too.
 */
export function traceInfo(reader: TraceReader, path: string): TraceInfo {
  const h = reader.header;
  const chunks: Record<string, number> = {};
  const events: Record<string, number> = {};
  let instructions = 0;
  let end: EndEvent | null = null;
  for (const c of reader.chunks) {
    const name = CHUNK_KIND_NAMES[c.kind] ?? `kind ${c.kind}`;
    chunks[name] = (chunks[name] ?? 0) + 1;
    const value = reader.payload(c);
    if (c.kind === CHUNK_INSNS) {
      const n = (value as EncodedInsns).count;
      events.insn = (events.insn ?? 0) + n;
      instructions = Math.max(instructions, (value as EncodedInsns).first + n);
    } else if (c.kind === CHUNK_EVENTS) {
      for (const e of (value as { events: { type: string; icount: number }[] }).events) {
        events[e.type] = (events[e.type] ?? 0) + 1;
        instructions = Math.max(instructions, e.icount);
        if (e.type === 'end') end = e as EndEvent;
      }
    }
  }
  const ordered: Record<string, number> = {};
  for (const t of TRACE_EVENT_TYPES) if (events[t] !== undefined) ordered[t] = events[t]!;
  for (const [t, n] of Object.entries(events)) if (ordered[t] === undefined) ordered[t] = n;
  const c = h.config;
  return {
    file: path,
    size: reader.size,
    format: reader.formatVersion,
    hvrr: h.hvrr,
    level: h.level,
    complete: reader.complete,
    cut_at: reader.truncatedAt,
    elf: { path: c.elfPath, size: h.images.elf.length },
    firmware: { kind: c.firmware, path: c.firmwarePath, size: h.images.firmware?.length ?? null },
    mem_size: c.memSize,
    bootargs: c.bootargs,
    ns_per_insn: c.nsPerInsn,
    max_insns: c.maxAttempts,
    vms:
      c.hv?.vms.map((vm, i) => ({
        id: i,
        image: vm.imagePath,
        image_size: h.images.vms?.[i]?.length ?? null,
        mem_size: vm.memSize,
        strategy: vm.strategy,
        bootargs: vm.bootargs,
        forward_syscalls: vm.forwardSyscalls,
      })) ?? null,
    ...(c.hv != null ? { host_paging: c.hv.hostPaging ?? null, time: c.hv.time ?? 'virtual' } : {}),
    hash_every: h.hashEvery,
    chunks,
    instructions,
    bytes_per_instruction: instructions > 0 ? Number((reader.size / instructions).toFixed(3)) : null,
    events: ordered,
    outcome: end ? describeOutcome(end.outcome) : null,
    final_hash: end?.hash ?? null,
  };
}

/** `hvrr info <trace> [--json]`. */
export function infoCommand(path: string, opts: InfoOptions): number {
  return withTrace(path, (reader) => {
    const info = traceInfo(reader, path);
    if (opts.json) {
      process.stdout.write(JSON.stringify(info, null, 2) + '\n');
      return 0;
    }
    const mib = (n: number) => (n >= 1024 * 1024 && n % (1024 * 1024) === 0 ? `${n / 1024 / 1024} MiB` : `${n} bytes`);
    const machine =
      info.vms === null
        ? [
            `elf:           ${info.elf.path} (${info.elf.size} bytes, inside the trace)`,
            `firmware:      ${info.firmware.kind}${info.firmware.path ? ` ${info.firmware.path} (${info.firmware.size} bytes, inside the trace)` : ''}`,
            `memory:        ${mib(info.mem_size)}`,
            `bootargs:      ${JSON.stringify(info.bootargs)}`,
          ]
        : info.vms.map(
            (vm) =>
              `vm${vm.id}:${' '.repeat(Math.max(1, 12 - String(vm.id).length))}${vm.image} (${vm.image_size} bytes, inside the trace), ${mib(vm.mem_size)}, ${vm.strategy}${vm.forward_syscalls ? ', forwarded syscalls' : ''}, bootargs ${JSON.stringify(vm.bootargs)}`,
          );
    const paging = info.host_paging;
    if (info.vms !== null) {
      machine.push(
        paging != null
          ? `host paging:   ${paging.frames * 4} KiB of host frames, policy ${paging.policy}, backing ${paging.backing}, latency ${paging.latency} (stalls are recorded inputs)`
          : `host paging:   none`,
        `time policy:   ${info.time ?? 'virtual'}`,
      );
    }
    const lines = [
      `trace:         ${path} (${info.size} bytes)`,
      `format:        version ${info.format}, written by hvrr ${info.hvrr}`,
      `level:         ${info.level}`,
      `status:        ${info.complete ? 'complete (footer present)' : `cut off: readable up to byte ${info.cut_at}`}`,
      ...machine,
      `ns per insn:   ${info.ns_per_insn}`,
      `max insns:     ${info.max_insns ?? 'none'}`,
      `hash every:    ${info.hash_every} instruction attempts`,
      `instructions:  ${info.instructions}`,
      `bytes/insn:    ${info.bytes_per_instruction ?? '-'}`,
      `outcome:       ${info.outcome ?? '(no end event: the recording was cut off)'}`,
      `final hash:    ${info.final_hash ?? '-'}`,
      `chunks:        ${Object.entries(info.chunks)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ')}`,
      'events:',
      ...Object.entries(info.events).map(([k, n]) => `  ${k.padEnd(10)} ${n}`),
    ];
    process.stdout.write(lines.join('\n') + '\n');
    return 0;
  });
}
