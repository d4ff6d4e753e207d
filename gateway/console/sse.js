// Server-Sent Events frames, parsed from the text of a fetch body as it arrives (the console reads /graphql/stream
// with fetch, since EventSource cannot send an Authorization header). The event-stream rules of the HTML standard,
// the few that graphql-sse's frames need and no more: lines end in LF, CRLF or CR; a blank line dispatches the event;
// `event:` names it, `data:` lines are joined with LF; a line starting with a colon is a comment (a keep-alive);
// one space after the colon is not part of the value; `id:` and `retry:` mean nothing here (no reconnecting).

/**
 * A parser that calls `onEvent({ event, data })` for each complete event in the text pushed to it, however the text
 * was cut into chunks. An event without `event:` is a `message`, and one without any `data:` line is not dispatched.
 */
export function sseParser(onEvent) {
  let pending = ''; // text after the last line end seen
  let event = '';
  let data = '';
  let hasData = false;

  function line(text) {
    if (text === '') {
      if (hasData) onEvent({ event: event || 'message', data });
      event = '';
      data = '';
      hasData = false;
      return;
    }
    if (text.startsWith(':')) return;
    const colon = text.indexOf(':');
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') event = value;
    else if (field === 'data') {
      data = hasData ? `${data}\n${value}` : value;
      hasData = true;
    }
  }

  return {
    push(chunk) {
      pending += chunk;
      // A CR at the very end may be the first half of a CRLF: keep it until the next chunk says.
      const lines = pending.split(/\r\n|\r(?!$)|\n/);
      pending = lines.pop() ?? '';
      for (const text of lines) line(text);
    },
  };
}
