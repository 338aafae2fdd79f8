import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * Import boundaries (STYLE "Imports point inward"), read from the source: every `import`/`export …
 * from`/`import()` specifier of every TypeScript file, resolved to a repository path. A rule names
 * the files it applies to and what they may import; an exception is a named allowlist entry with
 * its reason, never a loosened rule.
 */

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');

function filesUnder(dir: string): string[] {
  const abs = path.join(ROOT, dir);
  return readdirSync(abs).flatMap((name) => {
    const full = path.join(abs, name);
    const rel = path.relative(ROOT, full);
    if (statSync(full).isDirectory()) return name === 'node_modules' ? [] : filesUnder(rel);
    return name.endsWith('.ts') ? [rel] : [];
  });
}

interface Import {
  from: string;
  /** Repository-relative path for project files, the package name for packages. */
  to: string;
  isPackage: boolean;
  /** `import type …` / `export type …` (not `import { type A }`): erased, so it loads nothing. */
  typeOnly: boolean;
  /** Loaded with a `require('…')`-style call, not an import. */
  viaRequire: boolean;
}

interface Specifier {
  spec: string;
  typeOnly: boolean;
  /** A `require('…')`-style call (`require`, `requireSdk`, `createRequire(…)('…')`). */
  viaRequire: boolean;
}

const literalText = (node: ts.Node | undefined): string | undefined =>
  node && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node))
    ? node.text
    : undefined;

/**
 * Every module specifier of a file, read with the TypeScript parser (comments and strings cannot
 * fool it): `import … from`, `export … from`, `import '…'`, `import x = require('…')`, every
 * dynamic `import('…')` and every `require('…')`-style call, with whether the statement is
 * type-only (`import type` / `export type`, erased when compiled; `import { type A }` is kept under
 * verbatimModuleSyntax, so it is not).
 */
