/**
 * A TCP server speaking the GDB remote serial protocol for one gdb at a time, over a
 * TimeMachine. Bytes in are framed by RspDecoder and answered by GdbStub; a resume
 * (continue, reverse-continue, step) runs in slices so that gdb's interrupt (\x03) is
 * read while it runs. The session ends when gdb detaches, kills or disconnects.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { DebugEngine } from './engine.js';
import { GdbStub, type StubAction } from './gdb-stub.js';
import { framePacket, RspDecoder } from './rsp-framing.js';

export interface GdbServerOptions {
  host?: string;
  port: number;
  /** Lines for the operator (stderr): connections, refused writes, interrupts. */
  log?: (line: string) => void;
  /** Print every packet in and out (HVRR_DEBUG_RSP). */
  trace?: boolean;
  /** The VM running at the current position (hypervisor traces), for `monitor where`. */
  vm?: () => string | undefined;
}

export interface GdbServerHandle {
  readonly address: AddressInfo;
  /** Settles when the first gdb session ends (detach, kill or disconnect). */
  readonly sessionEnded: Promise<'detach' | 'kill' | 'disconnect'>;
  close(): Promise<void>;
}

export async function startGdbServer(engine: DebugEngine, options: GdbServerOptions): Promise<GdbServerHandle> {
  const log = options.log ?? (() => {});
  let endSession!: (how: 'detach' | 'kill' | 'disconnect') => void;
  const sessionEnded = new Promise<'detach' | 'kill' | 'disconnect'>((resolve) => (endSession = resolve));
  let busy = false;
  const server: Server = createServer((socket) => {
    if (busy) {
      log('refused a second gdb connection: one session at a time');
      socket.end();
      return;
    }
    busy = true;
    log(`gdb connected from ${socket.remoteAddress}:${socket.remotePort}`);
    serveSession(engine, socket, log, options.trace ?? false, options.vm).then((how) => {
      busy = false;
      log(`gdb session ended (${how})`);
      endSession(how);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    address: server.address() as AddressInfo,
    sessionEnded,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function serveSession(engine: DebugEngine, socket: Socket, log: (line: string) => void, trace: boolean, vm?: () => string | undefined): Promise<'detach' | 'kill' | 'disconnect'> {
  const stub = new GdbStub(engine, (line) => log(line), vm);
  const decoder = new RspDecoder();
  let noAck = false;
  let running = false;
  let interruptRequested = false;
  let lastSent = '';
  const queue: string[] = [];
  let finished: ((how: 'detach' | 'kill' | 'disconnect') => void) | null = null;
  const done = new Promise<'detach' | 'kill' | 'disconnect'>((resolve) => (finished = resolve));
  const finish = (how: 'detach' | 'kill' | 'disconnect') => {
    if (finished === null) return;
    const f = finished;
    finished = null;
    interruptRequested = true; // a run still going stops at its next slice
    f(how);
  };

  const send = (data: string) => {
    lastSent = framePacket(data);
    if (trace) log(`-> ${data.length > 200 ? data.slice(0, 200) + '...' : data}`);
    if (!socket.destroyed) socket.write(lastSent, 'latin1');
  };

  const act = async (action: StubAction): Promise<void> => {
    switch (action.kind) {
      case 'reply':
        send(action.data);
        if (action.noAckAfter) noAck = true;
        return;
      case 'run':
        running = true;
        interruptRequested = false;
        try {
          const reply = await stub.resume(action.direction, action.mode, () => interruptRequested, action.thread);
          if (reply.startsWith('T02')) log('interrupted by gdb');
          send(reply);
        } finally {
          running = false;
        }
        return;
      case 'detach':
        send('OK');
        socket.end();
        finish('detach');
        return;
      case 'kill':
        // gdb does not wait for a reply to `k`; the recording itself is not harmed.
        socket.end();
        finish('kill');
        return;
    }
  };

  // Packets are handled one at a time, in order; a resume holds the queue until it stops.
  const drain = async () => {
    while (queue.length > 0 && !running && finished !== null) {
      const packet = queue.shift()!;
      if (trace) log(`<- ${packet}`);
      try {
        await act(stub.handle(packet));
      } catch (e) {
        log(`error handling '${packet.slice(0, 40)}': ${(e as Error).message}`);
        send('E01');
      }
    }
  };

  socket.on('data', (chunk) => {
    for (const input of decoder.feed(chunk)) {
      switch (input.kind) {
        case 'interrupt':
          // Only a running resume can be interrupted; a late \x03 (the stop reply crossed it) is dropped.
          if (running) interruptRequested = true;
          break;
        case 'nack':
          if (!noAck && lastSent !== '') socket.write(lastSent, 'latin1');
          break;
        case 'ack':
          break;
        case 'bad-packet':
          if (!noAck) socket.write('-');
          break;
        case 'packet':
          if (!noAck) socket.write('+');
          queue.push(input.data);
          break;
      }
    }
    void drain();
  });
  socket.on('close', () => finish('disconnect'));
  socket.on('error', () => finish('disconnect'));
  return done;
}
