// Finds [[interceptor]] definitions in preprocessed C++ and plans the edits
// that turn each into a declaration of the public symbol, a core function and
// an emitter whose inline asm defines the symbol with the asm/ macros.

import { IccError, IccErrors } from '../diagnostics.js';
import type { Abi, Visibility } from '../trampoline.js';
import { parseHead, type FunctionHead } from './declaration.js';
import { EditList } from './edit.js';
import { preludeText } from './prelude.js';
import { SourceMap } from './source-map.js';
import { TokenStream } from './tokens.js';
import { RestartScan } from './lexer.js';
import { attributeIndex, checkBody } from './body.js';
import { emitInterceptor, type EmitContext, type Scope } from './emit.js';
import { planParams, unreadableConvention } from './params.js';
import { archForAbi } from '../arch/index.js';
import type { Demangler } from './params-prelude.js';
import type { CoreEnd, LineEdit } from './diagnostics-filter.js';

export interface RewriteOptions {
  abi: Abi;
  /** Start stubs with endbr64 (-fcf-protection). */
  cet: boolean;
  /** The code may end up in a shared object (-fPIC/-fpic or -shared): i386 stubs then can't use local-exec TLS (asm/i386-common.S). */
  pic?: boolean;
  /** File name to report before the first line marker. */
  fileName?: string;
  /** The text is clang's output decoded byte for byte: columns count characters, as clang counts bytes. */
  latin1?: boolean;
  /** -fvisibility=: the visibility of definitions without an attribute of their own. */
  visibility?: Visibility;
  /** -fvisibility-inlines-hidden: member functions defined in their class are hidden. */
  inlinesHidden?: boolean;
  /** How `__icc_symbol` demangles (params-prelude.ts); default: a weak reference to __cxa_demangle. */
  demangler?: Demangler;
  /** The restart-point scan, already fed with this text as clang -E wrote it (preprocess.ts). */
  restartScan?: RestartScan;
  /** icc++ checks the object and can compile again: a light core may be the only copy of its body (emit.ts). */
  lightAlone?: boolean;
  /** The command line may turn on warnings about reserved names or C++98 (-Weverything...): the
   *  declarations a light core written alone adds are then quieted, as when the source itself names
   *  such a warning in a pragma (emit.ts). */
  pedantic?: boolean;
  /** The compile writes machine code, not bitcode for -flto: a stub may be a file-scope asm line
   *  (Arch.namedStubs; emit.ts). */
  fileScopeStubs?: boolean;
  /** Light cores (`__icc_light.N`) that get a full core beside them all the same: they failed alone. */
  fullCores?: ReadonlySet<string>;
}

/** A template interceptor: its specializations are learned after a first compile. */
export interface TemplateInterceptor {
  /** The name as a demangler prints it, e.g. `ns::(anonymous namespace)::Logger`. */
  demangledName: string;
  /** The emitter class template to instantiate explicitly, e.g. `::ns::__icc_emit_Logger_1a2b3c4d`. */
  emitter: string;
}

export interface RewriteResult {
  text: string;
  interceptors: number;
  /** How many of them have a light core the object may use (lib/light.ts). */
  lightCores: number;
  /** The light cores with no full core beside them (RewriteOptions.lightAlone). */
  alone: string[];
  templates: TemplateInterceptor[];
  /** Where each interceptor's body ends and how edits moved columns on the user's lines, for
   *  retelling clang's diagnostics. Computed on first use: it needs the whole text's line markers. */
  locations(): { coreEnds: CoreEnd[]; lineEdits: LineEdit[] };
}

const NO_LOCATIONS = (): { coreEnds: CoreEnd[]; lineEdits: LineEdit[] } => ({ coreEnds: [], lineEdits: [] });


const COROUTINE_KEYWORDS = new Set(['co_await', 'co_yield', 'co_return']);
const MENTION = /interceptor|goto\s*->/;
const MAX_DEPTH = 256;
/** Like clang's -ferror-limit default: after this many errors the rest is noise (and time). */
const ERROR_LIMIT = 20;

