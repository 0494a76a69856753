// What the rewriter writes for one interceptor: the end of the public symbol's
// declaration, the core's head (its body is the user's), and the emitter whose
// inline asm defines the public symbol with the asm/ macros.

import { archForAbi } from '../arch/index.js';
import { LIGHT_CORE_PREFIX, lightCoreSection, stubInvocation, type Binding, type Visibility } from '../trampoline.js';
import type { StubOptions } from '../arch/arch.js';
import type { FunctionHead } from './declaration.js';
import type { EditList } from './edit.js';
import type { RewriteOptions, TemplateInterceptor } from './interceptors.js';
import { TokenStream, type Token } from './tokens.js';
import { constParamList, conventionAttributes, needsFrame, SYMBOL_NAMES, vaStarts, type ParamsPlan } from './params.js';
import type { Jump } from './body.js';
import { rewriteBody } from './body.js';
import { mayCall } from './calls.js';

/** A scope the walk is in: what the generated code must know about where it stands. */
export interface Scope {
  kind: 'namespace' | 'class' | 'linkage';
  /** Name as the demangler prints it ('' for the global scope and linkage blocks). */
  name: string;
  anonymous: boolean;
  externC: boolean;
  template: boolean;
}

export interface EmitContext {
  ts: TokenStream;
  edits: EditList;
  options: RewriteOptions;
  /** Light cores emitted so far in this translation unit: numbers their symbols. */
  lightCores: number;
  /** The light cores written as the only copy of their body (no full core beside them). */
  alone: string[];
  /** File-scope asm lines, written after the TU's last line: each lean core's null report and check
   *  (Arch.leanEntry), and each named stub (emitNamed). */
  fileAsm: string[];
  /** Interceptors whose body reads its parameters (they need the replay support in the prelude). */
  params: number;
  /** Warnings about reserved names or C++98 may be on (RewriteOptions.pedantic, or a pragma in the source). */
  pedantic: boolean;
  /** The symbol of an extern "C" function named so: its asm label, else the name (`labelled`: only a
   *  label); undefined when the source may name it otherwise (interceptors.ts, asmLabels). */
  cSymbol(name: string, labelled?: boolean): string | undefined;
  /** The preprocessed text (ts may start after its beginning: interceptors.ts). */
  src: string;
  /** Built on first use by firstDeclaration: for ts, and for the text before ts. */
  mentions?: Mentions;
  mentionsBefore?: Mentions;
  namesBefore?: Set<string>;
}

/** In a token stream: the first `name (` not after `.`, `->` or `::` (a declaration, or a call)
 *  in each scope, by name and scope (the index of its `{`, -1 for none). */
interface Mentions {
  ts: TokenStream;
  first: Map<string, number>;
  scopeOf: Int32Array;
}

const PUSH = '_Pragma("clang diagnostic push")';
const POP = '_Pragma("clang diagnostic pop")';
const ignore = (w: string): string => `_Pragma("clang diagnostic ignored \\"${w}\\"")`;
/** A body that can reach its end is an error, as clang's -Wreturn-type warning about the core. */
const RETURN_CHECK = `${PUSH} _Pragma("clang diagnostic error \\"-Wreturn-type\\"")`;
/** Around the target of a `goto ->` in a core written alone: its conversion to the tail's type. */
const LEAN_TARGET_OPEN = 'reinterpret_cast< ::__icc::light_t>(reinterpret_cast<unsigned long>(sizeof(char) ? (';
const LEAN_TARGET_CLOSE = ') : nullptr))';
/** What a core written alone declares can warn about, where those warnings may be on (its reserved
 *  names): a TU of thousands of them spent a tenth of clang's time in _Pragma. */
const LEAN_QUIET = [PUSH, ignore('-Wreserved-identifier'), ignore('-Wc++98-compat-pedantic')].join(' ');
const QUIET = [PUSH, ignore('-Wreserved-identifier'), ignore('-Wmissing-prototypes'), ignore('-Wundefined-internal'), ignore('-Wunused-function'), ignore('-Wunused-member-function'), ignore('-Wregister'), ignore('-Wdeprecated-register'), ignore('-Wframe-address'), ignore('-Wc++98-compat-pedantic')].join(' ');

/** Inserts the core's head before the body and the emitter after it; for a template, returns what
 *  the template step needs to instantiate its emitter. */