function specifiersOf(
  file: string,
  code = readFileSync(path.join(ROOT, file), 'utf8'),
): Specifier[] {
  const source = ts.createSourceFile(file, code, ts.ScriptTarget.Latest, true);
  const found: Specifier[] = [];
  const add = (spec: string | undefined, typeOnly: boolean, viaRequire = false) => {
    if (spec !== undefined) found.push({ spec, typeOnly, viaRequire });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      add(literalText(node.moduleSpecifier), node.importClause?.isTypeOnly ?? false);
    } else if (ts.isExportDeclaration(node)) {
      add(literalText(node.moduleSpecifier), node.isTypeOnly);
    } else if (
      ts.isImportEqualsDeclaration(node) &&
      ts.isExternalModuleReference(node.moduleReference)
    ) {
      add(literalText(node.moduleReference.expression), node.isTypeOnly);
    } else if (ts.isCallExpression(node)) {
      const callee = node.expression;
      if (callee.kind === ts.SyntaxKind.ImportKeyword) add(literalText(node.arguments[0]), false);
      else if (
        (ts.isIdentifier(callee) && /^require(Sdk)?$/.test(callee.text)) ||
        ts.isCallExpression(callee)
      ) {
        add(literalText(node.arguments[0]), false, true);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function importsOf(file: string): Import[] {
  return specifiersOf(file).map(({ spec, typeOnly, viaRequire }) => {
    if (spec.startsWith('#core/')) {
      return {
        from: file,
        to: path.join('functions/core', spec.slice('#core/'.length)),
        isPackage: false,
        typeOnly,
        viaRequire,
      };
    }
    if (spec.startsWith('.')) {
      return {
        from: file,
        to: path.normalize(path.join(path.dirname(file), spec)),
        isPackage: false,
        typeOnly,
        viaRequire,
      };
    }
    const parts = spec.split('/');
    const name = spec.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string);
    return { from: file, to: name, isPackage: true, typeOnly, viaRequire };
  });
}

const FUNCTIONS = filesUnder('functions');
const INFRA = filesUnder('infra');
const ALL = [...FUNCTIONS, ...INFRA];

const inside = (file: string, ...dirs: string[]) =>
  dirs.some((d) => file === d || file.startsWith(`${d}/`));

interface Rule {
  name: string;
  /** Files the rule applies to. */
  applies: (file: string) => boolean;
  /** Whether a project import is allowed (packages are governed by `packages`). */
  allows: (to: string, from: string) => boolean;
  /** Packages the files may import; undefined: any. */
  packages?: (name: string) => boolean;
  /** Whether the rule also applies to type-only imports (default: yes). */
  typeImports?: boolean;
  /** Imports the rule lets through, each for a reason given where it is set. */
  exempt?: (i: Import) => boolean;
}

const CORE = 'functions/core';
const SDK_LOADERS = `${CORE}/adapters/aws/sdk`;
const core = (...dirs: string[]) => dirs.map((d) => `${CORE}/${d}`);

/** The folders a capability of core may import: the inner layers and the shared contract. */
const INNER = core('domain', 'ports', 'http', 'config', 'contract');

const RULES: Rule[] = [
  {
    name: 'intake imports only domain, ports, http, config, contract and intake itself',
    applies: (f) => inside(f, `${CORE}/intake`),
    // intake/<source> folders share intake/router.ts and intake/webhook-secrets.ts.
    allows: (to) => inside(to, ...INNER, `${CORE}/intake`),
  },
  {
    name: 'deprovision imports only domain, ports, http, config, contract and deprovision itself',
    applies: (f) => inside(f, `${CORE}/deprovision`),
    allows: (to) => inside(to, ...INNER, `${CORE}/deprovision`),
  },
  {
    name: 'intake and deprovision do not import each other',
    applies: (f) => inside(f, `${CORE}/intake`, `${CORE}/deprovision`),
    allows: (to, from) =>
      !(inside(from, `${CORE}/intake`) && inside(to, `${CORE}/deprovision`)) &&
      !(inside(from, `${CORE}/deprovision`) && inside(to, `${CORE}/intake`)),
  },
  {
    name: 'domain imports only domain and contract',
    applies: (f) => inside(f, `${CORE}/domain`),
    allows: (to) => inside(to, ...core('domain', 'contract')),
  },
  {
    name: 'ports import only domain, contract and ports',
    applies: (f) => inside(f, `${CORE}/ports`),
    allows: (to) => inside(to, ...core('domain', 'contract', 'ports')),
  },
  {
    name: 'contract imports only contract and, of packages, only zod (for the Zoho response schemas)',
    applies: (f) => inside(f, `${CORE}/contract`),
    allows: (to) => inside(to, `${CORE}/contract`),
    packages: (name) => name === 'zod',
  },
  {
    name: 'capabilities never import an adapter (adapters are wired in by composition)',
    applies: (f) =>
      inside(f, ...core('domain', 'ports', 'intake', 'deprovision', 'tokens', 'http', 'config')),
    allows: (to) => !inside(to, `${CORE}/adapters`),
  },
  {
    name: 'only composition roots (functions/*/compose.ts) import adapters/aws',
    applies: (f) => inside(f, 'functions') && !/^functions\/[^/]+\/compose\.ts$/.test(f),
    allows: (to, from) =>
      !inside(to, `${CORE}/adapters/aws`) || inside(from, `${CORE}/adapters/aws`),
  },
  {
    name: 'shared composition (core/compose) builds no SDK client: no adapters/aws, no @aws-sdk',
    applies: (f) => inside(f, `${CORE}/compose`),
    allows: (to) => !inside(to, `${CORE}/adapters/aws`),
    packages: (name) => !name.startsWith('@aws-sdk/'),
  },
  {
    name: 'functions/ builds schemas with zod/mini through contract/zod.ts, never zod directly',
    // The facade configures English messages and keeps classic zod out of the bundles.
    applies: (f) => inside(f, 'functions') && f !== `${CORE}/contract/zod.ts`,
    allows: () => true,
    packages: (name) => name !== 'zod',
  },
  {
    name: 'functions/ loads the AWS SDK only through its loaders, adapters/aws/sdk/ (require, not import)',
    // An ESM import of the CommonJS SDK costs a third of a cold start (adapters/aws/require-sdk.ts).
    // The loaders themselves import their package for its types only and call requireSdk.
    applies: (f) => inside(f, 'functions'),
    allows: (to, from) => to !== `${CORE}/adapters/aws/require-sdk.ts` || inside(from, SDK_LOADERS),
    packages: (name) => !name.startsWith('@aws-sdk/'),
    typeImports: false,
    // A loader's one job: `requireSdk('@aws-sdk/<its package>')` (test/unit/adapters/aws).
    exempt: (i) => i.viaRequire && inside(i.from, SDK_LOADERS),
  },
  {
    name: 'nothing in functions/ imports local/ or test/',
    applies: (f) => inside(f, 'functions'),
    allows: (to) => !inside(to, 'local', 'test'),
  },
  {
    name: 'no function folder imports another',
    applies: (f) => inside(f, 'functions') && !inside(f, CORE),
    allows: (to, from) => {
      const own = from.split('/')[1];
      return !inside(to, 'functions') || inside(to, CORE) || inside(to, `functions/${own}`);
    },
  },
  {
    name: 'infra imports only functions/core/contract from functions/, nothing from local/ or test/',
    applies: (f) => inside(f, 'infra'),
    allows: (to) => inside(to, 'infra', `${CORE}/contract`),
  },
];

/**
 * Known exceptions, each a single import with the reason it cannot follow the rule yet.
 * Adding one is a reviewed decision; an entry that no longer matches fails the test.
 */
const ALLOWLIST: ReadonlyArray<{ rule: string; from: string; to: string; reason: string }> = [
  {
    rule: 'ports import only domain, contract and ports',
    from: 'functions/core/ports/graph.ts',
    to: 'functions/core/intake/graph/schemas.ts',
    reason:
      "Graph's user and subscription types are inferred from intake/graph's zod schemas, which the " +
      'Graph adapter also parses with; moving the schemas into domain/ belongs to the Graph split.',
  },
  {
    rule: 'capabilities never import an adapter (adapters are wired in by composition)',
    from: 'functions/core/tokens/refresh-token.ts',
    to: 'functions/core/adapters/zoho/zoho-accounts-client.ts',
    reason:
      'A type-only import: the AccessTokenMinter port is declared beside its one adapter, the Zoho ' +
      'accounts client, which is being rewritten for the published contract (issue 10); it moves ' +
      'to ports/ with that change.',
  },
];

function violations(): Array<{ rule: string; from: string; to: string }> {
  const found: Array<{ rule: string; from: string; to: string }> = [];
  for (const file of ALL) {
    const imports = importsOf(file);
    for (const rule of RULES) {
      if (!rule.applies(file)) continue;
      for (const i of imports) {
        if (i.typeOnly && rule.typeImports === false) continue;
        if (rule.exempt?.(i)) continue;
        const ok = i.isPackage ? (rule.packages?.(i.to) ?? true) : rule.allows(i.to, file);
        if (!ok) found.push({ rule: rule.name, from: file, to: i.to });
      }
    }
  }
  return found;
}

describe('import boundaries', () => {
  const found = violations();
  const allowed = (v: { rule: string; from: string; to: string }) =>
    ALLOWLIST.some((a) => a.rule === v.rule && a.from === v.from && a.to === v.to);

  it('reads the imports of every file under functions/ and infra/', () => {
    expect(FUNCTIONS.length).toBeGreaterThan(50);
    // Per file: every statement-level `import … from '…'` / `export … from '…'` / `import '…'`,
    // every dynamic `import('…')` (lazy-loaded clients) and every `require('…')`-style call is
    // one import the rules see.
    for (const f of ALL) {
      const clauses =
        readFileSync(path.join(ROOT, f), 'utf8').match(
          /^(?:import|export)\s[^;'"]*?\sfrom '|^import '|\bimport\(\s*['"`]|\brequire(?:Sdk)?\(\s*['"`]/gm,
        ) ?? [];
      expect(importsOf(f).length, f).toBe(clauses.length);
    }
    expect(importsOf('functions/worker/compose.ts').map((i) => i.to)).toContain(
      'functions/core/adapters/aws/sqs-dead-letter-queue.ts',
    );
  });

  it('reads every form of import, and which ones are type-only or a require', () => {
    const code = [
      '// import type { A } from "commented-out";',
      "import type { T } from 'type-only';",
      "import { type U, V } from 'mixed';",
      "export type { W } from 'export-type';",
      "export { X } from 'export-value';",
      "import 'side-effect';",
      "import eq = require('import-equals');",
      "const lazy = () => import('dynamic');",
      'const lazier = () => import(`backticks`);',
      "const a = require('plain-require');",
      "const b = requireSdk('@aws-sdk/loader');",
      "const c = createRequire(import.meta.url)('created');",
      "const d = someFunction('not-an-import');",
    ].join('\n');
    expect(specifiersOf('fixture.ts', code)).toEqual([
      { spec: 'type-only', typeOnly: true, viaRequire: false },
      { spec: 'mixed', typeOnly: false, viaRequire: false },
      { spec: 'export-type', typeOnly: true, viaRequire: false },
      { spec: 'export-value', typeOnly: false, viaRequire: false },
      { spec: 'side-effect', typeOnly: false, viaRequire: false },
      { spec: 'import-equals', typeOnly: false, viaRequire: false },
      { spec: 'dynamic', typeOnly: false, viaRequire: false },
      { spec: 'backticks', typeOnly: false, viaRequire: false },
      { spec: 'plain-require', typeOnly: false, viaRequire: true },
      { spec: '@aws-sdk/loader', typeOnly: false, viaRequire: true },
      { spec: 'created', typeOnly: false, viaRequire: true },
    ]);
  });

  it.each(RULES.map((r) => [r.name]))('%s', (name) => {
    expect(found.filter((v) => v.rule === name && !allowed(v))).toEqual([]);
  });

  it('the zod facade re-exports zod/mini and imports nothing else but the English messages', () => {
    const code = readFileSync(path.join(ROOT, CORE, 'contract', 'zod.ts'), 'utf8');
    const specifiers = specifiersOf(`${CORE}/contract/zod.ts`).map((i) => i.spec);
    expect(specifiers.sort()).toEqual(['zod/mini', 'zod/mini', 'zod/v4/locales/en.js']);
    expect(code).toMatch(/^export \* from 'zod\/mini';$/m);
    expect(code).toMatch(/^config\(en\(\)\);$/m);
  });

  it('keeps every allowlist entry in use, with a reason', () => {
    for (const entry of ALLOWLIST) {
      expect(
        RULES.map((r) => r.name),
        entry.rule,
      ).toContain(entry.rule);
      expect(
        found.some((v) => v.rule === entry.rule && v.from === entry.from && v.to === entry.to),
        `${entry.from} -> ${entry.to}`,
      ).toBe(true);
      expect(entry.reason.length, entry.from).toBeGreaterThan(60);
    }
  });
});