/** Rewrites every interceptor in `src`; text without interceptors comes back unchanged. */
export function rewriteInterceptors(src: string, options: RewriteOptions): RewriteResult {
  const first = src.search(MENTION);
  if (first < 0) return { text: src, interceptors: 0, lightCores: 0, alone: [], templates: [], locations: NO_LOCATIONS };
  return new Rewriter(src, first, options).run();
}



class Rewriter {
  private readonly ts: TokenStream;
  private readonly map: SourceMap;
  private readonly edits = new EditList();
  private readonly errors: IccError[] = [];
  private readonly templates: TemplateInterceptor[] = [];
  private readonly coreEnds: { offset: number; name: string; start: number; reads: boolean }[] = [];
  private count = 0;
  private readonly emit: EmitContext;

  /** `first`: offset of the first mention of the syntax in `src`. */
  constructor(private readonly src: string, first: number, private readonly options: RewriteOptions) {
    // System headers are most of a translation unit: lex from the last global-scope point before
    // the first mention of the syntax (earlier text can't hold an interceptor).
    const from = first > 0 ? (options.restartScan ?? new RestartScan()).finish(src, first) : 0;
    this.ts = new TokenStream(src, from);
    const pedantic = options.pedantic !== false || /Weverything|Wreserved|Wc\+\+98/.test(src);
    let labels: Map<string, Set<string>> | null | undefined;
    const cSymbol = (name: string, labelled = false): string | undefined => {
      labels ??= asmLabels(src);
      const named = labels?.get(name);
      return labels === null || (named && named.size > 1) ? undefined : named ? [...named][0] : labelled ? undefined : name;
    };
    this.emit = { ts: this.ts, edits: this.edits, options, pedantic, cSymbol, src, lightCores: 0, alone: [], fileAsm: [], params: 0 };
    // Line markers before `from` matter for locations: the map lexes the whole text itself, lazily.
    this.map = new SourceMap(src, options.fileName ?? '<stdin>', from === 0 ? this.ts.all : undefined, options.latin1 ?? false);
  }

  run(): RewriteResult {
    this.walk(0, this.ts.length, [{ kind: 'namespace', name: '', anonymous: false, externC: false, template: false }]);
    if (this.errors.length > 0) throw this.errors.length === 1 ? this.errors[0] : new IccErrors(this.errors);
    if (this.count === 0) return { text: this.src, interceptors: 0, lightCores: 0, alone: [], templates: [], locations: NO_LOCATIONS };
    // The prelude goes after clang's first line marker (which names the main file for the
    // object's FILE symbol and debug info) and is followed by that marker again, which
    // resets line numbering to the user's first line.
    const body = this.edits.apply(this.src);
    const first = /^# 1 "[^\n]*"\n/.exec(body)?.[0] ?? '';
    // A file that names __cxa_demangle itself gets a strong reference from the prelude too (prelude.ts).
    const ownDemangler = this.src.includes('__cxa_demangle');
    // After the last line: the file-scope asm of cores written alone and of named stubs (emit.ts), a line each.
    const lean = this.emit.fileAsm.length > 0 ? `\n# 1 "<icc++ asm>" 3\n${this.emit.fileAsm.join('\n')}\n` : '';
    const text = first + preludeText(this.options.abi, this.emit.params > 0 ? this.options.demangler ?? 'weak' : undefined, this.options.pic ?? false, ownDemangler) + body + lean;
    let located: ReturnType<RewriteResult['locations']> | undefined;
    const locations = (): ReturnType<RewriteResult['locations']> => (located ??= {
      coreEnds: this.coreEnds.map((c) => ({ ...this.map.locate(c.offset), name: c.name, ...(c.reads ? { readsFrom: this.map.locate(c.start).line } : {}) })),
      lineEdits: this.lineEdits(),
    });
    return { text, interceptors: this.count, lightCores: this.emit.lightCores, alone: this.emit.alone, templates: this.templates, locations };
  }