export function emitInterceptor(ctx: EmitContext, head: FunctionHead, scopes: Scope[], body: number, close: number, jumps: readonly Jump[], plan: ParamsPlan): TemplateInterceptor | undefined {
  const { ts, edits, options } = ctx;
  const scope = scopes[scopes.length - 1];
  // An explicit specialization (`template<> … f<int>(…)`) is an ordinary function here.
  const template = head.template && !head.explicitSpecialization ? head.template : undefined;
  const tmpl = template ? ts.join(template.start, template.close + 1) + ' ' : '';
  const key = hash(tmpl + (head.idText === head.name ? '' : head.idText) + head.pointerType);
  const noParams = head.paramsClose === head.paramsOpen + 1 || (head.paramsClose === head.paramsOpen + 2 && ts.isIdent(head.paramsOpen + 1, 'void'));
  const core = `__core_${head.name}${noParams && head.idText === head.name && !template ? '' : '_' + key}`;
  const emitter = `__icc_emit_${head.name}_${key}`;
  const atNamespace = scope.kind !== 'class';
  // Inside an extern "C" block the generated functions need C++ linkage back (a block: `static` may follow).
  const cxx = atNamespace && scope.externC ? 'extern "C++" { ' : '';
  const cxxEnd = cxx ? ' }' : '';
  const local = scopes.some((s) => s.anonymous) || (atNamespace && head.specs.has('static'));
  const inline = head.specs.has('inline') || head.specs.has('__inline') || head.specs.has('__inline__');
  const storage = head.specs.has('static') ? 'static ' : inline ? 'inline ' : '';
  const binding: Binding = local ? 'local' : template || inline || (!atNamespace && !head.qualified) ? 'weak' : 'globl';
  // A light core is a second function around the same body (asm/x86_64-sysv.S): only where its
  // object has one copy of it (no COMDAT) and the body has no asm of its own (whose clobbers could
  // reach vector registers' upper halves).
  const args = template ? `<${template.args.join(', ')}>` : '';
  const { params, reads } = plan;
  const arch = archForAbi(options.abi);
  const convention = arch.coreAttributes.map((a) => `${a}, `).join('');
  const light = !reads && arch.lightCores && atNamespace && binding !== 'weak' && !hasAsm(ts, body, close) ? `${LIGHT_CORE_PREFIX}${ctx.lightCores++}` : undefined;
  // One copy of the body: the light core alone, with the body written in it. A TU of thousands of
  // interceptors compiled in 2.2x the time of plain functions with the body twice, in a full core and
  // inlined in a light core; clang's time follows the number of functions. Only where icc++ checks the
  // object (options.lightAlone) and compiles the TU again with the full core beside the light cores that
  // fail (lib/pipeline.ts); a body with call syntax would fail, so it gets both copies at once.
  // Alone, clang never sees the public symbol defined (an alias would let it see the TU's calls reach a
  // function of another calling convention, and delete them). An extern "C" function's symbol, which
  // the rewriter knows, the file-scope asm line defines at the core, with any binding (not with
  // -fcf-protection: the core then needs its address taken, for its endbr64). Any other, lib/light.ts
  // defines from the core's entry: a global one (a local one would have to move in the symbol table).
  const externC = head.externC || scopes.some((s) => s.externC);
  const cSymbol = externC && !head.qualified && !options.cet ? ctx.cSymbol(head.idText) : undefined;
  const alone = light !== undefined && (binding === 'globl' || (cSymbol !== undefined && binding === 'local')) && arch.leanEntry !== undefined && options.lightAlone === true && !options.fullCores?.has(light) && !mayCall(ts, body, close);
  const declared = declaredText(ts, head, body);
  const visibility = visibilityOf(declared, head, atNamespace, options);
  // An internal or inline function defined only in asm: clang would warn that it is undefined.
  const quietDecl = !head.qualified && (local || inline);
  // The public function's address, typed (the stub's operand; a lean core's entry).
  const self = `static_cast<${head.pointerType}>(&${head.idText}${args})`;
  if (alone) {
    emitAlone(ctx, head, scopes, body, close, jumps, { light, cSymbol, binding, visibility, externC, cxx, quietDecl, self });
    return undefined;
  }
  const dllexport = /\bdllexport\b/.test(declared);
  const stubOptions = { binding, comdat: binding === 'weak', cet: options.cet, pic: options.pic ?? false, dllexport, visibility, light: light !== undefined };
  const namedSymbol = cSymbol !== undefined && arch.namedStubs ? ctx.cSymbol(head.idText, arch.namedStubs === 'asm-labels') : undefined;
  if (!light && !reads && !template && atNamespace && namedSymbol !== undefined && binding !== 'weak' && NAMED_SYMBOL.test(namedSymbol) && options.fileScopeStubs) {
    emitNamed(ctx, head, body, close, jumps, { core, symbol: namedSymbol, cxx, convention, stub: stubOptions, quietDecl });
    return undefined;
  }
  const sig = `decltype(::__icc::sig(${self}))`;
  const paramsFn = `__params_${head.name}_${key}`;
  // A body that reads its parameters is compiled in __params_X, with the declared parameter list
  // (read-only), which the core replays with the caller's registers and stack (lib/rewrite/params.ts).
  // With a light core, the core has a section of its own: lib/light.ts drops whichever of the two the
  // object doesn't use.
  const coreHead = reads
    ? `${cxx}${tmpl}${storage}__attribute__((visibility("hidden")${conventionAttributes(head.pointerType)})) auto ${paramsFn}${constParamList(ts, head, params)} -> ::__icc::params_ret<${sig}>`
    : `${cxx}${tmpl}${storage}__attribute__((${convention}visibility("hidden")${light ? `, always_inline, section("${lightCoreSection(light, 'full')}")` : ''})) ::__icc::target_t ${core}()`;
  const coreDef = reads
    ? `${tmpl}${storage}__attribute__((${convention}visibility("hidden"))) ::__icc::target_t ${core}(void *__icc_frame) { return ::__icc::replay<${needsFrame(ts, body, close)}, ${sig}>(::__icc::frame_of(__icc_frame, __builtin_frame_address(1)), reinterpret_cast<void *>(&${paramsFn}${args})); } `
    : '';
  if (reads) {
    ctx.params++;
    rewriteBody(ts, jumps, edits, `return ::__icc::leave<${sig}>(::__icc::to_target(`, '))');
    if (needsFrame(ts, body, close)) {
      // Read before any user code: a nested interceptor's call overwrites the thread-locals.
      edits.insert(ts.toks[body].end, ` ${QUIET} void *const __icc_frame = ::__icc::body_frame<${sig}>(__builtin_frame_address(1)); char *const __icc_copy = ::__icc::state<>::copy; (void)__icc_frame; (void)__icc_copy; ${POP}`);
    }
    for (let i = body + 1; i < close; i++) if (ts.text(i) in SYMBOL_NAMES && ts.isIdent(i)) edits.replace(ts.toks[i].start, ts.toks[i].end, SYMBOL_NAMES[ts.text(i)]);
    // va_start walks the copy of the stack arguments: point it at the caller's own area (params-prelude.ts).
    for (const v of vaStarts(ts, body, close)) edits.insert(ts.toks[v.close].end, `, ::__icc::va_fix(${ts.join(v.ap[0], v.ap[1])}, __icc_frame, __icc_copy)`);
  } else rewriteBody(ts, jumps, edits);
  const lightFn = light?.replace('.', '_');
  wrapBody(ctx, head, body, close, jumps, quietDecl, quieted(coreHead, QUIET), cxxEnd);

  const sym = arch.symbolConstraint;
  // With a light core, its first asm statement defines the stub: no emitter function, which in a
  // 5,000-interceptor shim was a third of the functions clang compiled.
  const asm = stubInvocation(options.abi, stubOptions);
  // A reader whose parameters all arrive in registers is its own core: the trampoline calls __params_X (params-prelude.ts: direct).
  const coreOperand = reads ? `${sig}::direct ? reinterpret_cast<void *>(&${paramsFn}${args}) : reinterpret_cast<void *>(&${core}${args})` : `&${core}${args}`;
  const operands = `"${sym}"(${self}), "${sym}"(${coreOperand})${light ? `, "${sym}"(&${lightFn})` : ''}`;
  // `used` keeps every emitter, including explicitly instantiated ones, through -flto's internalization.
  // GNU spelling: [[gnu::…]] would trip -Wc++98-compat under -Weverything at every interceptor.
  // Emitters in classes and templates have linkage: hidden, so shared libraries don't export them.
  const fn = `__attribute__((naked, used${template || !atNamespace ? ', visibility("hidden")' : ''})) static void`;
  const emitterText = light
    ? ''
    : template
      ? `${tmpl}struct ${emitter} { ${fn} emit() { __asm__(${asm} : : ${operands}); } };`
      : `${fn} ${emitter}() { __asm__(${asm} : : ${operands}); }`;
  // The light core (asm/x86_64-sysv.S) preserves every register it writes but r11 (preserve_all),
  // and jumps to the target itself: a musttail call of a preserve_all pointer held in r11, the one
  // register no epilogue restores (left to itself, clang 14 may pick one its epilogue restores;
  // lib/light.ts checks). A null target is swapped for the record's null entry (record+8, named
  // after the public symbol, %c1), which reports it. 32-byte alignment: 2.0x -> 1.8x in npm run bench.
  // At its entry, which the compiler never duplicates, the light core defines the stub; its tail, which
  // it may duplicate (one copy per path to `goto ->`), only swaps a null target.
  const entry = `__asm__(${asm} : : ${operands});`;
  const tail = (target: string): string =>
    `register ::__icc::light_t __r __asm__("r11") = ${target}; ` +
    `__asm__(${arch.lightInvocation!()} : "+r"(__r) : "${sym}"(${self}) : "cc"); ` +
    '__attribute__((musttail)) return __r();';
  const lightSection = light && lightCoreSection(light, 'light');
  const lightDecl = `static __attribute__((preserve_all, section("${lightSection}"))) ::__icc::tail ${lightFn}() __asm__("${light}");`;
  const lightText = light
    ? `${lightDecl} ${lightHeadOf(light)} { ${entry} ${tail(`reinterpret_cast< ::__icc::light_t>(${core}())`)} } `
    : '';
  edits.insert(ts.toks[close].end, ` ${QUIET} ${cxx}${lightText}${coreDef}${emitterText}${cxxEnd} ${POP}`);

  if (!template) return undefined;
  const named = scopes.filter((s) => s.name && !s.anonymous).map((s) => s.name);
  const demangled = scopes.filter((s) => s.name).map((s) => s.name);
  return { demangledName: [...demangled, head.idText.replace(/\s+/g, '')].join('::'), emitter: '::' + [...named, emitter].join('::') };
}

