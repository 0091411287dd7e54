/**
 * Runs a guide of docs/guides as a reader would: the markdown is the script, so a guide whose
 * commands stop working fails its test, and a test cannot drift from its guide.
 *
 * - A ```sh block runs in bash (`set -eo pipefail`), in the folder the previous block ended in, with
 *   the variables earlier blocks assigned (`NAME=...` / `export NAME=...` at the start of a line).
 * - A block that is one long-running command — `npx tessera start ...` or `npm run playground ...` —
 *   starts in the background and counts as done when it logs its ready line; running the same
 *   command again (the guide's "stop it and start it again") stops the earlier process first.
 * - A ```toml block whose info string names a file (```toml playground.toml) is added to that file;
 *   with no name it is added to deployment.toml (the guides say "add to deployment.toml").
 * - `<!-- e2e: NAME -->` (invisible in the rendered page) calls the test's check NAME at that point:
 *   browser steps, and assertions on what the blocks printed. A check the guide does not mention,
 *   or a mention without a check, fails the run.
 * - Other fences (json, text, ...) are output and illustrations: not run; a check can read the last
 *   one (`ctx.shown`), e.g. the address the guide says to open in a browser.
 *
 * Substitutions (literal text → value: ports, an authorization code copied from a browser) apply to
 * every block; one that matches nothing fails the run, so a renamed sample value cannot silently
 * leave the test testing nothing.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export type GuideStep =
  | { kind: 'sh'; line: number; text: string }
  | { kind: 'file'; line: number; text: string; file: string }
  | { kind: 'check'; line: number; name: string }
  | { kind: 'shown'; line: number; text: string; lang: string };

const FENCE = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)\s*([^`]*?)\s*$/;
const CHECK = /^\s*<!--\s*e2e:\s*([\w-]+)\s*-->\s*$/;

/** The runnable steps of a guide, in order. */
export function parseGuide(markdown: string): GuideStep[] {
  const lines = markdown.split('\n');
  const steps: GuideStep[] = [];
  for (let i = 0; i < lines.length; i++) {
    const check = CHECK.exec(lines[i]);
    if (check) {
      steps.push({ kind: 'check', line: i + 1, name: check[1] });
      continue;
    }
    const open = FENCE.exec(lines[i]);
    if (!open) continue;
    const [, indent, fence, lang, info] = open;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const close = new RegExp(`^\\s*${fence[0]}{${fence.length},}\\s*$`).exec(lines[j]);
      if (close) break;
      body.push(lines[j].startsWith(indent) ? lines[j].slice(indent.length) : lines[j].trimStart());
    }
    if (j === lines.length) throw new Error(`line ${i + 1}: unclosed code fence`);
    const text = `${body.join('\n')}\n`;
    if (lang === 'sh') steps.push({ kind: 'sh', line: i + 1, text });
    else if (lang === 'toml') steps.push({ kind: 'file', line: i + 1, text, file: info.split(/\s+/)[0] || 'deployment.toml' });
    else steps.push({ kind: 'shown', line: i + 1, text, lang });
    i = j;
  }
  return steps;
}

export interface BlockResult {
  line: number;
  text: string;
  stdout: string;
  stderr: string;
}

export interface BackgroundProcess {
  command: string;
  child: ChildProcess;
  /** stdout and stderr lines so far. */
  output: string[];
  /** The first capture group of the ready pattern (e.g. the URL). */
  ready: string;
}

interface BackgroundKind {
  command: RegExp;
  ready: RegExp;
}

/** Long-running commands of the guides, and the line each logs when it is ready. */
const BACKGROUND: BackgroundKind[] = [
  { command: /^npx tessera start\b/, ready: /Tessera ready: https (https:\/\/\S+?);/ },
  { command: /^npm run playground\b(?!.*--help)/, ready: /Playground ready: (http\S+)/ },
];

export interface GuideContext {
  /** The folder the guide started in. */
  readonly root: string;
  /** Where the last block ended (after its `cd`). */
  readonly cwd: string;
  /** The sh blocks run so far. */
  readonly results: BlockResult[];
  /** The last sh block. */
  readonly last: BlockResult;
  readonly background: Map<string, BackgroundProcess>;
  /** The last block shown but not run (text, json, ...), substitutions applied. */
  readonly shown: string;
  /** A shell variable as the guide's blocks left it. */
  variable(name: string): string;
  /** Replaces `from` with `to` in the blocks still to come. */
  substitute(from: string, to: string): void;
  /** The output of the background process whose command starts with `prefix`. */
  logsOf(prefix: string): string[];
}

