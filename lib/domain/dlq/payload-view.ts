// How the console shows stored bytes: JSON pretty-printed, other UTF-8 as text,
// anything else as hex. Always returned as a string for a text node (React escapes
// it); nothing here is ever rendered as HTML. Pure.
export type BytesView = { kind: 'json' | 'text' | 'hex' | 'empty'; text: string; bytes: number; truncated: boolean };

const MAX_SHOWN = 256 * 1024;
const utf8 = new TextDecoder('utf-8', { fatal: true });

export function viewBytes(bytes: Uint8Array | null | undefined): BytesView {
  if (!bytes || bytes.byteLength === 0) return { kind: 'empty', text: '', bytes: 0, truncated: false };
  const shown = bytes.subarray(0, MAX_SHOWN);
  const truncated = bytes.byteLength > MAX_SHOWN;
  let text: string | null = null;
  try {
    text = utf8.decode(shown);
  } catch {
    text = null;
  }
  // Control characters other than tab/newline/CR make "text" unreadable: show hex.
  if (text === null || /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.test(text)) {
    return { kind: 'hex', text: hexDump(shown), bytes: bytes.byteLength, truncated };
  }
  if (!truncated) {
    try {
      return { kind: 'json', text: JSON.stringify(JSON.parse(text), null, 2), bytes: bytes.byteLength, truncated };
    } catch {
      /* not JSON: text */
    }
  }
  return { kind: 'text', text, bytes: bytes.byteLength, truncated };
}

function hexDump(bytes: Uint8Array): string {
  const lines: string[] = [];
  for (let i = 0; i < bytes.byteLength; i += 16) {
    const row = Array.from(bytes.subarray(i, i + 16), (b) => b.toString(16).padStart(2, '0')).join(' ');
    lines.push(`${i.toString(16).padStart(8, '0')}  ${row}`);
  }
  return lines.join('\n');
}

/** A stored header as text when it is printable UTF-8, else hex. */
export function headerText(valueBase64: string): { text: string; hex: boolean } {
  const view = viewBytes(Buffer.from(valueBase64, 'base64'));
  return view.kind === 'hex' ? { text: view.text.replace(/^0+ {2}/gm, ''), hex: true } : { text: view.text, hex: false };
}