/** A symbol a named stub spells out in its asm line: nothing an assembler would need quoted. */
const NAMED_SYMBOL = /^[A-Za-z_][\w.$]*$/;

/** What emitNamed needs of the interceptor beyond its head. */
interface NamedCore {
  core: string;
  /** The public symbol (an extern "C" function's, EmitContext.cSymbol). */
  symbol: string;
  /** `extern "C++" { ` inside an extern "C" block, else ''. */
  cxx: string;
  /** Arch.coreAttributes, each followed by ', '. */
  convention: string;
  stub: StubOptions;
  quietDecl: boolean;
}

/** A full core whose public symbol the rewriter knows (an extern "C" function, where the target's
 *  assembler symbols are C names): the stub is one file-scope asm line that names the core by an asm
 *  label, in place of a naked emitter function whose "s" operands print the names. In a 500-interceptor
 *  x86-64 Windows TU (no light cores there) the emitter cost clang 1.9 M instructions per interceptor
 *  and the _Pragma around it 0.5 M: 6.65 M against 3.76 M for a plain forwarding function. The core is
 *  static and `used` (only the asm names it): no -Wmissing-prototypes, no -Wunused-function. Not with
 *  -flto (options.fileScopeStubs): a local named only by module asm is at the mercy of ThinLTO's renaming. */
