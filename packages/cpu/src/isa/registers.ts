/** ABI names of x0..x31 (unprivileged spec, "RISC-V calling convention"). */
export const ABI_NAMES: readonly string[] = [
  'zero', 'ra', 'sp', 'gp', 'tp', 't0', 't1', 't2',
  's0', 's1', 'a0', 'a1', 'a2', 'a3', 'a4', 'a5',
  'a6', 'a7', 's2', 's3', 's4', 's5', 's6', 's7',
  's8', 's9', 's10', 's11', 't3', 't4', 't5', 't6',
];

const byName = new Map<string, number>(ABI_NAMES.map((name, n) => [name, n]));
byName.set('fp', 8); // the frame pointer is another name of s0
for (let n = 0; n < 32; n++) byName.set(`x${n}`, n);

/** The ABI name of register n (0..31). */
export function registerName(n: number): string {
  const name = ABI_NAMES[n];
  if (name === undefined) throw new Error(`no register x${n}`);
  return name;
}

/** The number of a register written as an ABI name, `fp` or `xN`; undefined otherwise. */
export function registerNumber(name: string): number | undefined {
  return byName.get(name.toLowerCase());
}
