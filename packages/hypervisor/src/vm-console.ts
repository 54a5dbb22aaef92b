import type { ConsoleIO } from '@hvrr/machine';

/**
 * One VM's console on the host console. With several VMs every output line starts with
 * `[vmN] ` so the VMs' output stays distinguishable; console input goes to vm0 only.
 */
export class VmConsole implements ConsoleIO {
  /** Whether the next byte starts a line (state: snapshots keep it). */
  atLineStart = true;
  private readonly prefix: number[];

  constructor(
    private readonly host: ConsoleIO,
    vmId: number,
    prefixed: boolean,
    private readonly getsInput: boolean,
  ) {
    this.prefix = prefixed ? Array.from(Buffer.from(`[vm${vmId}] `, 'latin1')) : [];
  }

  write(byte: number): void {
    if (this.atLineStart) for (const b of this.prefix) this.host.write(b);
    this.host.write(byte);
    this.atLineStart = (byte & 0xff) === 0x0a;
  }

  hasInput(): boolean {
    return this.getsInput && this.host.hasInput();
  }

  read(): number {
    return this.getsInput ? this.host.read() : -1;
  }
}
