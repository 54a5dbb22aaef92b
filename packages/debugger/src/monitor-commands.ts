/**
 * gdb's `monitor` commands (qRcmd), for what gdb itself cannot ask: where in the
 * recording we are (the instruction count), the last write to an address, events near
 * here and the page table. They only look; moving in time stays with gdb's own commands.
 */
import type { DebugEngine } from './engine.js';
import { eventsNearText, lastWriteText, pageTableText, whereText } from './describe.js';

const HELP = [
  'hvrr monitor commands:',
  '  monitor where               instruction count, mode, pc and guest time here',
  '  monitor icount              the instruction count alone',
  '  monitor lastwrite ADDR [LEN]  which instruction last wrote ADDR before here',
  '  monitor events [N]          recorded events within N instructions of here (default 1000)',
  '  monitor pagetable           the guest page table at this instant',
  '  monitor vm [N|machine]      hypervisor traces: list the VMs, or look at VM N (thread N+2) or the machine (thread 1)',
].join('\n');

/** The text to print for a monitor command line (newline-terminated), or help for an unknown one. */
export function monitorCommand(engine: DebugEngine, line: string, vm?: string): string {
  const [cmd, ...args] = line.trim().split(/\s+/);
  const num = (s: string | undefined, dflt: number): number | null => {
    if (s === undefined) return dflt;
    const n = Number(s);
    return Number.isFinite(n) ? n : null;
  };
  switch (cmd) {
    case 'where':
      return whereText(engine, vm) + '\n';
    case 'icount':
      return `${engine.icount}\n`;
    case 'lastwrite': {
      const addr = num(args[0], NaN);
      const len = num(args[1], 4);
      if (addr === null || Number.isNaN(addr) || len === null) return 'usage: monitor lastwrite ADDR [LEN]\n';
      return lastWriteText(engine, addr >>> 0, len) + '\n';
    }
    case 'events': {
      const n = num(args[0], 1000);
      return n === null ? 'usage: monitor events [N]\n' : eventsNearText(engine, n) + '\n';
    }
    case 'pagetable':
      return pageTableText(engine) + '\n';
    default:
      return (cmd === 'help' || cmd === '' || cmd === undefined ? '' : `unknown monitor command '${cmd}'\n`) + HELP + '\n';
  }
}
