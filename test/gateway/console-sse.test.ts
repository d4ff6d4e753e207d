import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CONSOLE_DIR } from '../../gateway/plugins/console.js';

/**
 * The console's Server-Sent Events parser (gateway/console/sse.js), which reads /graphql/stream from a fetch body in
 * the browser: frames cut anywhere by the network, every line ending, keep-alive comments, multi-line data, and the
 * `complete` event graphql-sse sends with an empty `data:`. The stream itself, end to end: test/browser/console.test.ts.
 */

interface SseEvent {
  event: string;
  data: string;
}
type Parser = (onEvent: (e: SseEvent) => void) => { push(chunk: string): void };
// Plain browser JavaScript without type declarations: imported by URL, so the compiler takes it as it is.
const { sseParser } = (await import(pathToFileURL(`${CONSOLE_DIR}sse.js`).href)) as { sseParser: Parser };

/** The events parsed from `chunks`, pushed one after another. */
function parse(...chunks: string[]): SseEvent[] {
  const events: SseEvent[] = [];
  const parser = sseParser((e) => events.push(e));
  for (const chunk of chunks) parser.push(chunk);
  return events;
}

const NEXT = 'event: next\ndata: {"data":{"journeyUpdated":{"id":"jrn-1","status":"RUNNING"}}}\n\n';
const COMPLETE = 'event: complete\ndata:\n\n';

describe("the console's event-stream parser", () => {
  it('reads graphql-sse frames: each next with its JSON, then complete with empty data', () => {
    expect(parse(NEXT + COMPLETE)).toEqual([
      { event: 'next', data: '{"data":{"journeyUpdated":{"id":"jrn-1","status":"RUNNING"}}}' },
      { event: 'complete', data: '' },
    ]);
  });

  it('gives the same events however the text was cut into chunks, even one character at a time', () => {
    const whole = parse(NEXT + NEXT + COMPLETE);
    expect(parse(...(NEXT + NEXT + COMPLETE))).toEqual(whole);
    for (let cut = 1; cut < NEXT.length; cut += 7) expect(parse(NEXT.slice(0, cut), NEXT.slice(cut) + COMPLETE)).toEqual(whole.slice(1));
  });

  it('takes LF, CRLF and CR line ends, a CRLF split between chunks included', () => {
    const crlf = NEXT.replace(/\n/g, '\r\n');
    const cr = NEXT.replace(/\n/g, '\r');
    const expected = parse(NEXT);
    expect(parse(crlf)).toEqual(expected);
    expect(parse(cr, 'event: x\r')).toEqual(expected);
    expect(parse('data: a\r', '\n\r', '\n')).toEqual([{ event: 'message', data: 'a' }]);
  });

  it('skips comments (keep-alives), joins data lines with LF, drops one leading space only, ignores unknown fields', () => {
    expect(parse(':\n\n: keep-alive\n\n', 'id: 7\nretry: 10\nevent: next\ndata:  two spaces\ndata:second\nfoo: bar\n\n')).toEqual([
      { event: 'next', data: ' two spaces\nsecond' },
    ]);
  });

  it('dispatches nothing for a frame without data, or one not yet ended by a blank line', () => {
    expect(parse('event: next\n\n')).toEqual([]);
    expect(parse('event: next\ndata: {}\n')).toEqual([]);
  });
});
