// Which interceptors read their parameters, and the read-only parameter list
// their body is compiled with (lib/rewrite/params.ts).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseHead, type FunctionHead } from '../../lib/rewrite/declaration.js';
import { constParamList, declaredParams, planParams } from '../../lib/rewrite/params.js';
import { TokenStream } from '../../lib/rewrite/tokens.js';

const test = suite('params');

/** The head and body of the one function definition in `src`. */
function parse(src: string): { ts: TokenStream; head: FunctionHead; open: number; close: number } {
  const ts = new TokenStream(src);
  let open = 0;
  while (!ts.isPunct(open, '{') || ts.isPunct(open - 1, '=')) open++;
  const head = parseHead(ts, 0, open, () => false);
  if (typeof head === 'string') throw new Error(head);
  return { ts, head, open, close: ts.match[open] };
}
const names = (src: string): string[] => {
  const { ts, head } = parse(src);
  return declaredParams(ts, head).map((p) => p.name);
};

test('named parameters, and unnamed ones told apart from their types', () => {
  assert.equal(names('int f(int a, double b) {}'), ['a', 'b']);
  assert.equal(names('int f(int, const Foo &, std::string, struct S, Foo<int>, Foo const *) {}'), []);
  assert.equal(names('int f(const Foo &x, std::vector<int> v, struct S s, unsigned long long n) {}'), ['x', 'v', 's', 'n']);
  assert.equal(names('int f(void (*cb)(int, char), int (&arr)[3], int a = g(1, 2), ...) {}'), ['cb', 'arr', 'a']);
  assert.equal(names('template <class... T> int f(T... rest) {}'), ['rest']);
});

test('the parameter list of __params_X: const before each name, defaults gone, references and packs as written', () => {
  const list = (src: string): string => {
    const { ts, head } = parse(src);
    return constParamList(ts, head, declaredParams(ts, head));
  };
  assert.is(list('int f(int a, double *p = nullptr, const Foo &r, void (*cb)(int)) {}'), '( int const a , double * const p , const Foo & r , void ( * const cb ) ( int ) )');
  assert.is(list('int f(int a = sizeof(int), long b = T<1, 2>::v, ...) {}'), '( int const a , long const b , ... )');
  assert.is(list('template <class... T> int f(T &&...xs) {}'), '( T && ... xs )');
});

test('a body reads its parameters when it names one, starts a va_list or names its symbol', () => {
  const reads = (src: string): boolean => {
    const { ts, head, open, close } = parse(src);
    return planParams(ts, head, open, close).reads;
  };
  assert.ok(reads('int f(int a) { g(a); goto -> p; }'));
  assert.ok(reads('int f(const char *fmt, ...) { va_list ap; __builtin_va_start(ap, fmt); goto -> p; }'));
  assert.ok(reads('int f(int) { puts(__icc_symbol); goto -> p; }'));
  assert.ok(reads('int f() { puts(__icc_mangled); goto -> p; }'));
  assert.not.ok(reads('int f(int a) { s.a = 1; p->a = 2; S::a(); goto -> p; }'), 'members and qualified names named like a parameter');
  assert.not.ok(reads('int f(int) { puts(__func__); goto -> p; }'), '__func__ needs no parameter');
  assert.not.ok(reads('int f(int, double) { count(); goto -> p; }'));
});

test.run();
