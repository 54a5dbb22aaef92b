import { describe, expect, it } from 'vitest';
import { CliError } from './cli-error.js';
import { parseVmOption } from './vm-options.js';

const defaults = { memSize: 64 << 20, strategy: 'nested' };

describe('parseVmOption', () => {
  it('takes defaults for what it does not name', () => {
    expect(parseVmOption('image=k.elf', defaults)).toEqual({ imagePath: 'k.elf', memSize: 64 << 20, strategy: 'nested', bootargs: '' });
  });

  it('reads every key, with bootargs last taking the rest, commas and equals signs included', () => {
    expect(parseVmOption('image=a/k.elf,mem=32M,strategy=nested,bootargs=init=forkwait -- 3,x=y', defaults)).toEqual({
      imagePath: 'a/k.elf',
      memSize: 32 << 20,
      strategy: 'nested',
      bootargs: 'init=forkwait -- 3,x=y',
    });
  });

  it('allows keys in any order before bootargs', () => {
    expect(parseVmOption('mem=8M,image=k.elf', defaults).memSize).toBe(8 << 20);
  });

  it.each([
    ['mem=8M', /image=PATH is required/],
    ['image=k.elf,colour=red', /unknown key 'colour'/],
    ['image=', /image= needs a value/],
    ['image=k.elf,mem=3', /guest RAM must be/],
    ['image=k.elf,strategy=magic', /available strategies: nested/],
    ['k.elf', /key=value/],
  ])('rejects %s', (text, message) => {
    expect(() => parseVmOption(text, defaults)).toThrow(CliError);
    expect(() => parseVmOption(text, defaults)).toThrow(message);
  });
});
