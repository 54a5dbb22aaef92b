// A REPL session in a pseudo-terminal, as a person has it: script(1) from util-linux
// makes the terminal (no native modules); the test waits for the prompt before typing.
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { spawnSync } from 'node:child_process';

export const haveScript = spawnSync('script', ['--version']).status === 0;

/** The REPL's prompt: `(hvrr [vmN ]COUNT MODE PC) `. */
export const PROMPT = /\(hvrr (?:vm\d+ )?\d+ [A-Z]+ 0x[0-9a-f]{8}\) /;

/** What the REPL printed (escape sequences and CRs removed), and typing into it. */
export class Terminal {
  private text = '';
  private seen = 0;
  private waiter: (() => void) | null = null;
  readonly exited: Promise<number | null>;

  constructor(readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.on('data', (b: Buffer) => {
      this.text += b
        .toString('utf8')
        .replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '')
        .replace(/\r/g, '');
      this.waiter?.();
    });
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  }

  /** Waits for `pattern` in the output after what earlier waits consumed; returns the text up to and including it. */
  async expect(pattern: RegExp | string, timeoutMs = 20_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const rest = this.text.slice(this.seen);
      const m = typeof pattern === 'string' ? (rest.includes(pattern) ? { index: rest.indexOf(pattern), 0: pattern } : null) : pattern.exec(rest);
      if (m) {
        const end = m.index + m[0].length;
        this.seen += end;
        return rest.slice(0, end);
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${String(pattern)}; output so far:\n${rest}`);
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
        setTimeout(resolve, 200);
      });
    }
  }

  /** Lets output stop arriving, then treats all of it as seen. */
  async settle(ms = 300): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, ms));
    this.seen = this.text.length;
  }

  type(keys: string): void {
    this.child.stdin.write(keys);
  }

  /** Types a command and returns what it printed before the next prompt (the terminal's echo of the line included). */
  async run(command: string): Promise<string> {
    return (await this.runWithPrompt(command, true)).out;
  }

  /** Types a command; returns what it printed (without the echoed line unless `echo`) and the prompt after it. */
  async runWithPrompt(command: string, echo = false): Promise<{ out: string; prompt: string }> {
    this.type(command + '\r');
    const text = await this.expect(PROMPT);
    const prompt = PROMPT.exec(text)![0];
    const out = text.slice(0, text.length - prompt.length);
    return { out: !echo && out.startsWith(command + '\n') ? out.slice(command.length + 1) : out, prompt };
  }
}
