/**
 * Renders docs/plugin-api.md from the source of core/api: every extension point, event type and
 * payload, service, and record type, with the doc comments written there. Read with the TypeScript
 * parser (no type-checking), so the reference is exactly what a bundle compiles against.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

const API_FILES = ['index.ts', 'extension-points.ts', 'plugin-context.ts', 'x509.ts', 'model.ts', 'authorization-header.ts', 'certificate-thumbprint.ts'];

type Declaration = ts.InterfaceDeclaration | ts.TypeAliasDeclaration | ts.VariableStatement | ts.FunctionDeclaration;

interface ApiSource {
  readonly interfaces: Map<string, ts.InterfaceDeclaration>;
  readonly aliases: Map<string, ts.TypeAliasDeclaration>;
  readonly constants: Map<string, ts.VariableDeclaration>;
  /** Exported functions: the runtime helpers a bundle imports (bundled into it at build time). */
  readonly functions: Map<string, ts.FunctionDeclaration>;
  /** Exported names in source order, per file. */
  readonly order: { file: string; name: string }[];
}

function parse(apiDir: string): ApiSource {
  const source: ApiSource = { interfaces: new Map(), aliases: new Map(), constants: new Map(), functions: new Map(), order: [] };
  for (const file of API_FILES) {
    const sf = ts.createSourceFile(file, readFileSync(join(apiDir, file), 'utf8'), ts.ScriptTarget.Latest, true);
    for (const statement of sf.statements) {
      if (!isExported(statement)) continue;
      if (ts.isFunctionDeclaration(statement)) {
        if (statement.name) source.functions.set(statement.name.text, statement);
        continue;
      }
      if (ts.isInterfaceDeclaration(statement)) source.interfaces.set(statement.name.text, statement);
      else if (ts.isTypeAliasDeclaration(statement)) source.aliases.set(statement.name.text, statement);
      else if (ts.isVariableStatement(statement)) {
        for (const d of statement.declarationList.declarations) if (ts.isIdentifier(d.name)) source.constants.set(d.name.text, d);
      } else continue;
      const name = ts.isVariableStatement(statement) ? (statement.declarationList.declarations[0].name as ts.Identifier).text : (statement as ts.InterfaceDeclaration).name.text;
      source.order.push({ file, name });
    }
  }
  return source;
}

function isExported(node: ts.Statement): node is Declaration {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
}

/** The doc comment of a node, as one paragraph. */
function doc(node: ts.Node): string {
  const target = ts.isVariableDeclaration(node) ? node.parent.parent : node;
  const comments = ts.getJSDocCommentsAndTags(target).filter(ts.isJSDoc);
  const text = comments.map((c) => ts.getTextOfJSDocComment(c.comment) ?? '').join(' ');
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

const cell = (text: string) => text.replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|');

/** Rows for the members of an interface or type literal; nested type literals are flattened as `a.b`. */
function memberRows(members: ts.NodeArray<ts.TypeElement>, prefix = ''): string[] {
  const rows: string[] = [];
  for (const member of members) {
    const name = member.name ? member.name.getText() : '';
    const optional = member.questionToken ? '?' : '';
    if (ts.isPropertySignature(member) && member.type && ts.isTypeLiteralNode(member.type)) {
      const own = doc(member);
      if (own) rows.push(`| \`${prefix}${name}\` | | ${cell(own)} |`);
      rows.push(...memberRows(member.type.members, `${prefix}${name}.`));
      continue;
    }
    let signature: string;
    if (ts.isMethodSignature(member)) {
      const params = member.parameters.map((p) => p.getText()).join(', ');
      signature = `${prefix}${name}${optional}(${params}): ${member.type?.getText() ?? 'void'}`;
    } else if (ts.isPropertySignature(member)) {
      const readonly = (ts.getModifiers(member) ?? []).some((m) => m.kind === ts.SyntaxKind.ReadonlyKeyword) ? 'readonly ' : '';
      signature = `${readonly}${prefix}${name}${optional}: ${member.type?.getText() ?? 'unknown'}`;
    } else if (ts.isIndexSignatureDeclaration(member)) {
      signature = member.getText().replace(/;$/, '');
    } else {
      signature = member.getText();
    }
    rows.push(`| \`${cell(signature)}\` | ${cell(doc(member))} |`.replace(/^\| `([^`]*)` \| /, (_m, s: string) => `| \`${s}\` | `));
  }
  return rows;
}

function renderInterface(api: ApiSource, name: string, level = '###'): string {
  const node = api.interfaces.get(name);
  if (!node) {
    const alias = api.aliases.get(name);
    if (!alias) throw new Error(`core/api has no exported ${name}`);
    return `${level} \`${name}\`\n\n${doc(alias) ? `${doc(alias)}\n\n` : ''}\`\`\`ts\n${alias.getText().replace(/^export /, '')}\n\`\`\`\n`;
  }
  const heritage = node.heritageClauses?.map((h) => h.getText()).join(' ');
  const rows = memberRows(node.members).map((row) => (row.split(' | ').length === 2 ? row : row));
  return [
    `${level} \`${name}\`${heritage ? ` (${heritage})` : ''}`,
    '',
    ...(doc(node) ? [doc(node), ''] : []),
    ...(rows.length ? ['| member | description |', '|---|---|', ...rows.map(twoColumns), ''] : []),
  ].join('\n');
}

