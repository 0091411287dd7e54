/**
 * `tessera <command>`: start, plugins, certs. Exit codes: 0 ok, 1 runtime failure, 2 usage or
 * configuration error. Each command is imported when it runs: `tessera certs` need not load (and
 * transpile) the whole server.
 */

const USAGE = `Usage: tessera <command> [options]

Commands:
  start   [--config FILE]           start the server (default config: ./deployment.toml)
  plugins [--config FILE] [--json]  list the bundles, their components and each grant's handler chain
  plugins new <name> [--dir PARENT] scaffold a plugin bundle (plugin.json, src, build script, test)
  certs   <subcommand>              make CA, client and server certificates (tessera certs --help)
`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'start':
      return (await import('./start-command.ts')).runStart(rest);
    case 'plugins':
      return (await import('./plugins-command.ts')).runPlugins(rest);
    case 'certs':
      return (await import('./certs-command.ts')).runCerts(rest);
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
