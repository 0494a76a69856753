// icc-shim --header: the prototypes of a library's functions, read through
// clang itself (its JSON AST dump), so any header clang accepts works: macros,
// typedefs and includes are resolved as a compiler resolves them.
//
// Only the bits used here are validated (zod): top-level FunctionDecls, their
// name, their return type and their ParmVarDecls' names and types, and whether
// they are variadic. Each type is reduced to how --log would print a value of it.

import { execa } from 'execa';
import { z } from 'zod';
import { ShimError } from './errors.js';

/** How one argument would be printed. */
export type ValueKind = 'int' | 'uint' | 'pointer' | 'string' | 'float' | 'double' | 'long double' | 'other';

export interface Prototype {
  name: string;
  returns: { type: string; kind: ValueKind; carrier?: string };
  /** `carrier`: a builtin C++ type passed exactly as the declared one (same class, same size), so an
   *  interceptor declared with it reads the argument where the caller put it; absent when unknown. */
  params: { name: string; type: string; kind: ValueKind; carrier?: string }[];
  variadic: boolean;
  /** False for a C declaration without a prototype (`int f();`): its parameters are unknown. */
  prototyped: boolean;
}

const TypeNode = z.object({ qualType: z.string(), desugaredQualType: z.string().optional() });
const Param = z.object({ kind: z.literal('ParmVarDecl'), name: z.string().optional(), type: TypeNode });
const Decl = z.object({
  kind: z.string(),
  name: z.string().optional(),
  type: TypeNode.optional(),
  variadic: z.boolean().optional(),
  inner: z.array(z.object({ kind: z.string() }).passthrough()).optional(),
});
const TranslationUnit = z.object({ kind: z.literal('TranslationUnitDecl'), inner: z.array(z.object({ kind: z.string() }).passthrough()) });

/** Parses `header` with clang (as C) and returns each function it declares by name. */
export async function readPrototypes(header: string, clang = 'clang', flags: string[] = []): Promise<Map<string, Prototype>> {
  const r = await execa(clang, ['-x', 'c', '-fsyntax-only', '-Xclang', '-ast-dump=json', ...flags, header], { reject: false, maxBuffer: 1 << 30 });
  if (r.exitCode !== 0) {
    // clang's first error, at the header's line: `zlib.h:12:3: error: ...`.
    const first = String(r.stderr).split('\n').find((l) => /error:/.test(l)) ?? '';
    const m = /^(.*?:\d+:\d+): (?:fatal )?error: (.*)$/.exec(first);
    throw m ? new ShimError(m[2], m[1]) : new ShimError(`header '${header}' does not parse (clang exit code ${r.exitCode})`);
  }
  const tu = TranslationUnit.parse(JSON.parse(String(r.stdout)));
  // A function type's spelling keeps its return type's typedef: resolve it through the TU's typedefs.
  const typedefs = new Map<string, string>();
  for (const node of tu.inner) {
    if (node.kind !== 'TypedefDecl') continue;
    const t = Decl.parse(node);
    if (t.name && t.type) typedefs.set(t.name, t.type.desugaredQualType ?? t.type.qualType);
  }
  const desugar = (type: string): string => {
    for (let i = 0; i < 16; i++) {
      const m = /^(const )?(\w+)$/.exec(type.trim());
      const next = m && typedefs.get(m[2]);
      if (!next) break;
      type = (m[1] ?? '') + next;
    }
    return type;
  };
  // A pointer to a typedef'd type keeps the typedef (`const gchar *`): resolve the pointee too.
  const resolve = (type: string): string => {
    const t = desugar(stripQualifiers(type));
    const m = /^(const )?(\w+) \*$/.exec(t);
    return m ? `${m[1] ?? ''}${desugar(m[2])} *` : t;
  };
  const prototypes = new Map<string, Prototype>();
  for (const node of tu.inner) {
    if (node.kind !== 'FunctionDecl') continue;
    const decl = Decl.parse(node);
    if (!decl.name || !decl.type) continue;
    const returnType = decl.type.qualType.replace(/\s*\(.*$/s, '');
    const returnResolved = resolve(returnType);
    const params = (decl.inner ?? []).filter((n) => n.kind === 'ParmVarDecl').map((n, i) => {
      const p = Param.parse(n);
      const type = resolve(p.type.desugaredQualType ?? p.type.qualType);
      return { name: p.name ?? `arg${i + 1}`, type: p.type.qualType, kind: valueKind(type), carrier: carrier(type) };
    });
    prototypes.set(decl.name, {
      name: decl.name,
      returns: { type: returnType, kind: valueKind(returnResolved), carrier: returnResolved === 'void' ? 'void' : carrier(returnResolved) },
      params,
      variadic: decl.variadic ?? false,
      prototyped: !/\(\)$/.test(decl.type.qualType),
    });
  }
  return prototypes;
}

/** A type without its top-level `restrict` and `volatile` (they change neither how a value is passed nor printed). */
function stripQualifiers(type: string): string {
  return type.replace(/\b(restrict|__restrict|__restrict__|volatile)\b/g, '').replace(/\s+/g, ' ').replace(/ \*/g, ' *').replace(/\* +$/, '*').trim();
}

const INTEGER = /^(const )?((unsigned |signed )?(char|short|int|long|long long)( int)?|unsigned|signed|_Bool)$/;

/** The printing class of a C type spelled as clang spells it (desugared): a `const char *` is a
 *  string; a `char *` is a pointer (often a buffer the call fills: its bytes are not text yet). */
export function valueKind(type: string): ValueKind {
  const t = stripQualifiers(type);
  if (/\(\*\)/.test(t)) return 'pointer';
  if (/\*$/.test(t) || /\[\d*\]$/.test(t)) return /^const char \*$/.test(t) ? 'string' : 'pointer';
  if (t === 'float' || t === 'double' || t === 'long double') return t as ValueKind;
  if (INTEGER.test(t) || /^(const )?enum /.test(t)) return /unsigned|_Bool/.test(t) ? 'uint' : 'int';
  return 'other';
}

/** The builtin C++ type an interceptor declares for a parameter of this C type (desugared), passed in
 *  the same register class and size; undefined for what has no such stand-in (structs, unions, vectors,
 *  `_Complex`, `__int128`). */
export function carrier(type: string): string | undefined {
  const kind = valueKind(type);
  const t = stripQualifiers(type).replace(/^const /, '');
  if (kind === 'string') return 'const char *';
  if (kind === 'pointer') return 'const void *';
  if (kind === 'float' || kind === 'double' || kind === 'long double') return kind;
  if (kind === 'other') return undefined;
  if (t === '_Bool') return 'bool';
  if (t.startsWith('enum ')) return 'int'; // a C enum is passed as an int (or unsigned int: the same register bits)
  return t;
}

/** A prototype as --list prints it: `int deflate(z_streamp strm, int flush)`. */
export function formatPrototype(p: Prototype): string {
  const params = p.params.map((x) => `${x.type} ${x.name}`);
  if (p.variadic) params.push('...');
  return `${p.returns.type} ${p.name}(${params.join(', ') || 'void'})`;
}
