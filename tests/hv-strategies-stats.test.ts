// forkwait 200 through the CLI with --stats-json under each strategy: what each costs in
// VM exits. Shadow traps the most (hidden faults refilling the shadow after every root
// switch, privileged instructions, stores to page tables), pv fewer (its page-table
// updates come in batches), nested the fewest (the hardware walks both stages).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, hvrr } from './support/hvrr-cli.js';

const KERNEL = 'packages/guests/images/kernel.elf';
let dir: string;

beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'hvrr-hv-strategies-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface VmJson {
  instructions: number;
  exits: { total: number; byReason: Record<string, number> };
  ptw: { total: number; trapped: number; observed: number; hypercall: number };
  hypercalls: { total: number; pteUpdates: number };
}

function forkwait(strategy: string, bootargs: string): { vm: VmJson; stdout: string } {
  const file = join(dir, `${strategy}.json`);
  const r = hvrr(['run', '--hv', KERNEL, '--strategy', strategy, '--bootargs', bootargs, '--stats-json', file], { timeout: 60_000 });
  expect(r.status, r.stderr).toBe(0);
  return { vm: JSON.parse(readFileSync(file, 'utf8')).vms[0] as VmJson, stdout: r.stdout };
}

describe('forkwait 200 --stats-json', () => {
  it('exits: shadow > pv > nested; shadow ptws are all traps; pv hypercalls carry several PTE updates', () => {
    const nested = forkwait('nested', 'init=forkwait -- 200');
    const shadow = forkwait('shadow', 'init=forkwait -- 200');
    const pv = forkwait('pv', 'init=forkwait pv=1 -- 200');
    expect(shadow.stdout).toBe(nested.stdout);
    expect(pv.stdout).toContain('forkwait: 200 forks');
    expect(shadow.vm.exits.total).toBeGreaterThan(pv.vm.exits.total);
    expect(pv.vm.exits.total).toBeGreaterThan(nested.vm.exits.total);
    expect(shadow.vm.ptw.trapped).toBe(shadow.vm.ptw.total);
    expect(shadow.vm.ptw.hypercall + shadow.vm.ptw.observed).toBe(0);
    expect(shadow.vm.hypercalls.total).toBe(0);
    const mmuUpdates = pv.vm.hypercalls;
    expect(mmuUpdates.total).toBeGreaterThan(0);
    expect(mmuUpdates.pteUpdates / mmuUpdates.total).toBeGreaterThan(3);
    expect(pv.vm.ptw.trapped).toBe(0);
    expect(nested.vm.hypercalls.total).toBe(0);
  });
});