function emitNamed(ctx: EmitContext, head: FunctionHead, body: number, close: number, jumps: readonly Jump[], named: NamedCore): void {
  const { ts, edits, options } = ctx;
  rewriteBody(ts, jumps, edits);
  const label = `__icc_core.${named.symbol}`;
  const fn = `static __attribute__((${named.convention}used)) ::__icc::target_t ${named.core}()`;
  wrapBody(ctx, head, body, close, jumps, named.quietDecl, quieted(`${named.cxx}${fn} __asm__("${label}"); ${fn}`, ctx.pedantic ? QUIET : ''), named.cxx ? ' }' : '');
  ctx.fileAsm.push(`__asm__(${stubInvocation(options.abi, named.stub).replace('%c0', named.symbol).replace('%c1', label)});`);
}

/** What emitAlone needs of the interceptor beyond its head. */
interface AloneCore {
  light: string;
  cSymbol: string | undefined;
  binding: Binding;
  visibility: Visibility;
  externC: boolean;
  /** `extern "C++" { ` inside an extern "C" block, else ''. */
  cxx: string;
  quietDecl: boolean;
  /** The public function's address, typed. */
  self: string;
}

/** A light core written alone: the body's only copy is the core itself (see emitInterceptor), and one
 *  file-scope asm line writes the null report and check before it. */
