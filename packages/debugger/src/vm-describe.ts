/**
 * Text about the VMs of a hypervisor trace, for the REPL's `where` and `vm` and the gdb
 * server's thread names and `monitor` commands: which VM runs, each VM's mode, pc and
 * own instruction count, and whether it is on the hart or switched out.
 */
import { guestTimeText, whereText } from './describe.js';
import type { DebugEngine, VmStateView } from './engine.js';
import { hex32 } from './hex.js';

/** "on the hart", "switched out" or "stopped". */
export function vmPlace(s: VmStateView): string {
  return s.stopped ? 'stopped' : s.live ? 'on the hart' : 'switched out';
}

/**
 * `where` on a hypervisor trace. The machine's view: the machine position and the VM on
 * the hart with its own count. A VM's view: that VM's mode, pc, own count and guest
 * time, with the machine position.
 */
export function vmWhereText(engine: DebugEngine, vm: number | null): string {
  const running = engine.runningVm?.() ?? null;
  if (vm === null) {
    const label = running === null ? 'none running' : `${running} (its icount ${engine.vmIcount!(running)})`;
    return whereText(engine, label);
  }
  const s = engine.vmState!(vm);
  const parts = [
    `vm${vm} (${vmPlace(s)})`,
    `${s.mode}-mode${s.inExit ? ' (inside its last exit)' : ''}`,
    `pc ${hex32(s.pc)}`,
    `vm${vm} icount ${s.vmIcount} of ${engine.vmEndIcount!(vm)}`,
    `machine icount ${engine.icount} of ${engine.endIcount}${running !== null && running !== vm ? ` (vm${running} on the hart)` : ''}`,
    guestTimeText(s.time),
  ];
  return parts.join(', ');
}

/** One line per VM: mode, pc, own count, on the hart or not; `selected` marked. */
export function vmListText(engine: DebugEngine, selected: number | null): string {
  const n = engine.vmCount ?? 0;
  const lines = [`${n} VM${n === 1 ? '' : 's'} at machine icount ${engine.icount}${selected === null ? ' (looking at the machine)' : ''}:`];
  for (let vm = 0; vm < n; vm++) {
    const s = engine.vmState!(vm);
    lines.push(`${vm === selected ? '* ' : '  '}vm${vm}  ${s.mode}  pc ${hex32(s.pc)}  icount ${s.vmIcount}  ${vmPlace(s)}`);
  }
  return lines.join('\n');
}

/** gdb's thread name (qThreadExtraInfo): "vm0 (VS, on the hart)". */
export function vmThreadName(engine: DebugEngine, vm: number): string {
  const s = engine.vmState!(vm);
  return `vm${vm} (${s.mode}, ${vmPlace(s)})`;
}
