// The kernel's default init (a tour of every built-in program: hello, malloc, forkwait
// 100, memtouch 1024, timer, compute, fault; ~70 million instructions) under the three
// strategies: guest-visible events identical under shadow and nested; console output,
// system calls and results identical under pv (clock readings aside: pvObservable()).
import { describe, expect, it } from 'vitest';
import { pvObservable, runStrategy } from './support/hv-strategy-runs.js';

describe('init (the tour of every program) under nested, shadow and pv', () => {
  it('shadow: the same guest-visible events as nested; pv: the same system calls and results', () => {
    const nested = runStrategy('nested', 'init=init');
    const shadow = runStrategy('shadow', 'init=init');
    expect(nested.outcome?.kind).toBe('pass');
    expect(nested.output).toContain('init: tour done, 7 of 7 programs exited with status 0');
    expect(shadow.output).toBe(nested.output);
    expect(shadow.stats.instructions).toBe(nested.stats.instructions);
    expect(shadow.visible).toEqual(nested.visible);
    expect(shadow.stats.ptw).toEqual({ ...nested.stats.ptw, total: nested.stats.ptw.total, trapped: nested.stats.ptw.total });
    const pv = runStrategy('pv', 'init=init pv=1');
    expect(pv.outcome?.kind).toBe('pass');
    expect(pvObservable(pv)).toEqual(pvObservable(nested));
    expect(pv.syscalls.length).toBe(427);
    expect(pv.stats.ptw.hypercall).toBe(nested.stats.ptw.total);
  }, 60_000);
});
