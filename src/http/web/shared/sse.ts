/**
 * Reads a Server-Sent Events response (`event:` and `data:` lines, events separated by a blank line) from a
 * fetch body, calling `onEvent` for each as it arrives. EventSource cannot POST or send a Bearer token, so
 * the widget reads the stream itself.
 */
export async function readEvents(
  body: ReadableStream<Uint8Array>,
  onEvent: (type: string, data: unknown) => void,
): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const flush = (block: string) => {
    let type = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event:')) type = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
    if (!data.length) return;
    const text = data.join('\n');
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // keep the text
    }
    onEvent(type, parsed);
  };
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true }).replace(/\r\n/g, '\n');
    let at = buffer.indexOf('\n\n');
    while (at >= 0) {
      flush(buffer.slice(0, at));
      buffer = buffer.slice(at + 2);
      at = buffer.indexOf('\n\n');
    }
  }
  if (buffer.trim()) flush(buffer);
}