function emitAlone(ctx: EmitContext, head: FunctionHead, scopes: Scope[], body: number, close: number, jumps: readonly Jump[], core: AloneCore): void {
  const { ts, edits, options } = ctx;
  const { light, cSymbol, cxx } = core;
  ctx.alone.push(light);
  ctx.fileAsm.push(archForAbi(options.abi).leanEntry!(light, cSymbol ?? (core.externC ? head.idText : displayName(ts, head, scopes)), cSymbol === undefined ? undefined : { symbol: cSymbol, binding: core.binding, visibility: core.visibility }));
  // `goto -> E;` is the core's tail, a musttail jump to E in r11, written in place: no null check
  // (lib/light.ts points each tail jump at the one before the core, Arch.leanEntry), and no block of
  // its own (a goto to a shared tail): clang compiles each a block per core, and in a TU of thousands
  // of interceptors those cost a tenth of the time. The empty asm keeps the target opaque: a call of a
  // function defined in the TU through the core's preserve_all type is undefined, and LLVM would
  // delete it. musttail can't leave the scope of an object with a destructor: calls.ts counts
  // bodies that may declare one as calling, so they are never written alone.
  // The target's conversion is written out, not a call like to_target's: clang inlined a call in each
  // of thousands of cores (0.14 M instructions each). `?: nullptr` takes what to_target takes (a
  // pointer, nullptr, a literal 0) and rejects the rest with its own error (diagnostics-filter.ts);
  // via an integer, a function pointer of another type doesn't trip -Wcast-function-type; and
  // `sizeof(char)` is a condition -Wunreachable-code takes for configuration, not dead code.
  for (const j of jumps) {
    edits.replace(ts.toks[j.goto].start, ts.toks[j.goto + 1].end, `{ __icc_r = ${LEAN_TARGET_OPEN}`);
    edits.insert(ts.toks[j.semicolon].start, `${LEAN_TARGET_CLOSE}; __asm__("" : "+r"(__icc_r)); __attribute__((musttail)) return __icc_r()`);
    edits.insert(ts.toks[j.semicolon].end, ' }');
  }
  const lightFn = light.replace('.', '_');
  // What lib/light.ts needs to define the public symbol at the core, in a section per visibility (it
  // drops them): the public symbol's address, undefined in the object, and the core's number; with
  // -fcf-protection the core's address too, so that it starts with endbr64 as an address-taken function.
  const leanEntry = cSymbol !== undefined ? '' : `static const ::__icc::lean_entry ${lightFn}_lean __attribute__((used, section(".icc_lean.${core.visibility}"))) = { reinterpret_cast< ::__icc::target_t>(${core.self}), ${light.slice(LIGHT_CORE_PREFIX.length)}, ${options.cet ? `reinterpret_cast< ::__icc::target_t>(&${lightFn})` : 'nullptr'} };`;
  const forward = options.cet && leanEntry ? `static __attribute__((preserve_all)) ::__icc::tail ${lightFn}(); ` : '';
  const start = quieted(`${cxx}${forward}${leanEntry} ${lightHeadOf(light)} { register ::__icc::light_t __icc_r __asm__("r11");`, ctx.pedantic ? LEAN_QUIET : '');
  // The body is a block in the core, whose `}` -Wreturn-type reports a body that can reach.
  wrapBody(ctx, head, body, close, jumps, core.quietDecl, start, ` }${cxx ? ' }' : ''}`);
}

/** Ends the user's declaration (declarationEnd) and puts `before` (a core's head) before the body and
 *  `after` after it, with -Wreturn-type an error in the body, unless its last statement is its
 *  `goto ->`: no path can reach its end then, and three _Pragma cost a core written alone 0.07 M
 *  instructions of clang's. */
function wrapBody(ctx: EmitContext, head: FunctionHead, body: number, close: number, jumps: readonly Jump[], quietDecl: boolean, before: string, after: string): void {
  const { ts, edits } = ctx;
  const check = !endsInJump(ts, body, close, jumps);
  edits.insert(ts.toks[body].start, `${declarationEnd(ctx, head, body, close, quietDecl)}${before}${check ? ` ${RETURN_CHECK}` : ''} `);
  edits.insert(ts.toks[close].end, `${after}${check ? ` ${POP}` : ''}`);
}