export interface GuideOptions {
  root: string;
  substitutions?: Record<string, string>;
  checks?: Record<string, (ctx: GuideContext) => Promise<void> | void>;
  /** Rewrites a file block before it is written (e.g. sets the ephemeral port). */
  fileFilter?: (file: string, text: string) => string;
  /** Extra environment for every block; PATH entries are prepended. */
  env?: Record<string, string>;
  blockTimeoutMs?: number;
}

export interface GuideRun extends GuideContext {
  /** Stops the background processes (SIGTERM to their process groups, then SIGKILL). */
  stop(): Promise<void>;
}

const STATE_DIR = '.guide-run';

/**
 * Every background process any run started and that still runs: a test that times out never gets
 * its GuideRun back, so its afterAll stops them through `stopGuideProcesses()`.
 */
const live = new Set<ChildProcess>();

export async function stopGuideProcesses(): Promise<void> {
  await Promise.all([...live].map((child) => stopProcess(child)));
}

// Last resort when the test process itself ends: no server outlives it.
process.once('exit', () => {
  for (const child of live) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
});

export async function runGuide(guideFile: string, options: GuideOptions): Promise<GuideRun> {
  const steps = parseGuide(readFileSync(guideFile, 'utf8'));
  const root = resolve(options.root);
  const stateDir = join(root, STATE_DIR);
  mkdirSync(stateDir, { recursive: true });
  const stateFile = join(stateDir, 'variables.sh');
  writeFileSync(stateFile, '');
  const substitutions = new Map(Object.entries(options.substitutions ?? {}));
  const used = new Set<string>();
  const checks = options.checks ?? {};
  const mentioned = steps.flatMap((s) => (s.kind === 'check' ? [s.name] : []));
  const unknown = mentioned.filter((name) => !checks[name]);
  const unmentioned = Object.keys(checks).filter((name) => !mentioned.includes(name));
  if (unknown.length || unmentioned.length) {
    throw new Error(`${guideFile}: checks out of sync — in the guide but not the test: [${unknown.join(', ')}]; in the test but not the guide: [${unmentioned.join(', ')}]`);
  }

  const env = blockEnvironment(options.env);
  const results: BlockResult[] = [];
  const background = new Map<string, BackgroundProcess>();
  const written = new Set<string>();
  let cwd = root;
  let shown = '';

  const substitute = (text: string) => {
    let out = text;
    for (const [from, to] of substitutions) {
      if (out.includes(from)) {
        used.add(from);
        out = out.split(from).join(to);
      }
    }
    return out;
  };

  const ctx: GuideRun = {
    root,
    get cwd() {
      return cwd;
    },
    results,
    get last() {
      const last = results.at(-1);
      if (!last) throw new Error('no block has run yet');
      return last;
    },
    background,
    get shown() {
      return shown;
    },
    variable(name) {
      const out = spawnSync('bash', ['-c', `source "${stateFile}"; printf '%s' "\${${name}-}"`], { encoding: 'utf8', env });
      return out.stdout;
    },
    substitute(from, to) {
      substitutions.set(from, to);
    },
    logsOf(prefix) {
      const proc = [...background.values()].find((p) => p.command.startsWith(prefix));
      if (!proc) throw new Error(`no background process "${prefix}"`);
      return proc.output;
    },
    async stop() {
      await Promise.all([...background.values()].map((p) => stopProcess(p.child)));
      background.clear();
    },
  };

  try {
    for (const step of steps) {
      const where = `${guideFile}:${step.line}`;
      const started = Date.now();
      if (process.env.GUIDE_TRACE) process.stderr.write(`[guide] ${where} ${step.kind}${'name' in step ? ` ${step.name}` : ''}\n`);
      if (step.kind === 'check') {
        await checks[step.name](ctx);
        continue;
      }
      if (step.kind === 'shown') {
        shown = substitute(step.text);
        continue;
      }
      if (step.kind === 'file') {
        const target = resolve(cwd, step.file);
        let text = substitute(step.text);
        if (options.fileFilter) text = options.fileFilter(step.file, text);
        if (written.has(target) && existsSync(target)) appendFileSync(target, `\n${text}`);
        else writeFileSync(target, text);
        written.add(target);
        continue;
      }
      const text = substitute(step.text);
      const command = text.trim().replace(/\\\n\s*/g, ' ');
      const kind = BACKGROUND.find((k) => k.command.test(command));
      if (kind) {
        if (command.includes('\n')) throw new Error(`${where}: a long-running command must be alone in its block`);
        const key = command;
        const earlier = background.get(key);
        if (earlier) {
          await stopProcess(earlier.child);
          background.delete(key);
        }
        background.set(key, await startBackground(command, kind, cwd, stateFile, env, where));
        results.push({ line: step.line, text, stdout: '', stderr: '' });
        continue;
      }
      const result = runBlock(text, cwd, stateFile, stateDir, env, options.blockTimeoutMs ?? 60_000, where);
      cwd = result.cwd;
      results.push({ line: step.line, text, stdout: result.stdout, stderr: result.stderr });
      if (process.env.GUIDE_TRACE) process.stderr.write(`[guide] ${where} took ${Date.now() - started} ms\n`);
    }
    const unused = [...substitutions.keys()].filter((from) => !used.has(from));
    if (unused.length) throw new Error(`${guideFile}: substitutions that match nothing in the guide (stale test or guide): ${unused.map((u) => JSON.stringify(u)).join(', ')}`);
  } catch (err) {
    await ctx.stop();
    throw err;
  }
  return ctx;
}

