/**
 * Maps each key path of a TOML document to the 1-based line where it is written, so configuration
 * messages can say `deployment.toml:12`. smol-toml parses; this only locates, and runs on text
 * smol-toml already accepted. It still never throws and always advances, whatever the input.
 *
 * Tracks `[table]` and `[[array.of.tables]]` headers (counting entries per array, nested arrays
 * included), bare, quoted and dotted keys, inline tables and arrays (elements get `key[i]`), and skips
 * over every string form so a `[` or `=` inside one is never taken for syntax.
 */

/** One step of a key path: a table key, or an array index. */
export type KeySegment = string | number;

/** `transport.https.clientAuth`, `event_listener[1].order`, `oauth.grant_type."urn:x:y".enable`. */
export function formatKeyPath(path: readonly KeySegment[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else {
      const key = /^[A-Za-z0-9_-]+$/.test(segment) ? segment : JSON.stringify(segment);
      out += out === '' ? key : `.${key}`;
    }
  }
  return out;
}

export interface TomlLocations {
  /** The line of `path`, else of its nearest located ancestor (a missing key points at its table). */
  lineOf(path: readonly KeySegment[]): number | null;
}

export function locateKeys(text: string): TomlLocations {
  const lines = new Scanner(text).scan();
  return {
    lineOf(path) {
      for (let n = path.length; n > 0; n--) {
        const line = lines.get(formatKeyPath(path.slice(0, n)));
        if (line !== undefined) return line;
      }
      return null;
    },
  };
}

const ESCAPES: Readonly<Record<string, string>> = { b: '\b', t: '\t', n: '\n', f: '\f', r: '\r', e: '\x1b', '"': '"', '\\': '\\' };

class Scanner {
  private pos = 0;
  private line = 1;
  private readonly lines = new Map<string, number>();
  /** Entries seen so far per array of tables, keyed by its formatted (index-resolved) path. */
  private readonly arrayLengths = new Map<string, number>();

  constructor(private readonly s: string) {}

  scan(): Map<string, number> {
    let table: KeySegment[] = [];
    while (this.skipBlank(true)) {
      const start = this.pos;
      const line = this.line;
      if (this.s.startsWith('[[', this.pos)) {
        this.pos += 2;
        table = this.openArrayEntry(this.readKey());
        this.record(table, line);
      } else if (this.peek() === '[') {
        this.pos += 1;
        table = this.resolveThroughArrays(this.readKey());
        this.record(table, line);
      } else {
        const key = [...table, ...this.readKey()];
        this.skipSpace();
        if (this.peek() === '=') {
          this.advance();
          this.record(key, line);
          this.readValue(key);
        }
      }
      this.skipToLineEnd();
      if (this.pos === start) this.advance();
    }
    return this.lines;
  }

  /** `[a.b]` inside `[[a]]` entries means the last entry: insert the current index after each array. */
  private resolveThroughArrays(segments: string[]): KeySegment[] {
    const out: KeySegment[] = [];
    for (const segment of segments) {
      out.push(segment);
      const length = this.arrayLengths.get(formatKeyPath(out));
      if (length !== undefined) out.push(length - 1);
    }
    return out;
  }

  private openArrayEntry(segments: string[]): KeySegment[] {
    if (segments.length === 0) return [];
    const parent = this.resolveThroughArrays(segments.slice(0, -1));
    const array = [...parent, segments[segments.length - 1]];
    const key = formatKeyPath(array);
    const index = this.arrayLengths.get(key) ?? 0;
    this.arrayLengths.set(key, index + 1);
    return [...array, index];
  }

  /** First mention wins; ancestors of a dotted key point at the line that created them. */
  private record(path: readonly KeySegment[], line: number): void {
    for (let n = 1; n <= path.length; n++) {
      const key = formatKeyPath(path.slice(0, n));
      if (!this.lines.has(key)) this.lines.set(key, line);
    }
  }