  /** Each edit as a change of columns on one of the user's lines (a removal across lines marks the rest). */
  private lineEdits(): LineEdit[] {
    const out: LineEdit[] = [];
    for (const e of this.edits.list()) {
      const at = this.map.locate(e.start);
      const removed = this.src.slice(e.start, e.end);
      const nl = removed.indexOf('\n');
      out.push({ file: at.file, line: at.line, col: at.col, removed: Buffer.byteLength(nl < 0 ? removed : removed.slice(0, nl), 'latin1'), inserted: e.text.length });
      for (let line = at.line + 1, k = nl; k >= 0; line++, k = removed.indexOf('\n', k + 1)) {
        out.push({ file: at.file, line, col: 1, removed: Infinity, inserted: 0 });
      }
    }
    return out;
  }

  private error(tokenIndex: number, message: string): void {
    if (this.errors.length >= ERROR_LIMIT) return;
    const t = this.ts.toks[Math.min(tokenIndex, this.ts.length - 1)];
    const loc = t ? this.map.locate(t.start) : { file: this.options.fileName ?? '<stdin>', line: 1, col: 1 };
    this.errors.push(new IccError(message, loc));
  }

  /** Walks declarations in [from, to) at namespace, class or linkage-block scope. */
  private walk(from: number, to: number, scopes: Scope[]): void {
    const ts = this.ts;
    const scope = scopes[scopes.length - 1];
    let declStart = from;
    for (let i = from; i < to; i++) {
      const t = ts.text(i);
      if (t === ';') {
        declStart = i + 1;
      } else if (scope.kind === 'class' && /^(public|private|protected)$/.test(t) && ts.isPunct(i + 1, ':')) {
        declStart = i + 2;
        i++;
      } else if (t === '[' && ts.isPunct(i + 1, '[') && ts.match[i] > 0) {
        const close = ts.match[i];
        const item = this.interceptorItem(i + 2, close - 1);
        if (item >= 0) {
          const after = this.interceptor(declStart, i, close, item, scopes);
          i = after - 1;
          declStart = after;
        } else i = close;
      } else if (t === '{') {
        const close = ts.match[i] < 0 ? to : ts.match[i];
        // clang stops at 256 nested brackets; deeper scopes are only checked for stray syntax.
        const inner = scopes.length < MAX_DEPTH ? this.scopeOpenedBy(declStart, i, scope) : undefined;
        if (inner) this.walk(i + 1, close, [...scopes, ...inner]);
        else this.strayCheck(i + 1, close);
        // After any body (namespace, class, function, initializer) the next declaration can start:
        // nothing an interceptor's head needs lies before a closing brace at this level.
        i = close;
        declStart = close + 1;
      } else if (t === '(' || t === '[') {
        if (ts.match[i] > 0) {
          this.strayCheck(i + 1, ts.match[i]);
          i = ts.match[i];
        }
      } else if (t === 'goto' && ts.isPunct(i + 1, '->')) {
        this.error(i, "'goto ->' is only allowed in the body of an [[interceptor]] function");
      }
    }
  }

  /** Which scope(s) a `{` at `open` starts, given the tokens of its declaration; undefined for bodies and initializers. */
  private scopeOpenedBy(start: number, open: number, outer: Scope): Scope[] | undefined {
    const ts = this.ts;
    let i = start;
    const inherit = { externC: outer.externC, template: outer.template, anonymous: false };
    if (ts.isIdent(i, 'inline')) i++;
    if (ts.isIdent(i, 'namespace')) {
      const names: Scope[] = [];
      for (let k = i + 1; k < open; k++) {
        if (ts.isIdent(k) && !ts.isIdent(k, 'inline')) names.push({ kind: 'namespace', name: ts.text(k), ...inherit });
        else if (ts.isPunct(k, '[') && ts.match[k] > 0) k = ts.match[k];
        else if ((ts.isIdent(k, '__attribute__') || ts.isIdent(k, '__attribute')) && ts.match[k + 1] > 0) k = ts.match[k + 1];
      }
      return names.length > 0 ? names : [{ kind: 'namespace', name: '(anonymous namespace)', ...inherit, anonymous: true }];
    }
    if (ts.isIdent(i, 'extern') && ts.toks[i + 1]?.kind === 'string' && i + 2 === open) {
      return [{ kind: 'linkage', name: '', ...inherit, externC: ts.toks[i + 1].text === '"C"' }];
    }
    let template = outer.template;
    if (ts.isIdent(i, 'template') && ts.isPunct(i + 1, '<')) {
      const close = ts.matchAngle(i + 1, open);
      if (close < 0) return undefined;
      template = true;
      i = close + 1;
    }
    const head = this.classHead(i, open);
    if (!head || head.enum) return undefined;
    return [{ kind: 'class', name: head.name, ...inherit, template: template || head.template }];
  }