/** The variables a block assigns at the start of a line (`NAME=`, `export NAME=`). */
function assignedVariables(text: string): string[] {
  return [...new Set([...text.matchAll(/^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=/gm)].map((m) => m[1]))];
}

function runBlock(text: string, cwd: string, stateFile: string, stateDir: string, env: NodeJS.ProcessEnv, timeout: number, where: string) {
  const cwdFile = join(stateDir, 'cwd');
  const names = assignedVariables(text);
  const script = [
    'set -eo pipefail',
    `cd "${cwd}"`,
    `source "${stateFile}"`,
    text,
    `pwd > "${cwdFile}"`,
    ...names.map((name) => `declare -p ${name} >> "${stateFile}" 2>/dev/null || true`),
  ].join('\n');
  const out = spawnSync('bash', ['-c', script], { encoding: 'utf8', env, timeout, maxBuffer: 16 * 1024 * 1024 });
  if (out.error || out.status !== 0) {
    throw new Error(`${where}: block failed (${out.error?.message ?? `exit ${out.status}`})\n--- block ---\n${text}--- stdout ---\n${out.stdout}\n--- stderr ---\n${out.stderr}`);
  }
  return { stdout: out.stdout, stderr: out.stderr, cwd: readFileSync(cwdFile, 'utf8').trim() };
}

async function startBackground(command: string, kind: BackgroundKind, cwd: string, stateFile: string, env: NodeJS.ProcessEnv, where: string): Promise<BackgroundProcess> {
  // exec: the process group's leader is the command itself, so SIGTERM reaches it (and its children).
  const child = spawn('bash', ['-c', `cd "${cwd}" && source "${stateFile}" && exec ${command}`], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  child.once('exit', () => live.delete(child));
  const output: string[] = [];
  return new Promise<BackgroundProcess>((resolveReady, reject) => {
    const timer = setTimeout(() => fail(new Error(`not ready within 90 s`)), 90_000);
    const fail = (err: Error) => {
      clearTimeout(timer);
      void stopProcess(child);
      reject(new Error(`${where}: ${command}: ${err.message}\n${output.join('\n')}`));
    };
    const onLine = (line: string) => {
      output.push(line);
      const ready = kind.ready.exec(line);
      if (ready) {
        clearTimeout(timer);
        resolveReady({ command, child, output, ready: ready[1] });
      }
    };
    for (const stream of [child.stdout!, child.stderr!]) {
      let buffered = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        buffered += chunk;
        const lines = buffered.split('\n');
        buffered = lines.pop()!;
        lines.forEach(onLine);
      });
    }
    child.once('exit', (code, signal) => fail(new Error(`exited (${code ?? signal}) before it was ready`)));
  });
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }, 5000);
  await exited;
  clearTimeout(timer);
}

/** The reader's environment, without what the test runner set for itself. */
function blockEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^(VITEST|NODE_OPTIONS$|NODE_ENV$|TEST$|CURL_CA_BUNDLE$|SSL_CERT_FILE$|INIT_CWD$|npm_)/.test(name)) continue;
    env[name] = value;
  }
  for (const [name, value] of Object.entries(extra)) {
    env[name] = name === 'PATH' ? `${value}:${env.PATH ?? ''}` : value;
  }
  env.NO_COLOR = '1';
  return env;
}