  /** A possibly dotted key; stops before `=`, `]` or the end of the line. */
  private readKey(): string[] {
    const segments: string[] = [];
    for (;;) {
      this.skipSpace();
      const c = this.peek();
      if (c === '"') segments.push(this.readBasicString());
      else if (c === "'") segments.push(this.readLiteralString());
      else {
        const start = this.pos;
        while (!this.eof() && !' \t=.[]#"\'\r\n,{}'.includes(this.peek())) this.advance();
        if (this.pos === start) break;
        segments.push(this.s.slice(start, this.pos));
      }
      this.skipSpace();
      if (this.peek() !== '.') break;
      this.advance();
    }
    this.skipSpace();
    while (this.peek() === ']') this.advance();
    return segments;
  }

  private readValue(path: KeySegment[]): void {
    this.skipSpace();
    const c = this.peek();
    if (this.s.startsWith('"""', this.pos)) this.skipMultiline('"""', true);
    else if (this.s.startsWith("'''", this.pos)) this.skipMultiline("'''", false);
    else if (c === '"') this.readBasicString();
    else if (c === "'") this.readLiteralString();
    else if (c === '{') this.readInlineTable(path);
    else if (c === '[') this.readArray(path);
    else while (!this.eof() && !',]}#\r\n'.includes(this.peek())) this.advance();
  }

  private readInlineTable(path: KeySegment[]): void {
    this.advance();
    while (this.skipBlank(true) && this.peek() !== '}') {
      const start = this.pos;
      const line = this.line;
      const key = [...path, ...this.readKey()];
      if (this.peek() === '=') {
        this.advance();
        this.record(key, line);
        this.readValue(key);
      }
      this.skipBlank(true);
      if (this.peek() === ',') this.advance();
      if (this.pos === start) this.advance();
    }
    this.advance();
  }

  private readArray(path: KeySegment[]): void {
    this.advance();
    for (let index = 0; this.skipBlank(true) && this.peek() !== ']'; index++) {
      const start = this.pos;
      this.record([...path, index], this.line);
      this.readValue([...path, index]);
      this.skipBlank(true);
      if (this.peek() === ',') this.advance();
      if (this.pos === start) this.advance();
    }
    this.advance();
  }

  private readBasicString(): string {
    this.advance();
    let out = '';
    while (!this.eof() && this.peek() !== '"' && this.peek() !== '\n') {
      const c = this.advance();
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = this.advance();
      const width = e === 'u' ? 4 : e === 'U' ? 8 : e === 'x' ? 2 : 0;
      if (width > 0) {
        const code = Number.parseInt(this.s.slice(this.pos, this.pos + width), 16);
        this.pos += width;
        out += Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : '';
      } else {
        out += ESCAPES[e] ?? e;
      }
    }
    this.advance();
    return out;
  }

  private readLiteralString(): string {
    this.advance();
    const start = this.pos;
    while (!this.eof() && this.peek() !== "'" && this.peek() !== '\n') this.advance();
    const out = this.s.slice(start, this.pos);
    this.advance();
    return out;
  }

  private skipMultiline(quote: string, escapes: boolean): void {
    this.pos += 3;
    while (!this.eof() && !this.s.startsWith(quote, this.pos)) {
      if (escapes && this.peek() === '\\') this.advance();
      this.advance();
    }
    this.pos += 3;
    // Up to two quotes may close the content right before the delimiter (`""""` ends in a quote).
    while (this.peek() === quote[0]) this.advance();
  }

  /** Skips spaces, comments and (when `newlines`) line breaks; false at the end of the text. */
  private skipBlank(newlines: boolean): boolean {
    for (;;) {
      this.skipSpace();
      const c = this.peek();
      if (c === '#') this.skipToLineEnd();
      else if (newlines && (c === '\n' || c === '\r')) this.advance();
      else return !this.eof();
    }
  }

  private skipSpace(): void {
    while (this.peek() === ' ' || this.peek() === '\t') this.advance();
  }

  private skipToLineEnd(): void {
    while (!this.eof() && this.peek() !== '\n') this.advance();
  }

  private peek(): string {
    return this.s[this.pos] ?? '';
  }

  private eof(): boolean {
    return this.pos >= this.s.length;
  }

  private advance(): string {
    const c = this.s[this.pos] ?? '';
    if (c === '\n') this.line++;
    this.pos++;
    return c;
  }
}
