/**
 * CSR numbers and names: the unprivileged counters and the M/S/U CSRs of the
 * privileged spec 1.12 (its CSR listing tables), plus the hypervisor (H) CSRs and the
 * debug/trace CSRs. Each name maps to one number and back.
 */
const FIXED: ReadonlyArray<readonly [number, string]> = [
  // Unprivileged floating-point CSRs (listed by the privileged spec; hvrr has no F).
  [0x001, 'fflags'], [0x002, 'frm'], [0x003, 'fcsr'],
  // Unprivileged counters/timers.
  [0xc00, 'cycle'], [0xc01, 'time'], [0xc02, 'instret'],
  [0xc80, 'cycleh'], [0xc81, 'timeh'], [0xc82, 'instreth'],
  // Supervisor.
  [0x100, 'sstatus'], [0x104, 'sie'], [0x105, 'stvec'], [0x106, 'scounteren'],
  [0x10a, 'senvcfg'],
  [0x140, 'sscratch'], [0x141, 'sepc'], [0x142, 'scause'], [0x143, 'stval'], [0x144, 'sip'],
  [0x180, 'satp'],
  [0x5a8, 'scontext'],
  // Hypervisor and virtual supervisor.
  [0x600, 'hstatus'], [0x602, 'hedeleg'], [0x603, 'hideleg'], [0x604, 'hie'],
  [0x605, 'htimedelta'], [0x606, 'hcounteren'], [0x607, 'hgeie'], [0x615, 'htimedeltah'],
  [0x643, 'htval'], [0x644, 'hip'], [0x645, 'hvip'], [0x64a, 'htinst'], [0xe12, 'hgeip'],
  [0x60a, 'henvcfg'], [0x61a, 'henvcfgh'],
  [0x680, 'hgatp'],
  [0x6a8, 'hcontext'],
  [0x200, 'vsstatus'], [0x204, 'vsie'], [0x205, 'vstvec'], [0x240, 'vsscratch'],
  [0x241, 'vsepc'], [0x242, 'vscause'], [0x243, 'vstval'], [0x244, 'vsip'], [0x280, 'vsatp'],
  // Machine information.
  [0xf11, 'mvendorid'], [0xf12, 'marchid'], [0xf13, 'mimpid'], [0xf14, 'mhartid'],
  [0xf15, 'mconfigptr'],
  // Machine trap setup and handling.
  [0x300, 'mstatus'], [0x301, 'misa'], [0x302, 'medeleg'], [0x303, 'mideleg'], [0x304, 'mie'],
  [0x305, 'mtvec'], [0x306, 'mcounteren'], [0x310, 'mstatush'],
  [0x340, 'mscratch'], [0x341, 'mepc'], [0x342, 'mcause'], [0x343, 'mtval'], [0x344, 'mip'],
  [0x34a, 'mtinst'], [0x34b, 'mtval2'],
  // Machine configuration.
  [0x30a, 'menvcfg'], [0x31a, 'menvcfgh'], [0x747, 'mseccfg'], [0x757, 'mseccfgh'],
  // Machine counters.
  [0xb00, 'mcycle'], [0xb02, 'minstret'], [0xb80, 'mcycleh'], [0xb82, 'minstreth'],
  [0x320, 'mcountinhibit'],
  // Debug/trace (shared with debug mode).
  [0x7a0, 'tselect'], [0x7a1, 'tdata1'], [0x7a2, 'tdata2'], [0x7a3, 'tdata3'],
  [0x7a8, 'mcontext'],
  // Debug mode.
  [0x7b0, 'dcsr'], [0x7b1, 'dpc'], [0x7b2, 'dscratch0'], [0x7b3, 'dscratch1'],
];

/** Numbered families: `count` CSRs from `first`, named prefix + (start + i) + suffix. */
const FAMILIES: ReadonlyArray<{ first: number; count: number; start: number; prefix: string; suffix?: string }> = [
  { first: 0xc03, count: 29, start: 3, prefix: 'hpmcounter' },
  { first: 0xc83, count: 29, start: 3, prefix: 'hpmcounter', suffix: 'h' },
  { first: 0xb03, count: 29, start: 3, prefix: 'mhpmcounter' },
  { first: 0xb83, count: 29, start: 3, prefix: 'mhpmcounter', suffix: 'h' },
  { first: 0x323, count: 29, start: 3, prefix: 'mhpmevent' },
  { first: 0x3a0, count: 16, start: 0, prefix: 'pmpcfg' },
  { first: 0x3b0, count: 64, start: 0, prefix: 'pmpaddr' },
];

const nameOf = new Map<number, string>();
const numberOf = new Map<string, number>();

function add(num: number, name: string): void {
  if (nameOf.has(num) || numberOf.has(name)) throw new Error(`csr-names: duplicate ${name} / 0x${num.toString(16)}`);
  nameOf.set(num, name);
  numberOf.set(name, num);
}

for (const [num, name] of FIXED) add(num, name);
for (const { first, count, start, prefix, suffix = '' } of FAMILIES) {
  for (let k = 0; k < count; k++) add(first + k, `${prefix}${start + k}${suffix}`);
}

/** The number of a CSR by name (case-insensitive), or undefined. */
export function csrNumber(name: string): number | undefined {
  return numberOf.get(name.toLowerCase());
}

/** The name of a CSR number, or undefined for a number without a standard name. */
export function csrName(num: number): string | undefined {
  return nameOf.get(num);
}

/** Every known CSR as [number, name], in ascending number order. */
export function csrEntries(): Array<[number, string]> {
  return [...nameOf.entries()].sort((x, y) => x[0] - y[0]);
}
