// The rewriter on preprocessed text: what it changes, what it must leave
// alone, that it never moves a line, and the errors it reports.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { IccError, IccErrors } from '../../lib/diagnostics.js';
import { asmLabels, rewriteInterceptors } from '../../lib/rewrite/interceptors.js';

const test = suite('rewrite');
const opts = { abi: 'sysv' as const, cet: false, fileName: 'x.cpp' };
const lines = (s: string): number => s.split('\n').length;
/** The user's part of the output: the prelude sits between two copies of the input's first line marker. */
/** The user's lines as rewritten: after the prelude, before the lean cores' asm (emit.ts). */
const userPart = (out: string): string => out.slice(out.lastIndexOf('# 1 "x.cpp"')).split('\n# 1 "<icc++ asm>" 3\n')[0];

function errorsOf(src: string): string[] {
  try {
    rewriteInterceptors(src, opts);
  } catch (e) {
    if (e instanceof IccErrors) return e.errors.map((x) => x.format());
    if (e instanceof IccError) return [e.format()];
    throw e;
  }
  return [];
}

test('text without interceptors comes back byte for byte', () => {
  const src = '# 1 "x.cpp"\nint main() { goto done; done: return 0; }\nconst char *s = "[[interceptor]] goto -> x";\n';
  const r = rewriteInterceptors(src, opts);
  assert.is(r.text, src);
  assert.is(r.interceptors, 0);
});

test('mentions in strings, raw strings and comments are not interceptors', () => {
  const src = '# 1 "x.cpp"\nconst char *a = R"x([[interceptor]] void f() { goto -> g; })x";\n/* [[interceptor]] */ // goto -> x;\nchar c = \'[\';\n';
  assert.is(rewriteInterceptors(src, opts).text, src);
});