/** What ends the user's declaration where the body was, and what every core does with the body:
 *  __func__ names the user's function, not __core_X or __params_X. */
function declarationEnd(ctx: EmitContext, head: FunctionHead, body: number, close: number, quietDecl: boolean): string {
  const { ts, edits } = ctx;
  for (let i = body + 1; i < close; i++) if (ts.isIdent(i, '__func__') || ts.isIdent(i, '__FUNCTION__')) edits.replace(ts.toks[i].start, ts.toks[i].end, JSON.stringify(head.name));
  const quiet = `${PUSH} ${ignore('-Wundefined-internal')} ${ignore('-Wundefined-inline')} `;
  if (quietDecl) {
    edits.insert(ts.toks[head.template?.start ?? head.idStart].start, quiet);
    // clang says -Wundefined-internal (-inline) at the function's first declaration: an earlier one
    // of the user's, at the same scope, is quieted at its name too. One of another function of the
    // same name there would be quieted as well, but its warning comes before a link error anyway
    // (an internal function used and defined nowhere).
    const first = firstDeclaration(ctx, head);
    if (first) {
      edits.insert(first.start, quiet);
      edits.insert(first.end, ` ${POP}`);
    }
  }
  return `${head.qualified ? '' : '; '}${quietDecl ? POP + ' ' : ''}`;
}

/** The first mention of the interceptor's name followed by `(` at its own scope, when it comes
 *  before the interceptor and is not an interceptor's own (those are quieted already). */
function firstDeclaration(ctx: EmitContext, head: FunctionHead): Token | undefined {
  const main = (ctx.mentions ??= mentionsOf(ctx.ts));
  const scope = main.scopeOf[head.idStart];
  // The text before ts (the rewriter lexes from a global-scope point before the first interceptor,
  // mostly past system headers) is lexed once, for the first global-scope interceptor whose name a
  // scan of it finds before a `(`.
  const start = ctx.ts.toks[0]?.start ?? 0;
  if (scope === -1 && start > 0 && (ctx.namesBefore ??= callableNames(ctx.src.slice(0, start))).has(head.idText)) {
    ctx.mentionsBefore ??= mentionsOf(new TokenStream(ctx.src.slice(0, start)));
    const before = ctx.mentionsBefore.first.get(`${head.idText}\0-1`);
    if (before !== undefined) return ctx.mentionsBefore.ts.toks[before];
  }
  const i = main.first.get(`${head.idText}\0${scope}`);
  return i !== undefined && i < head.idStart && !isInterceptorName(ctx.ts, i) ? ctx.ts.toks[i] : undefined;
}

/** Whether the name at i is an interceptor's (its declaration quiets itself): `[[interceptor]]` before it in its declaration. */
function isInterceptorName(ts: TokenStream, i: number): boolean {
  for (let k = i - 1; k >= 0; k--) {
    const t = ts.text(k);
    if (t === ';' || t === '{' || t === '}') return false;
    if (t === ']' && ts.isIdent(k - 2, 'interceptor')) return true;
  }
  return false;
}

/** Every word followed by `(` in `text`, strings and all: a superset of what lexing it would find. */
function callableNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const m of text.matchAll(/\b([A-Za-z_]\w*)\s*\(/g)) names.add(m[1]);
  return names;
}

function mentionsOf(ts: TokenStream): Mentions {
  const first = new Map<string, number>();
  const scopeOf = new Int32Array(ts.length);
  const open: number[] = [];
  for (let i = 0; i < ts.length; i++) {
    const t = ts.text(i);
    if ((t === '}' || t === '%>') && open.length > 0 && ts.match[open[open.length - 1]] === i) open.pop();
    scopeOf[i] = open.length > 0 ? open[open.length - 1] : -1;
    if ((t === '{' || t === '<%') && ts.match[i] > i) open.push(i);
    else if (ts.isIdent(i) && ts.isPunct(i + 1, '(') && !(i > 0 && (ts.isPunct(i - 1, '.') || ts.isPunct(i - 1, '->') || ts.isPunct(i - 1, '::')))) {
      const key = `${t}\0${scopeOf[i]}`;
      if (!first.has(key)) first.set(key, i);
    }
  }
  return { ts, first, scopeOf };
}

