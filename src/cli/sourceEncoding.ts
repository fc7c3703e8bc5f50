/**
 * Reading a source file for `critic fix` and writing the rewrite back byte-exact outside the
 * replaced span. A file is decoded with its own encoding — UTF-8 (with or without a BOM), or for
 * Python the PEP 263 declaration on line 1 or 2 (`# -*- coding: latin-1 -*-`) — and only when
 * decoding is reversible: encoding the decoded text must give back the very same bytes, so every
 * byte outside the rewritten unit (other lines, line endings, the BOM) is written unchanged. A file
 * that cannot be decoded that way is refused with one line, before anything runs.
 */

/** A file Critic cannot read or write back exactly; the message is one line for the user. */
export class SourceEncodingError extends Error {
  override name = 'SourceEncodingError';
}

export interface DecodedSource {
  /** The text, without the BOM. */
  text: string;
  /** `utf-8`, `latin-1`, or a single-byte codec name such as `windows-1252`. */
  encoding: string;
  bom: boolean;
  /** Single-byte codecs: the character of each byte value. */
  table?: readonly string[];
}

const utf8Bom = Buffer.from([0xef, 0xbb, 0xbf]);
const latin1Names = new Set(['latin-1', 'latin1', 'iso-8859-1', 'iso8859-1', 'iso_8859_1', 'l1', 'iso-latin-1', 'latin', 'cp819', '8859']);
const utf8Names = new Set(['utf-8', 'utf8', 'utf_8', 'u8', 'utf', 'cp65001', 'utf-8-sig', 'ascii', 'us-ascii', '646']);

/** The PEP 263 declaration of a Python file (lines 1–2), lower-cased, or undefined. */
export function declaredEncoding(bytes: Buffer): string | undefined {
  const head = bytes.subarray(0, 400).toString('latin1').split(/\r\n|\n|\r/).slice(0, 2);
  for (const line of head) {
    const m = /^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)/.exec(line);
    if (m) return m[1]!.toLowerCase();
    // The declaration may only follow a comment or blank line.
    if (!/^[ \t\f]*(?:#.*)?$/.test(line)) break;
  }
  return undefined;
}

/** The 256 characters of a single-byte codec, or undefined when it is not one (or unknown). */
function singleByteTable(name: string): string[] | undefined {
  if (latin1Names.has(name)) return Array.from({ length: 256 }, (_, i) => String.fromCharCode(i));
  let decoder: InstanceType<typeof TextDecoder>;
  try {
    decoder = new TextDecoder(name.replace(/_/g, '-'), { fatal: true });
  } catch {
    return undefined;
  }
  const table: string[] = [];
  for (let i = 0; i < 256; i++) {
    try {
      const c = decoder.decode(Uint8Array.of(i));
      if (c.length !== 1) return undefined;
      table.push(c);
    } catch {
      return undefined;
    }
  }
  return new Set(table).size === 256 ? table : undefined;
}

/** Decodes `bytes` of a file in `language`; throws SourceEncodingError (one line) when it cannot be written back exactly. */
export function decodeSource(bytes: Buffer, language: string, shown: string): DecodedSource {
  const bom = bytes.subarray(0, 3).equals(utf8Bom);
  const body = bom ? bytes.subarray(3) : bytes;
  const declared = language === 'python' ? declaredEncoding(body) : undefined;
  if (declared && !utf8Names.has(declared)) {
    const table = bom ? undefined : singleByteTable(declared);
    if (!table) throw new SourceEncodingError(`cannot fix ${shown}: it declares the encoding ${declared}, which Critic cannot write back byte for byte (UTF-8 and single-byte encodings such as latin-1 work); nothing written`);
    let text = '';
    for (const b of body) text += table[b]!;
    return { text, encoding: latin1Names.has(declared) ? 'latin-1' : declared, bom, table };
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(body);
  } catch {
    const hint = language === 'python' ? ' and declares no other encoding (PEP 263: # -*- coding: latin-1 -*-)' : '';
    throw new SourceEncodingError(`cannot fix ${shown}: it is not valid UTF-8${hint}; nothing written`);
  }
  return { text, encoding: 'utf-8', bom };
}

/** `decodeSource`, checked to be reversible: encoding the text gives back exactly `bytes`. */
export function decodeExactly(bytes: Buffer, language: string, shown: string): DecodedSource {
  const decoded = decodeSource(bytes, language, shown);
  if (!encodeSource(decoded.text, decoded, shown).equals(bytes)) {
    throw new SourceEncodingError(`cannot fix ${shown}: its bytes do not survive decoding as ${decoded.encoding} unchanged; nothing written`);
  }
  return decoded;
}

/** The bytes of `text` in the file's encoding; throws SourceEncodingError when a character has no byte there. */
export function encodeSource(text: string, source: DecodedSource, shown: string): Buffer {
  if (!source.table) {
    const body = Buffer.from(text, 'utf8');
    return source.bom ? Buffer.concat([utf8Bom, body]) : body;
  }
  const byChar = new Map(source.table.map((c, i) => [c, i]));
  const out = Buffer.alloc(text.length);
  for (let i = 0; i < text.length; i++) {
    const b = byChar.get(text[i]!);
    if (b === undefined) {
      throw new SourceEncodingError(`cannot write the rewrite to ${shown}: it contains ${JSON.stringify(text[i])} (U+${text.charCodeAt(i).toString(16).toUpperCase().padStart(4, '0')}), which ${source.encoding} cannot encode; nothing written`);
    }
    out[i] = b;
  }
  return out;
}