test('an interceptor becomes a declaration, a core and a light core that defines the stub, on the same lines', () => {
  const src = '# 1 "x.cpp"\nnamespace ns {\n[[interceptor]] void Logger(void)\n{\n  puts("hi");\n  goto -> dlsym(h,\n     "f");\n}\n}\n';
  const r = rewriteInterceptors(src, opts);
  assert.is(r.interceptors, 1);
  const user = userPart(r.text);
  assert.is(lines(user), lines(src), 'same number of lines');
  const out = user.split('\n');
  assert.is(out[2], ' void Logger(void)', 'attribute removed');
  assert.match(out[3], /^; .*::__icc::target_t __core_Logger\(\).*\{$/, 'the declaration ends where the body began; the core takes the body');
  assert.match(out[4], /puts\("hi"\)/, 'the body stays on its line');
  assert.match(out[5], /return ::__icc::to_target\(\( dlsym\(h,$/, 'goto -> becomes a return of the target, one expression');
  assert.match(out[6], /"f"\)\)\);/);
  assert.match(out[7], /^\}.*\{ __asm__\("icc_sysv_stub %c0, %c1, globl, none, 0, default, %c2" : : "s"\(static_cast<void \(\*\) \( void \)>\(&Logger\)\)/, "the light core's first asm defines the stub, naming the symbol by its type");
  assert.match(out[7], /__asm__\("icc_sysv_light %c1, %0" : "\+r"\(__r\) : "s"\(static_cast<void \(\*\) \( void \)>\(&Logger\)\) : "cc"\)/, 'its tail swaps a null target');
  assert.not.match(out[7], /__icc_emit_/, 'no emitter function beside a light core');
  assert.ok(r.text.startsWith('# 1 "x.cpp"\n# 1 "<icc++ prelude>" 3\n'), 'the main file is named first; the prelude is a system header');
});

test('an extern "C" full core: its stub is a file-scope asm line naming the core by its asm label, where the compile writes machine code', () => {
  const src = '# 1 "x.cpp"\nextern "C" {\nvoid *real_f;\n[[interceptor]] void f(void)\n{\n  goto -> real_f;\n}\nstatic void g(void) __asm__("g_sym");\n[[interceptor]] static void g(void) { if (real_f) goto -> real_f; else goto -> nullptr; }\n}\n';
  const ms = { ...opts, abi: 'ms' as const, pedantic: false };
  const r = rewriteInterceptors(src, { ...ms, fileScopeStubs: true });
  const user = userPart(r.text);
  assert.is(lines(user), lines(src), 'same number of lines');
  const out = user.split('\n');
  assert.match(out[4], /^; extern "C\+\+" \{ static __attribute__\(\(ms_abi, used\)\) ::__icc::target_t __core_f\(\) __asm__\("__icc_core\.f"\); static __attribute__\(\(ms_abi, used\)\) ::__icc::target_t __core_f\(\) \{$/, 'a static core, declared with its label, then defined');
  assert.match(out[6], /^\} \}$/, 'no -Wreturn-type pragmas after a last goto ->');
  assert.match(out[8], /__asm__\("__icc_core\.g_sym"\); .*_Pragma\("clang diagnostic error \\"-Wreturn-type\\""\) \{ if/, 'the asm label names the core after the public symbol; a body that ends otherwise keeps the check');
  assert.not.match(user, /__icc_emit_|ignored \\"-W(reserved-identifier|missing-prototypes|unused-function)/, 'no emitter function; the core needs no warning quieted');
  assert.match(r.text, /\n# 1 "<icc\+\+ asm>" 3\n__asm__\("icc_ms_stub f, __icc_core\.f, globl, none, 0, 0"\);\n__asm__\("icc_ms_stub g_sym, __icc_core\.g_sym, local, none, 0, 0"\);\n$/, 'the stubs, at file scope');
  assert.match(rewriteInterceptors(src, { ...ms, fileScopeStubs: true, pedantic: true }).text, /_Pragma\("clang diagnostic ignored \\"-Wreserved-identifier\\""\)[^\n]* extern "C\+\+" \{ static/, 'quieted where such warnings may be on');
  assert.match(rewriteInterceptors(src, ms).text, /__icc_emit_f/, 'an emitter function under -flto');
  assert.match(rewriteInterceptors(src.replace(/extern "C" \{/, 'namespace n {'), { ...ms, fileScopeStubs: true }).text, /__icc_emit_f/, 'and for a C++ function, whose symbol the rewriter does not know');
});

test('a body with no call syntax is written in its light core alone, where icc++ checks the object', () => {
  const src = '# 1 "x.cpp"\nvoid *p;\n[[interceptor]] void Cached(void)\n{\n  if (p)\n    goto -> p;\n  goto -> static_cast<void *>(nullptr);\n}\n';
  const alone = rewriteInterceptors(src, { ...opts, lightAlone: true });
  assert.equal(alone.alone, ['__icc_light.0']);
  const out = userPart(alone.text).split('\n');
  assert.is(lines(userPart(alone.text)), lines(src), 'same number of lines');
  assert.not.match(alone.text, /__core_Cached/, 'no full core');
  assert.match(out[3], /^; .*::__icc::lean_entry __icc_light_0_lean .*section\("\.icc_lean\.default"\).*static_cast<void \(\*\) \( void \)>\(&Cached\)\), 0, nullptr \}; .*::__icc::tail __icc_light_0\(\) \{ register ::__icc::light_t __icc_r __asm__\("r11"\);/, 'the light core takes the body, after what defines the public symbol at it');
  assert.not.match(userPart(alone.text), /icc_sysv_stub|icc_sysv_light/, 'no asm statement of its own');
  assert.match(out[5], /\{ __icc_r = reinterpret_cast< ::__icc::light_t>\(reinterpret_cast<unsigned long>\(sizeof\(char\) \? \( p\) : nullptr\)\); __asm__\("" : "\+r"\(__icc_r\)\); __attribute__\(\(musttail\)\) return __icc_r\(\); \}$/, 'goto -> is the tail jump, in place');
  assert.match(out[7], /^\} \}$/, 'the body is a block of the light core');
  assert.not.match(userPart(alone.text), /Wreturn-type/, 'a body whose last statement is goto -> never reaches its end: no -Wreturn-type pragma');
  const branches = userPart(rewriteInterceptors(src.replace('  goto -> static', '  else goto -> static'), { ...opts, lightAlone: true }).text).split('\n');
  assert.match(branches[3], /_Pragma\("clang diagnostic push"\) _Pragma\("clang diagnostic error \\"-Wreturn-type\\""\) \{$/, 'one that ends in another statement: -Wreturn-type is an error in it');
  assert.match(branches[7], /^\} \} _Pragma\("clang diagnostic pop"\)$/);
  assert.match(alone.text, /\n# 1 "<icc\+\+ asm>" 3\n__asm__\("icc_sysv_lean __icc_light\.0, \\"Cached\(\)\\""\);\n$/, 'its null report and check, at file scope');
  const both = rewriteInterceptors(src, { ...opts, lightAlone: true, fullCores: new Set(['__icc_light.0']) });
  assert.equal(both.alone, []);
  assert.match(both.text, /__core_Cached\(\)/, 'a light core that failed alone gets its full core');
  assert.equal(rewriteInterceptors(src, opts).alone, [], 'not where the object is not checked');
  const calls = rewriteInterceptors(src.replace('if (p)', 'if (check())'), { ...opts, lightAlone: true });
  assert.equal(calls.alone, [], 'call syntax: both copies at once');
  const casts = rewriteInterceptors(src.replace('if (p)', 'if (sizeof(int) > 2 && reinterpret_cast<long>(p) > 0 && __builtin_expect(p != nullptr, 1))'), { ...opts, lightAlone: true });
  assert.equal(casts.alone, ['__icc_light.0'], 'casts, sizeof and builtins are not calls');
});

test('a light core written alone: the null report names the interceptor as the source does, an extern "C" one by its symbol', () => {
  const lean = (src: string): string => /icc_sysv_lean __icc_light\.0, (.*)"\);$/m.exec(rewriteInterceptors(src, { ...opts, lightAlone: true }).text)?.[1] ?? 'none';
  assert.is(lean('# 1 "x.cpp"\nvoid *p;\nnamespace ns { [[interceptor]] void Quiet(int n, const char *s = "x", unsigned long) { goto -> p; } }\n'), '\\"ns::Quiet(int, const char*, unsigned long)\\"');
  assert.is(lean('# 1 "x.cpp"\nvoid *p;\nextern "C" void f(void) __asm__("g");\nextern "C" [[interceptor]] void f(void) { goto -> p; }\n'), '\\"g\\", \\"g\\", globl, default', 'its asm label is its symbol, defined by the asm line');
  assert.is(lean('# 1 "x.cpp"\nvoid *p;\nextern "C" { [[interceptor]] static int h(int) { goto -> p; } }\n'), '\\"h\\", \\"h\\", local, default', 'a static one too');
  assert.is(lean('# 1 "x.cpp"\nvoid *p;\n[[interceptor]] int k(int) { goto -> p; }\n'), '\\"k(int)\\"', 'C++: no symbol in the asm (an entry names it)');
});

test('asm labels are read from declarations, however their parameters are written', () => {
  const labels = asmLabels('extern "C" void f(void (*cb)(int (*)(char))) noexcept __attribute__((nonnull)) __asm__("f2");\nint g(int) asm ("g2");\nint g(int) asm("g3");\nvoid h(void);\ncall(x); s = "asm(\\"no\\")";\n');
  assert.equal(labels?.get('f'), new Set(['f2']));
  assert.equal(labels?.get('g'), new Set(['g2', 'g3']), 'two labels: neither is trusted');
  assert.is(labels?.get('h'), undefined);
  assert.is(labels?.get('call'), undefined);
  assert.is(asmLabels('#pragma redefine_extname f g\n'), null, 'a pragma may rename any symbol');
  const attributed = asmLabels('int __attribute__((__cdecl__)) Sum(int, int) __asm__("sum_hook");\n__declspec(dllexport) __attribute__((noinline)) int Two(int) asm("two_hook");\n');
  assert.equal([...(attributed?.entries() ?? [])], [['Sum', new Set(['sum_hook'])], ['Two', new Set(['two_hook'])]], 'attributes before the name (a calling convention) are not the name');
});

test('overloads get distinct, stable core names', () => {
  const src = '# 1 "x.cpp"\n[[interceptor]] int f(int) { goto -> p; }\n[[interceptor]] int f(double) { goto -> p; }\n';
  const a = rewriteInterceptors(src, opts).text;
  const cores = [...a.matchAll(/__core_f_[0-9a-f]{8}\(\)/g)].map((m) => m[0]);
  assert.is(new Set(cores).size, 2);
  assert.is(rewriteInterceptors(src, opts).text, a, 'deterministic (headers included by several TUs)');
});

test('default arguments stay in the declaration but not in the cast type', () => {
  const src = '# 1 "x.cpp"\n[[interceptor]] int f(int a = 1, long b = sizeof(int)) { goto -> p; }\n';
  const out = rewriteInterceptors(src, opts).text;
  assert.match(out, /int f\(int a = 1, long b = sizeof\(int\)\) ;/);
  assert.match(out, /static_cast<int \(\*\) \( int a , long b \)>/);
});

test('bindings: static is local, inline and templates are weak COMDAT, extern "C" keeps its name', () => {
  const out = (s: string): string => rewriteInterceptors('# 1 "x.cpp"\n' + s + '\n', opts).text;
  assert.match(out('[[interceptor]] static void f() { goto -> p; }'), /local, none/);
  assert.match(out('[[interceptor]] inline void f() { goto -> p; }'), /weak, comdat/);
  assert.match(out('namespace { [[interceptor]] void f() { goto -> p; } }'), /local, none/);
  const t = rewriteInterceptors('# 1 "x.cpp"\nnamespace a { template <class T, int... N> [[interceptor]] T g(T) { goto -> p; } }\n', opts);
  assert.match(t.text, /struct __icc_emit_g_[0-9a-f]{8} \{.*&g<T, N\.\.\.>/);
  assert.equal(t.templates.map((x) => x.demangledName), ['a::g']);
  assert.match(out('extern "C" [[interceptor]] int open(const char *, int, ...) { goto -> p; }'), /extern "C" +int open\(const char \*, int, \.\.\.\) ;/);
  assert.match(out('struct S { [[interceptor]] static int m(int) { goto -> p; } };'), /weak, comdat.*&m\)/);
});

test('[[nodiscard, interceptor]] keeps the other attribute', () => {
  const out = rewriteInterceptors('# 1 "x.cpp"\n[[nodiscard, interceptor]] int f() { goto -> p; }\n', opts).text;
  assert.match(out, /\[\[nodiscard \]\] int f\(\) ;/);
});

test('errors point at the original file and line', () => {
  const src = '# 1 "x.cpp"\nint a;\n# 10 "inc/h.h" 1\nvoid g() { goto -> p; }\n';
  assert.equal(errorsOf(src), ["inc/h.h:10:12: error: 'goto ->' is only allowed in the body of an [[interceptor]] function"]);
});

test('malformed interceptors are reported, all of them', () => {
  const src = [
    '# 1 "x.cpp"',
    '[[interceptor]] void decl();',
    '[[interceptor]] int var = 1;',
    '[[interceptor(3)]] void args() { goto -> p; }',
    '[[interceptor]] void empty() { goto -> ; }',
    '[[interceptor]] void none() { puts("x"); }',
    '[[interceptor]] void ret() { return; }',
    'struct S { [[interceptor]] void m() { goto -> p; } };',
    '',
  ].join('\n');
  const errors = errorsOf(src);
  assert.equal(errors, [
    "x.cpp:1:3: error: '[[interceptor]]' applies only to function definitions, not to a declaration without a body",
    "x.cpp:2:3: error: '[[interceptor]]' applies only to function definitions, not to a variable or a defaulted/deleted function",
    "x.cpp:3:3: error: 'interceptor' attribute takes no arguments",
    "x.cpp:4:37: error: expected a jump target after 'goto ->'",
    "x.cpp:5:22: error: interceptor 'none' never reaches 'goto -> target;'",
    "x.cpp:6:30: error: 'return' is not allowed in an interceptor; leave it with 'goto -> target;'",
    "x.cpp:7:33: error: non-static member function 'm' can't be an interceptor; declare it static (the trampoline forwards 'this' like any other argument register)",
  ]);
});

test.run();