  /** A class head `class-key attrs name<args> final : bases` ending at `open` (the `{`), if [from, open) is one. */
  private classHead(from: number, open: number): { name: string; template: boolean; enum: boolean } | undefined {
    const ts = this.ts;
    let i = from;
    while (i < open && /^(typedef|extern|static|inline|constexpr|friend)$/.test(ts.text(i))) i++;
    const isEnum = ts.isIdent(i, 'enum');
    if (isEnum) i++;
    if (!/^(class|struct|union)$/.test(ts.text(i)) && !isEnum) return undefined;
    let name = '';
    let template = false;
    for (i++; i < open; i++) {
      const u = ts.text(i);
      if ((ts.isPunct(i, '[') && ts.isPunct(i + 1, '[')) || (/^(alignas|__attribute__|__attribute|__declspec)$/.test(u) && ts.isPunct(i + 1, '('))) {
        i = Math.max(i + (u === '[' ? 0 : 1), ts.match[u === '[' ? i : i + 1]);
        continue;
      }
      if (ts.isIdent(i) && u !== 'final') name = u;
      else if (u === '<') {
        const close = ts.matchAngle(i, open);
        if (close < 0) return undefined;
        template = true;
        i = close;
      } else if (u !== '::') break;
    }
    // What follows the name decides: a body, a base clause, or `final` (anything else is a declarator).
    if (i === open || ts.isPunct(i, ':') || ts.isIdent(i, 'final')) return { name: name || '(anonymous struct)', template, enum: isEnum };
    return undefined;
  }

  /** Inside bodies and initializers: `goto ->` and [[interceptor]] are errors there. */
  private strayCheck(from: number, to: number): void {
    const ts = this.ts;
    for (let i = from; i < to; i++) {
      if (ts.isIdent(i, 'goto') && ts.isPunct(i + 1, '->')) {
        this.error(i, "'goto ->' is only allowed in the body of an [[interceptor]] function");
      } else if (ts.isPunct(i, '[') && ts.isPunct(i + 1, '[') && ts.match[i] > 0 && this.interceptorItem(i + 2, ts.match[i] - 1) >= 0) {
        this.error(i + 2, "'[[interceptor]]' must be on a function definition at namespace or class scope");
        i = ts.match[i];
      }
    }
  }

  /** Index of the `interceptor` attribute in the attribute list [from, to), or -1. */
  private interceptorItem(from: number, to: number): number {
    return attributeIndex(this.ts, from, to, 'interceptor');
  }

