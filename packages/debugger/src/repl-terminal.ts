/**
 * The REPL at a terminal: node:readline with line editing and history (kept in a file
 * between sessions), a prompt that shows the position, Ctrl-C to stop a running
 * continue (or to clear the line), Ctrl-D to leave. Lines typed while a command runs
 * wait their turn.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { DebugEngine } from './engine.js';
import { QUIT, ReplSession } from './repl-session.js';
import type { SymbolTable } from './symbols.js';

export interface ReplOptions {
  input?: Readable;
  output?: Writable;
  /** A file of past commands, one a line, oldest first; undefined keeps history in memory only. */
  historyFile?: string;
  historySize?: number;
  /** The VM running at the current position, for `where` (hypervisor traces). */
  vm?: () => string | undefined;
  /** The recorded ELF's symbols, for addresses by name. */
  symbols?: SymbolTable;
  /** A first line to print (what was opened). */
  banner?: string;
}

export async function runRepl(engine: DebugEngine, options: ReplOptions = {}): Promise<void> {
  const input = options.input ?? process.stdin;
  const output = options.output ?? process.stdout;
  const historySize = options.historySize ?? 1000;
  const history = loadHistory(options.historyFile, historySize);
  const session = new ReplSession(engine, { vm: options.vm, symbols: options.symbols });
  const terminal = (output as { isTTY?: boolean }).isTTY === true && (input as { isTTY?: boolean }).isTTY === true;
  const rl = createInterface({ input, output, terminal, history, historySize, removeHistoryDuplicates: true, tabSize: 4 });
  const print = (text: string) => {
    if (text !== '') output.write(text.endsWith('\n') ? text : text + '\n');
  };
  const prompt = () => {
    rl.setPrompt(`(hvrr ${session.position()}) `);
    rl.prompt();
  };

  if (options.banner) print(options.banner);
  print('type help for commands, quit or Ctrl-D to leave');

  const onSigint = () => {
    if (session.isRunning) session.interrupt();
    else {
      // At the prompt Ctrl-C abandons the line being typed, as in a shell.
      output.write('^C\n');
      rl.write(null, { ctrl: true, name: 'u' });
      prompt();
    }
  };
  rl.on('SIGINT', onSigint);
  // Without a terminal readline does not see Ctrl-C; the signal arrives at the process.
  process.on('SIGINT', onSigint);

  let closed = false;
  const lines: string[] = [];
  let wake: (() => void) | null = null;
  rl.on('line', (line) => {
    lines.push(line);
    if (line.trim() !== '' && options.historyFile !== undefined) saveHistoryLine(options.historyFile, line);
    wake?.();
  });
  rl.on('close', () => {
    closed = true;
    wake?.();
  });

  prompt();
  try {
    for (;;) {
      while (lines.length === 0 && !closed) await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
      const line = lines.shift();
      if (line === undefined) {
        // Ctrl-D (or the end of piped input): leave as `quit` does.
        output.write('\n');
        break;
      }
      let result: string | typeof QUIT;
      try {
        result = await session.execute(line);
      } catch (e) {
        result = `error: ${(e as Error).message}`;
      }
      if (result === QUIT) break;
      print(result);
      if (!closed) prompt();
    }
  } finally {
    process.off('SIGINT', onSigint);
    rl.close();
  }
}

function loadHistory(file: string | undefined, size: number): string[] {
  if (file === undefined) return [];
  try {
    const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '');
    // readline wants the newest entry first.
    return lines.slice(-size).reverse();
  } catch {
    return [];
  }
}

function saveHistoryLine(file: string, line: string): void {
  try {
    appendFileSync(file, line.replace(/\n/g, ' ') + '\n');
  } catch {
    // A history file that cannot be written only costs the history.
  }
}
