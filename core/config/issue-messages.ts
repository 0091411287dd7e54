/**
 * Turns zod's validation issues into messages in TOML terms, quoting what the user wrote:
 * `expected boolean, got string "true"` rather than zod's `expected boolean, received string`.
 */
import type { z } from 'zod';
import { typeLabel } from './schema-introspection.ts';
import { describeTomlValue } from './toml-values.ts';

/**
 * `written` is the value at the issue's path in the parsed document (undefined when absent);
 * `key` the schema of that key, whose type the message names as the docs do ("integer 0–65535").
 */
export function issueMessage(issue: z.core.$ZodIssue, written: unknown, key: z.ZodType | null): string {
  switch (issue.code) {
    case 'invalid_type':
      if (written === undefined) return 'required key is missing';
      return `expected ${key ? typeLabel(key) : issue.expected}, got ${describeTomlValue(written)}`;
    case 'invalid_value': {
      const value = typeof written === 'string' ? JSON.stringify(written) : describeTomlValue(written);
      return `unknown value ${value}; allowed: ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    }
    case 'too_small':
      if (issue.origin === 'string') return 'must not be empty';
      if (issue.origin === 'array') return `needs at least ${issue.minimum} entries`;
      return `must be ${issue.inclusive ? 'at least' : 'more than'} ${issue.minimum}, got ${written}`;
    case 'too_big':
      if (issue.origin === 'array') return `takes at most ${issue.maximum} entries`;
      return `must be ${issue.inclusive ? 'at most' : 'less than'} ${issue.maximum}, got ${written}`;
    case 'invalid_format':
    case 'custom':
      // Single-key refinements are all on strings; cross-key checks land on a flag or a port whose
      // value alone explains nothing.
      return typeof written === 'string' ? `${issue.message}, got ${describeTomlValue(written)}` : issue.message;
    default:
      return issue.message;
  }
}