  /** Plans the rewrite of one interceptor; returns the token index after its definition. */
  private interceptor(declStart: number, attrOpen: number, attrClose: number, item: number, scopes: Scope[]): number {
    const ts = this.ts;
    const scope = scopes[scopes.length - 1];
    const itemEnd = item + 1;
    if (ts.isPunct(itemEnd, '(')) {
      this.error(item, "'interceptor' attribute takes no arguments");
      return this.skipDeclaration(attrClose + 1);
    }
    for (let k = declStart; k < attrOpen; k++) {
      if (ts.isIdent(k, 'template') && ts.isPunct(k + 1, '<')) k = Math.max(k, ts.matchAngle(k + 1, attrOpen));
      else if (ts.isPunct(k, '=')) {
        this.error(item, "'[[interceptor]]' applies only to function definitions, not to lambdas or variables");
        return this.skipDeclaration(attrClose + 1);
      }
    }
    let body = -1;
    for (let i = attrClose + 1; i < ts.length; i++) {
      const t = ts.text(i);
      if (t === '(' || t === '[') { i = Math.max(i, ts.match[i]); continue; }
      if (t === '{' || t === ';' || t === '=' || t === 'try' || (t === ':' && scope.kind === 'class')) { body = i; break; }
    }
    const what = body < 0 ? '' : ts.text(body);
    if (what !== '{') {
      const kind = what === ';' ? 'a declaration without a body' : what === '=' ? 'a variable or a defaulted/deleted function' : 'this declaration';
      this.error(item, `'[[interceptor]]' applies only to function definitions, not to ${kind}`);
      return this.skipDeclaration(attrClose + 1);
    }
    const removedStart = ts.isPunct(item - 1, ',') ? item - 1 : item;
    const onlyItem = attrClose - 1 - attrOpen - 2 === 1;
    const removed = (k: number): boolean => (onlyItem ? k >= attrOpen && k <= attrClose : k >= removedStart && k < itemEnd + (removedStart === item && ts.isPunct(itemEnd, ',') ? 1 : 0));
    if (ts.match[body] < 0) {
      this.error(body, "expected '}' at the end of this interceptor's body");
      return ts.length;
    }
    const close = ts.match[body];
    if (this.isClassHead(declStart, body, attrOpen, attrClose)) {
      this.error(item, "'[[interceptor]]' applies only to functions, not to classes");
      return close + 1;
    }
    for (let k = declStart; k < body; k++) {
      if (ts.toks[k].text.includes('\n')) {
        this.error(k, "a literal spanning lines can't appear in an interceptor's declaration");
        return close + 1;
      }
      if (k !== attrOpen && ts.isPunct(k, '[') && ts.isPunct(k + 1, '[') && ts.match[k] > k && this.interceptorItem(k + 2, ts.match[k] - 1) >= 0) {
        this.error(k + 2, "'interceptor' attribute appears more than once in this declaration");
        return close + 1;
      }
    }
    if (this.interceptorItem(item + 1, attrClose - 1) >= 0 || this.interceptorItem(item + 2, attrClose - 1) >= 0) {
      this.error(item, "'interceptor' attribute appears more than once in this declaration");
      return close + 1;
    }
    const head = parseHead(ts, declStart, body, removed);
    if (typeof head === 'string') {
      this.error(item, head);
      return close + 1;
    }
    const problem = this.unsupported(head, scope, scopes, body, close);
    if (problem) {
      this.error(problem[0], problem[1]);
      return close + 1;
    }
    const jumps = checkBody(ts, body, close, head.idStart, (at, message) => this.error(at, message));
    if (!jumps) return close + 1;

    this.count++;
    if (head.qualified) {
      // `void S::f() {…}`: S already declares f, and a member can't be redeclared outside
      // its class, so the head goes (its newlines stay) and only the core and emitter remain.
      this.edits.remove(ts.toks[declStart].start, ts.toks[body].start);
    } else if (onlyItem) this.edits.remove(ts.toks[attrOpen].start, ts.toks[attrClose].end);
    else for (let k = attrOpen; k <= attrClose; k++) if (removed(k)) this.edits.remove(ts.toks[k].start, ts.toks[k].end);
    const plan = planParams(ts, head, body, close);
    if (plan.reads && !archForAbi(this.options.abi).params) {
      this.error(body, `an interceptor's body can't read its parameters yet for this target (${this.options.abi}); it can on x86-64 Linux and Windows`);
      return close + 1;
    }
    const unreadable = plan.reads ? unreadableConvention(head.pointerType) : undefined;
    if (unreadable) {
      this.error(body, `the body of interceptor '${head.name}' can't read its parameters: ${unreadable}; read them in a function it calls, or declare them unnamed`);
      return close + 1;
    }
    const template = emitInterceptor(this.emit, head, scopes, body, close, jumps, plan);
    if (template) this.templates.push(template);
    this.coreEnds.push({ offset: ts.toks[close].start, name: head.idText, start: ts.toks[body].start, reads: plan.reads });
    return close + 1;
  }

