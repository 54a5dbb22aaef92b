// State hashes of hypervisor runs cover what the hart does not hold: the saved vCPUs of
// VMs that are switched out, and the V bit. Otherwise a replay could differ in a VM that
// is off the hart and still match every hash until that VM ran again.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createHypervisorMachine } from '@hvrr/hypervisor';
import { BufferConsole } from '@hvrr/machine';
import { machineState, stateHash } from '@hvrr/recorder';

const kernel = readFileSync('packages/guests/images/kernel.elf');

function twoVms() {
  const { machine, hypervisor } = createHypervisorMachine({
    vms: [
      { image: kernel, imagePath: 'kernel.elf', bootargs: 'init=compute' },
      { image: kernel, imagePath: 'kernel.elf', bootargs: 'init=hello' },
    ],
    console: new BufferConsole(),
    quantum: 100_000,
  });
  machine.run(1_050_000);
  return { machine, hypervisor };
}

const hashOf = (m: ReturnType<typeof twoVms>['machine']) => stateHash(machineState(m), [0, 0]);

describe('state hashes of hypervisor runs', () => {
  it('are the same for the same run, and change when a switched-out vCPU changes', () => {
    const a = twoVms();
    const b = twoVms();
    expect(hashOf(a.machine)).toBe(hashOf(b.machine));
    expect(a.hypervisor.vms.filter((vm) => vm.running)).toHaveLength(1);
    const target = a.hypervisor.vms.find((vm) => !vm.running)!;
    const before = hashOf(a.machine);
    target.vcpu.x[9]! ^= 1;
    expect(hashOf(a.machine)).not.toBe(before);
    target.vcpu.x[9]! ^= 1;
    expect(hashOf(a.machine)).toBe(before);
  });

  it('cover the V bit', () => {
    const a = twoVms();
    const before = hashOf(a.machine);
    a.machine.hart.virt ^= 1;
    expect(hashOf(a.machine)).not.toBe(before);
  });
});