/** Member rows are `| sig | doc |`; a flattened group header has an empty middle cell. */
function twoColumns(row: string): string {
  return row.replace(/^\| (`[^`]*`) \| \| /, '| $1 | ');
}

/** The string members of an object-literal constant (COMPONENT_KINDS, EVENT_TYPES). */
function literalEntries(api: ApiSource, name: string): [string, string][] {
  const init = api.constants.get(name)?.initializer;
  if (init && ts.isObjectLiteralExpression(init)) {
    return init.properties.filter(ts.isPropertyAssignment).map((p) => [
      ts.isStringLiteral(p.name) ? p.name.text : p.name.getText(),
      ts.isStringLiteralLike(p.initializer) ? p.initializer.text : p.initializer.getText(),
    ]);
  }
  if (init && ts.isArrayLiteralExpression(init)) return init.elements.filter(ts.isStringLiteral).map((e) => [e.text, '']);
  throw new Error(`core/api has no literal ${name}`);
}

export function renderPluginApiReference(root: string): string {
  const api = parse(join(root, 'core', 'api'));
  const version = (api.constants.get('API_VERSION')?.initializer as ts.StringLiteral | undefined)?.text;
  const rendered = new Set<string>();
  const section = (name: string, level = '###') => {
    rendered.add(name);
    return renderInterface(api, name, level);
  };

  const kinds = literalEntries(api, 'COMPONENT_KINDS').map(([k]) => k);
  const kindTypes = new Map(api.interfaces.get('ComponentKinds')!.members.filter(ts.isPropertySignature).map((m) => [m.name.getText(), m.type!.getText()]));
  const out: string[] = [
    '# Plugin API reference',
    '',
    '<!-- Generated from core/api by `npx tsx scripts/plugin-api-reference.ts`; a test fails when it is stale. Do not edit by hand. -->',
    '',
    `Plugin API version **${version}** (\`API_VERSION\`): a bundle's \`plugin.json\` names a semver range of it in \`apiVersion\`.`,
    'Bundles import types from `core/api` (in a scaffolded bundle: `tessera-plugin-api`) and get everything else at run time',
    'through `activate(ctx)`. The RFC error classes (`InvalidClient`, `InvalidGrant`, `InvalidRequest`, `InvalidScope`,',
    '`InvalidToken`, `ServerError`, ...) and the [helpers](#helpers) are the runtime imports. How to write, build and enable a bundle:',
    '[plugin-guide.md](plugin-guide.md).',
    '',
    '## Extension points',
    '',
    'A `plugin.json` component has one of these `kind`s and its factory returns the interface named here. Every',
    'kind is ordered by `order` (lower first) and switched by `enable`; GrantHandlers form one chain per grant type',
    '(lower order = outermost, ending at the core handler).',
    '',
    '| kind | implements |',
    '|---|---|',
    ...kinds.map((k) => `| \`${k}\` | [\`${kindTypes.get(k)}\`](#${kindTypes.get(k)!.toLowerCase()}) |`),
    '',
  ];
  for (const k of kinds) out.push(section(kindTypes.get(k)!));

  out.push('## Events', '', doc(api.constants.get('EVENT_TYPES')!), '', '| type | carries |', '|---|---|');
  for (const [type, text] of literalEntries(api, 'EVENT_TYPES')) out.push(`| \`${type}\` | ${cell(text)} |`);
  out.push('', section('TesseraEvent'));
  rendered.add('TesseraEventType');

  out.push('## The plugin context', '', section('PluginModule'), section('PluginContext'), section('ComponentDeps'), section('ComponentFactory'), section('Logger'));
  out.push('## Services', '', '`ctx.services`: read-only, typed, answering copies; the host keeps its container and store behind them.', '');
  out.push(section('CoreServices'), section('X509Service'));

  out.push('## Helpers', '', 'Functions a bundle imports from `core/api`; the build copies them into the bundle.', '');
  for (const [name, fn] of api.functions) {
    const params = fn.parameters.map((p) => p.getText()).join(', ');
    out.push(`### \`${name}\``, '', '```ts', `function ${name}(${params}): ${fn.type?.getText() ?? 'void'}`, '```', '', doc(fn), '');
  }

  out.push('## Types', '');
  for (const { name } of api.order) {
    if (rendered.has(name) || api.constants.has(name)) continue;
    if (name === 'ComponentKinds' || name === 'ComponentKind') continue;
    out.push(section(name));
  }
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n').trim()}\n`;
}
