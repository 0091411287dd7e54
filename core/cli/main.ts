/**
 * `tessera <command>`: start, plugins, certs. Exit codes: 0 ok, 1 runtime failure, 2 usage or
 * configuration error. Each command is imported when it runs: `tessera certs` need not load (and
 * transpile) the whole server.
 */

import { TESSERA_VERSION } from '../runtime/version.ts';

const COMMANDS = {
  start: { options: '[--config FILE]', what: 'start the server (default config: ./deployment.toml)' },
  plugins: { options: '[--config FILE] [--json]', what: "list the bundles, their components and each grant's handler chain" },
  'plugins new': { options: '<name> [--dir PARENT]', what: 'scaffold a plugin bundle (plugin.json, src, build script, test)' },
  certs: { options: '<subcommand>', what: 'make CA, client and server certificates (tessera certs --help)' },
} as const;

const USAGE = `Usage: tessera <command> [options]
       tessera --version

Commands:
${Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(12)}${c.options.padEnd(26)}${c.what}`).join('\n')}
`;


export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  // `certs` has a usage per subcommand; start and plugins answer --help here, before any loading.
  if ((command === 'start' || command === 'plugins') && rest.some((arg) => arg === '--help' || arg === '-h')) {
    process.stdout.write(`Usage: tessera ${command} ${COMMANDS[command].options}\n  ${COMMANDS[command].what}\n`);
    return 0;
  }
  switch (command) {
    case 'start':
      return (await import('./start-command.ts')).runStart(rest);
    case 'plugins':
      return (await import('./plugins-command.ts')).runPlugins(rest);
    case 'certs':
      return (await import('./certs-command.ts')).runCerts(rest);
    case '--version':
    case '-v':
    case 'version':
      process.stdout.write(`tessera ${TESSERA_VERSION}\n`);
      return 0;
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`tessera: unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}