  private skipDeclaration(from: number): number {
    for (let i = from; i < this.ts.length; i++) {
      if (this.ts.isPunct(i, ';')) return i + 1;
      if (this.ts.isPunct(i, '{') || this.ts.isPunct(i, '(') || this.ts.isPunct(i, '[')) {
        if (this.ts.match[i] < 0) return this.ts.length;
        if (this.ts.isPunct(i, '{')) return this.ts.match[i] + 1;
        i = this.ts.match[i];
      }
    }
    return this.ts.length;
  }

  private isClassHead(start: number, open: number, attrOpen: number, attrClose: number): boolean {
    let from = start;
    if (this.ts.isIdent(from, 'template') && this.ts.isPunct(from + 1, '<')) from = Math.max(from, this.ts.matchAngle(from + 1, open)) + 1;
    if (from === attrOpen) from = attrClose + 1;
    return this.classHead(from, open) !== undefined;
  }

  /** Forms not supported yet (or never): [token index, message]. */
  private unsupported(head: FunctionHead, scope: Scope, scopes: Scope[], body: number, close: number): [number, string] | undefined {
    const id = head.idStart;
    const name = head.name;
    if (head.qualified && scope.kind === 'class') return [id, `a qualified name ('${head.idText}') can't be defined inside a class`];
    if (head.qualified && /<[^:]*>::/.test(head.idText)) return [id, 'interceptors in class templates are not supported yet'];
    for (const s of ['constexpr', 'consteval', 'virtual', 'friend', 'explicit']) {
      if (head.specs.has(s)) return [id, `a ${s} function can't be an interceptor`];
    }
    if (scope.kind === 'class') {
      if (name === scope.name || name.startsWith('~')) return [id, "constructors and destructors can't be interceptors"];
      if (!head.specs.has('static')) return [id, `non-static member function '${name}' can't be an interceptor; declare it static (the trampoline forwards 'this' like any other argument register)`];
    }
    if (scopes.some((s) => s.kind === 'class' && s.template)) return [id, 'interceptors in class templates are not supported yet'];
    if (name.startsWith('operator')) return [id, 'operator functions can\'t be interceptors yet'];
    if (head.deducedReturn) return [id, `interceptor '${name}' needs a declared return type (its callers see the target's return value); 'auto' can't be deduced from 'goto ->'`];
    for (let i = body; i < close; i++) {
      if (COROUTINE_KEYWORDS.has(this.ts.toks[i].text)) return [i, "a coroutine can't be an interceptor"];
    }
    return undefined;
  }
}

/** Words followed by a parenthesized list before a declarator's name: never the function's name. */
const NOT_A_NAME = new Set(['__attribute__', '__attribute', '__declspec', 'alignas', '_Alignas', 'decltype', '__typeof__', '__typeof', 'typeof', 'noexcept', 'throw', 'sizeof', 'alignof', '__alignof__', '_Pragma']);

/** The asm labels the text gives functions (`void f(int) __asm__("g");`), by name: what an extern "C"
 *  function's symbol is when not its name. null when the text may rename symbols otherwise
 *  (`#pragma redefine_extname`). A declaration this misses would give the light core written alone
 *  the wrong name: the pattern takes any parameter list without `;`, `{`, `}` or a string. */
export function asmLabels(text: string): Map<string, Set<string>> | null {
  if (text.includes('redefine_extname')) return null;
  const labels = new Map<string, Set<string>>();
  const declaration = /\b([A-Za-z_]\w*)\s*\([^;{}"]*?\)\s*(?:(?:noexcept|throw\s*\(\s*\)|__attribute__\s*\(\([^;{}"]*?\)\))\s*)*(?:__asm__|__asm|asm)\s*\(\s*"((?:[^"\\]|\\.)*)"\s*\)/g;
  for (let m = declaration.exec(text); m; m = declaration.exec(text)) {
    // `__attribute__((cdecl)) f(int) asm("g")` matched from the attribute: look again after its name.
    if (NOT_A_NAME.has(m[1])) {
      declaration.lastIndex = m.index + m[1].length;
      continue;
    }
    const set = labels.get(m[1]) ?? new Set<string>();
    set.add(m[2]);
    labels.set(m[1], set);
  }
  return labels;
}