/** A light core's head. `used`: nothing but its own asm names it. */
function lightHeadOf(light: string): string {
  return `static __attribute__((used, preserve_all, aligned(32), section("${lightCoreSection(light, 'light')}"))) ::__icc::tail ${light.replace('.', '_')}()`;
}

function quieted(text: string, quiet: string): string {
  return quiet ? `${quiet} ${text} ${POP}` : text;
}

/** The declaration's text before the name and after the parameters (attributes, specifiers). */
function declaredText(ts: TokenStream, head: FunctionHead, body: number): string {
  return ts.join(head.template?.start ?? head.specStart, head.idStart) + ' ' + ts.join(head.paramsClose + 1, body);
}

/** The public symbol's visibility: its attribute in `declared` (declaredText), else the command line's. */
function visibilityOf(declared: string, head: FunctionHead, atNamespace: boolean, options: RewriteOptions): Visibility {
  const attribute = /\bvisibility\s*\(\s*"(default|hidden|protected)"/.exec(declared)?.[1] as Visibility | undefined;
  return attribute ?? (!atNamespace && !head.qualified && options.inlinesHidden ? 'hidden' : options.visibility ?? 'default');
}

/** A C++ interceptor as the null report names it, from the source: `ns::name(int, const char*)`, with
 *  the parameters' names and default arguments left out where they are plain (a demangler would print
 *  the same function as `ns::name(int, char const*)`). */
function displayName(ts: TokenStream, head: FunctionHead, scopes: readonly Scope[]): string {
  const qualified = [...scopes.filter((s) => s.name).map((s) => s.name), head.idText.replace(/\s+/g, '')].join('::');
  const params: string[] = [];
  let current: string[] = [];
  let depth = 0;
  const flush = (): void => {
    const eq = current.indexOf('=');
    let p = eq >= 0 ? current.slice(0, eq) : current;
    // A trailing identifier after a type is the parameter's name: `int n`, `const char *s`.
    const last = p[p.length - 1];
    if (p.length > 1 && /^[A-Za-z_]\w*$/.test(last) && !NAME_KEYWORDS.has(last) && p[p.length - 2] !== '::') p = p.slice(0, -1);
    params.push(p.join(' ').replace(/\s*(::|<|>)\s*/g, '$1').replace(/\s+([*&])/g, '$1'));
    current = [];
  };
  for (let i = head.paramsOpen + 1; i < head.paramsClose; i++) {
    const t = ts.text(i);
    if (t === '(' || t === '[' || t === '<' || t === '{') depth++;
    if (t === ')' || t === ']' || t === '>' || t === '}') depth--;
    if (t === ',' && depth === 0) flush();
    else current.push(t);
  }
  if (current.length > 0) flush();
  const list = params.length === 1 && params[0] === 'void' ? '' : params.join(', ');
  return `${qualified}(${list})`;
}

/** Keywords that end a parameter's type, never name it. */
const NAME_KEYWORDS = new Set(['int', 'char', 'short', 'long', 'signed', 'unsigned', 'float', 'double', 'bool', 'void', 'const', 'volatile', 'wchar_t', 'char8_t', 'char16_t', 'char32_t', '__int128', 'auto', '__restrict', '__restrict__', 'restrict']);

/** Whether the body's last statement at its own level is a `goto ->` (which no path can pass). */
function endsInJump(ts: TokenStream, body: number, close: number, jumps: readonly Jump[]): boolean {
  const jump = jumps.find((j) => j.semicolon === close - 1);
  if (!jump) return false;
  // Where the statement before the jump ends at the body's level: the jump starts a statement there.
  let next = body + 1;
  for (let i = body + 1; i < jump.goto; i++) {
    const t = ts.text(i);
    if (t === ';' || t === '}') next = i + 1;
    else if ((t === '{' || t === '(' || t === '[') && ts.match[i] > i) {
      i = ts.match[i];
      if (t === '{') next = i + 1;
    }
  }
  return next === jump.goto;
}

const ASM = new Set(['asm', '__asm', '__asm__', 'asm__']);

function hasAsm(ts: TokenStream, body: number, close: number): boolean {
  for (let i = body + 1; i < close; i++) if (ASM.has(ts.toks[i].text)) return true;
  return false;
}

/** FNV-1a, 8 hex digits: stable names for overloads, the same in every TU that includes a header. */
function hash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}
