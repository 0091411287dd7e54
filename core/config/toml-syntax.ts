/**
 * smol-toml's syntax errors in plain words: where (line and column, and the line itself with a
 * caret), what is wrong and how it is usually fixed. "control characters are not allowed in strings"
 * at the end of a line is an unclosed string, and is said so.
 */

const PLAIN: Readonly<Record<string, string>> = {
  'unfinished string': 'the string is not closed: its closing quote is missing',
  'invalid value': 'a value is missing or is not valid TOML here (text needs quotes: key = "value")',
  'illegal character in key': 'this character cannot be part of a key or table name (use letters, digits, _ and -, put the name in quotes, or close the table header with ])',
  'unfinished table': 'the table header is not closed: write [name]',
  'expected end of table array declaration': 'the array-of-tables header is not closed: write [[name]]',
  'trying to redefine an already defined value': 'this key or table is already set above: each may be written once',
  'trying to redefine an already defined table or value': 'this key or table is already set above: each may be written once',
  'each key-value declaration must be followed by an end-of-line': 'unexpected text after the value: one key = value per line (is a quote or a comma missing?)',
  'incomplete key-value: cannot find end of key': 'a key needs = and a value after it',
  'unexpected end of key': 'a key needs = and a value after it',
  'unfinished array': 'the array is not closed with ]',
  'expected comma or end of structure': 'a list or inline table is not closed (] or }), or a comma is missing between its items',
  'illegal empty bare key': 'a key is missing before =',
  'illegal leading zero': 'a number cannot start with 0 (write 8443, not 08443)',
  'illegal underscore': 'an underscore in a number must sit between two digits',
  'unrecognised escape sequence': 'unknown escape after \\ in a "..." string (write \\\\ for a backslash, or use a \'...\' literal string)',
};

export interface TomlSyntaxProblem {
  readonly line: number;
  readonly column: number;
  /** One sentence, then the offending line and a caret under the column. */
  readonly message: string;
}

/** `line` and `column` are smol-toml's (1-based); `reason` its message without the prefix. */
export function describeTomlSyntaxError(text: string, line: number, column: number, reason: string): TomlSyntaxProblem {
  const source = text.split(/\r?\n/)[line - 1] ?? '';
  let plain = PLAIN[reason] ?? reason;
  // A newline inside a one-line string: the string was never closed on its line.
  if (reason === 'control characters are not allowed in strings' && column - 1 >= source.length) {
    const opening = Math.max(source.lastIndexOf('"'), source.lastIndexOf("'"));
    if (opening >= 0) column = opening + 1;
    plain = 'the string that starts here is not closed before the end of the line (add the closing quote; """ strings may span lines)';
  }
  const shown = source.length > 120 ? `${source.slice(0, 117)}...` : source;
  const caret = column - 1 <= shown.length ? `${' '.repeat(Math.max(0, column - 1))}^` : '';
  return {
    line,
    column,
    message: `TOML syntax error at line ${line}, column ${column}: ${plain}\n      ${shown}${caret ? `\n      ${caret}` : ''}`,
  };
}
