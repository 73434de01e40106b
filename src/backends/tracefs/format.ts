/**
 * Parsing of tracefs `events/<sys>/<event>/format` and `events/header_page`, and reading event fields
 * by name from a raw record without BigInt (64-bit fields become JS numbers: exact below 2^53, which
 * holds for user addresses, PFNs, sizes and nanosecond times).
 */

export interface EventField {
  name: string;
  /** The C declaration as written (e.g. "unsigned long address", "char comm[16]"). */
  decl: string;
  offset: number;
  size: number;
  signed: boolean;
}

export interface EventFormat {
  system: string;
  name: string;
  /** The event type id: the u16 common_type at offset 0 of every record. */
  id: number;
  fields: Map<string, EventField>;
}

const FIELD_RE = /^\s*field:\s*(.+?);\s*offset:\s*(\d+);\s*size:\s*(\d+);\s*(?:signed:\s*(\d+);)?/;

/** The field name of a C declaration: the last identifier, without array brackets. */
function declName(decl: string): string {
  const m = /([A-Za-z_][A-Za-z0-9_]*)\s*(?:\[[^\]]*\])?\s*$/.exec(decl);
  return m ? m[1]! : decl;
}

function parseFields(text: string, where: string): Map<string, EventField> {
  const fields = new Map<string, EventField>();
  for (const line of text.split('\n')) {
    const m = FIELD_RE.exec(line);
    if (!m) continue;
    const decl = m[1]!.trim();
    const name = declName(decl);
    const size = Number(m[3]);
    if (!Number.isInteger(size) || size <= 0) throw new Error(`${where}: field '${name}' has size ${m[3]}`);
    fields.set(name, { name, decl, offset: Number(m[2]), size, signed: m[4] === '1' });
  }
  return fields;
}

/** Parses an event's format file text; `where` names the file in errors. */
export function parseEventFormat(text: string, where: string): EventFormat {
  const name = /^name:\s*(\S+)/m.exec(text)?.[1];
  const id = /^ID:\s*(\d+)/m.exec(text)?.[1];
  if (!name || !id) throw new Error(`${where}: not an event format (no name:/ID: line)`);
  const system = where.split('/').slice(-3, -2)[0] ?? '';
  return { system, name, id: Number(id), fields: parseFields(text, where) };
}

/** Looks a field up by name; the Error names the event and lists its fields. */
export function eventField(fmt: EventFormat, name: string): EventField {
  const f = fmt.fields.get(name);
  if (!f)
    throw new Error(
      `event ${fmt.system}:${fmt.name} has no field '${name}' (has ${[...fmt.fields.keys()].join(', ')})`,
    );
  return f;
}

/** Reads an integer field of 1, 2, 4 or 8 bytes at `base + field.offset` (little endian). */
export function readField(buf: Buffer, base: number, f: EventField): number {
  const o = base + f.offset;
  switch (f.size) {
    case 1:
      return f.signed ? buf.readInt8(o) : buf.readUInt8(o);
    case 2:
      return f.signed ? buf.readInt16LE(o) : buf.readUInt16LE(o);
    case 4:
      return f.signed ? buf.readInt32LE(o) : buf.readUInt32LE(o);
    case 8:
      return (f.signed ? buf.readInt32LE(o + 4) : buf.readUInt32LE(o + 4)) * 4294967296 + buf.readUInt32LE(o);
    default:
      throw new Error(`field '${f.name}' has size ${f.size}: not an integer field`);
  }
}

/** Unsigned 64-bit little-endian as a number (exact below 2^53). */
export function readU64(buf: Buffer, o: number): number {
  return buf.readUInt32LE(o + 4) * 4294967296 + buf.readUInt32LE(o);
}

/** Layout of a ring-buffer sub-buffer header (events/header_page). */
export interface HeaderPage {
  timestampOffset: number;
  commitOffset: number;
  commitSize: number;
  dataOffset: number;
}

/** The layout of 64-bit kernels, used when events/header_page cannot be read. */
export const DEFAULT_HEADER_PAGE: HeaderPage = {
  timestampOffset: 0,
  commitOffset: 8,
  commitSize: 8,
  dataOffset: 16,
};

export function parseHeaderPage(text: string, where: string): HeaderPage {
  const f = parseFields(text, where);
  const ts = f.get('timestamp');
  const commit = f.get('commit');
  const data = f.get('data');
  if (!ts || !commit || !data) throw new Error(`${where}: missing timestamp/commit/data fields`);
  return {
    timestampOffset: ts.offset,
    commitOffset: commit.offset,
    commitSize: commit.size,
    dataOffset: data.offset,
  };
}
