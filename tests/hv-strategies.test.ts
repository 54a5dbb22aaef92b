// One guest kernel image under nested, shadow and pv. Under shadow and nested (virtual
// time) the guest-visible event streams are identical instruction for instruction; pv
// runs other kernel code (hypercalls instead of page-table stores), so it is compared on
// what the guest's processes observe: console output, and their system calls and results
// (clock readings aside: guest time follows the instruction count; pvObservable()).
import { describe, expect, it } from 'vitest';
import { pvObservable, runStrategy, type StrategyRun } from './support/hv-strategy-runs.js';

const PROGRAMS = ['init=hello', 'init=fault', 'init=forkwait -- 20', 'init=malloc', 'init=memtouch -- 256', 'init=timer'];

const runs = new Map<string, StrategyRun>();
function run(strategy: 'nested' | 'shadow' | 'pv', bootargs: string): StrategyRun {
  const key = `${strategy} ${bootargs}`;
  let r = runs.get(key);
  if (r === undefined) {
    r = runStrategy(strategy, strategy === 'pv' ? `${bootargs.replace(' --', ' pv=1 --')}${bootargs.includes(' --') ? '' : ' pv=1'}` : bootargs);
    runs.set(key, r);
  }
  return r;
}

describe('shadow against nested: guest-visible events identical', () => {
  it.each(PROGRAMS)('%s', (bootargs) => {
    const nested = run('nested', bootargs);
    const shadow = run('shadow', bootargs);
    expect(nested.outcome?.kind).toBe('pass');
    expect(shadow.outcome?.kind).toBe('pass');
    expect(shadow.output).toBe(nested.output);
    expect(shadow.stats.instructions).toBe(nested.stats.instructions);
    expect(shadow.visible.length).toBeGreaterThan(10);
    expect(shadow.visible).toEqual(nested.visible);
    // Shadow sees every ptw by a trapped store; hidden faults never reach the guest.
    expect(shadow.stats.ptw.trapped).toBe(shadow.stats.ptw.total);
    expect(shadow.stats.ptw.total).toBe(nested.stats.ptw.total);
    expect(shadow.events.some((e) => e.type === 'exit' && e.resolution === 'shadow-fill')).toBe(true);
  });
});

describe('pv against nested: same console output, system calls and results', () => {
  it.each(PROGRAMS)('%s', (bootargs) => {
    const nested = run('nested', bootargs);
    const pv = run('pv', bootargs);
    expect(pv.outcome?.kind).toBe('pass');
    expect(pv.output).toMatch(/page tables: PV MMU hypercalls/);
    expect(pv.syscalls.length).toBeGreaterThan(0);
    expect(pvObservable(pv)).toEqual(pvObservable(nested));
    expect(pv.stats.hypercalls.total).toBeGreaterThan(0);
    expect(pv.stats.ptw.trapped).toBe(0);
  });
});
