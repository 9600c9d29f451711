/**
 * Postgres v3 backend messages (the ones a query server sends after authentication), encoded by
 * hand because pg-gateway leaves query handling to us. Formats follow the protocol documentation.
 */
class Writer {
  private parts: Buffer[] = [];
  int16(n: number): this {
    const b = Buffer.alloc(2);
    b.writeInt16BE(n);
    this.parts.push(b);
    return this;
  }
  int32(n: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32BE(n);
    this.parts.push(b);
    return this;
  }
  cstring(s: string): this {
    this.parts.push(Buffer.from(s, 'utf8'), Buffer.from([0]));
    return this;
  }
  bytes(b: Uint8Array): this {
    this.parts.push(Buffer.from(b));
    return this;
  }
  message(code: string): Uint8Array {
    const body = Buffer.concat(this.parts);
    const head = Buffer.alloc(5);
    head.write(code, 0, 'ascii');
    head.writeInt32BE(body.length + 4, 1);
    return Buffer.concat([head, body]);
  }
}

export interface FieldDescription {
  name: string;
  typeOid: number;
  format: 0 | 1;
}

export const pg = {
  rowDescription(fields: FieldDescription[]): Uint8Array {
    const w = new Writer().int16(fields.length);
    for (const f of fields)
      w.cstring(f.name).int32(0).int16(0).int32(f.typeOid).int16(-1).int32(-1).int16(f.format);
    return w.message('T');
  },
  dataRow(values: (Uint8Array | null)[]): Uint8Array {
    const w = new Writer().int16(values.length);
    for (const v of values) {
      if (v === null) w.int32(-1);
      else w.int32(v.byteLength).bytes(v);
    }
    return w.message('D');
  },
  commandComplete(tag: string): Uint8Array {
    return new Writer().cstring(tag).message('C');
  },
  readyForQuery(status: 'I' | 'T' | 'E' = 'I'): Uint8Array {
    return new Writer().bytes(Buffer.from(status, 'ascii')).message('Z');
  },
  error(fields: {
    severity?: 'ERROR' | 'FATAL';
    code: string;
    message: string;
    detail?: string;
    hint?: string;
  }): Uint8Array {
    const w = new Writer();
    const severity = fields.severity ?? 'ERROR';
    const add = (k: string, v: string | undefined) => {
      if (v !== undefined) w.bytes(Buffer.from(k, 'ascii')).cstring(v);
    };
    add('S', severity);
    add('V', severity);
    add('C', fields.code);
    add('M', fields.message);
    add('D', fields.detail);
    add('H', fields.hint);
    return w.bytes(Buffer.from([0])).message('E');
  },
  parseComplete: (): Uint8Array => new Writer().message('1'),
  bindComplete: (): Uint8Array => new Writer().message('2'),
  closeComplete: (): Uint8Array => new Writer().message('3'),
  noData: (): Uint8Array => new Writer().message('n'),
  emptyQuery: (): Uint8Array => new Writer().message('I'),
  portalSuspended: (): Uint8Array => new Writer().message('s'),
  parameterDescription(oids: number[]): Uint8Array {
    const w = new Writer().int16(oids.length);
    for (const oid of oids) w.int32(oid);
    return w.message('t');
  },
  parameterStatus(name: string, value: string): Uint8Array {
    return new Writer().cstring(name).cstring(value).message('S');
  },
  backendKeyData(processId: number, secret: number): Uint8Array {
    return new Writer().int32(processId).int32(secret).message('K');
  },
};

/** Reads a frontend message body (after the 1-byte code and 4-byte length). */
export class Reader {
  private offset = 5;
  constructor(private readonly data: Uint8Array) {}
  get code(): string {
    return String.fromCharCode(this.data[0]!);
  }
  byte(): string {
    return String.fromCharCode(this.data[this.offset++]!);
  }
  int16(): number {
    const v = Buffer.from(this.data.buffer, this.data.byteOffset, this.data.byteLength).readInt16BE(
      this.offset,
    );
    this.offset += 2;
    return v;
  }
  int32(): number {
    const v = Buffer.from(this.data.buffer, this.data.byteOffset, this.data.byteLength).readInt32BE(
      this.offset,
    );
    this.offset += 4;
    return v;
  }
  cstring(): string {
    const end = this.data.indexOf(0, this.offset);
    const s = Buffer.from(this.data.subarray(this.offset, end)).toString('utf8');
    this.offset = end + 1;
    return s;
  }
  bytes(n: number): Uint8Array {
    const b = this.data.subarray(this.offset, this.offset + n);
    this.offset += n;
    return b;
  }
}
