/** What configuration loading reports: one shape for errors and warnings, one error type. */

export interface ConfigIssue {
  /** Dotted key path, e.g. `transport.https.clientAuth` or `event_listener[1].order`; empty for
   *  problems of the file itself (unreadable, TOML syntax). */
  readonly key: string;
  readonly file: string;
  /** 1-based line of the key (or of its table when the key is missing); null when unknown. */
  readonly line: number | null;
  readonly message: string;
}

/** `deployment.toml:12: transport.https.clientAuth: unknown value ...` */
export function formatIssue(issue: ConfigIssue): string {
  const where = issue.line === null ? issue.file : `${issue.file}:${issue.line}`;
  return issue.key === '' ? `${where}: ${issue.message}` : `${where}: ${issue.key}: ${issue.message}`;
}

/**
 * Start-up stops on this; the message lists every error, one per line, then the warnings found on
 * the way (an unknown key is often the reason a required one is missing).
 */
export class ConfigError extends Error {
  readonly issues: ConfigIssue[];
  readonly warnings: ConfigIssue[];

  constructor(issues: ConfigIssue[], warnings: ConfigIssue[] = []) {
    const count = issues.length === 1 ? '1 error' : `${issues.length} errors`;
    const lines = [`invalid configuration (${count}):`, ...issues.map((i) => `  ${formatIssue(i)}`)];
    if (warnings.length > 0) lines.push('warnings:', ...warnings.map((w) => `  ${formatIssue(w)}`));
    super(lines.join('\n'));
    this.name = 'ConfigError';
    this.issues = issues;
    this.warnings = warnings;
  }
}
