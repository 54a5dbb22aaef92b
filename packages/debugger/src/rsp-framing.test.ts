import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checksum, escapeBinary, framePacket, RspDecoder, unescapeBinary } from './rsp-framing.js';

describe('RSP framing', () => {
  it('frames with the modulo-256 checksum as two hex digits', () => {
    expect(framePacket('OK')).toBe('$OK#9a');
    expect(framePacket('')).toBe('$#00');
    expect(checksum('qSupported')).toBe(0x37);
  });

  it('decodes packets split across chunks, with acks and interrupts between them', () => {
    const d = new RspDecoder();
    expect(d.feed('+$qSup')).toEqual([{ kind: 'ack' }]);
    expect(d.feed('ported#3')).toEqual([]);
    expect(d.feed('7\x03-$g#67')).toEqual([{ kind: 'packet', data: 'qSupported' }, { kind: 'interrupt' }, { kind: 'nack' }, { kind: 'packet', data: 'g' }]);
  });

  it('reports a packet whose checksum is wrong', () => {
    expect(new RspDecoder().feed('$g#00')).toEqual([{ kind: 'bad-packet', data: 'g' }]);
  });

  it('round-trips any packet body through framing and decoding', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary-ascii' }).filter((s) => !s.includes('#') && !s.includes('$')), (body) => {
        expect(new RspDecoder().feed(Buffer.from(framePacket(body), 'latin1'))).toEqual([{ kind: 'packet', data: body }]);
      }),
    );
  });

  it('escapes binary data so that it never contains a frame character', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary-ascii' }), (data) => {
        const escaped = escapeBinary(data);
        expect(escaped).not.toMatch(/[#$*]/);
        expect(unescapeBinary(escaped)).toBe(data);
      }),
    );
  });
});
