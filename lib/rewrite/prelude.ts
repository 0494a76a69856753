// The C++ support code put at the top of every rewritten translation unit:
// target conversion for `goto ->`, the null-target report, and the asm macros.
// It sits under a line marker with flag 3 (system header) so no user warning
// flag (even -Weverything) fires inside it.

import { archForAbi } from '../arch/index.js';
import { macroDefinitions, type Abi } from '../trampoline.js';
import { paramsSupport, type Demangler } from './params-prelude.js';

// Everything but the stderr writer (lib/arch/) is the same for every ABI. The prelude
// includes no header: it must compile wherever plain clang compiles the
// user's code, before or after any <windows.h>, <io.h> or <unistd.h>.
const head = `
namespace __icc __attribute__((visibility("hidden"))) {
typedef void (*target_t)();
/* A light core's tail jump (lib/rewrite/emit.ts): the same type on both sides, as musttail needs. It returns
   an empty struct, which takes no register on x86-64: a light core holding the body itself is then a
   non-void function, so -Wreturn-type still finds a body that can reach its end. */
struct tail {};
typedef __attribute__((preserve_all)) tail (*light_t)();
template <class T> struct is_pointer { enum { value = 0 }; };
template <class T> struct is_pointer<T*> { enum { value = 1 }; };
template <bool B, class T> struct enable_if {};
template <class T> struct enable_if<true, T> { typedef T type; };
template <class T> __attribute__((always_inline)) inline typename enable_if<is_pointer<T>::value, target_t>::type to_target(T p) noexcept { return (target_t)(p); }
__attribute__((always_inline)) inline target_t to_target(decltype(nullptr)) noexcept { return nullptr; }
`;
// Where light cores may be written alone (Arch.leanEntry; lib/rewrite/emit.ts): the entry lib/light.ts
// reads to define a public symbol.
const leanSupport = `
struct lean_entry { target_t symbol; unsigned long core; target_t address; };
`;
// The null-target report demangles through a weak reference, on ELF only: on COFF a weak reference
// makes the user's own references to __cxa_demangle in the file weak too (lib/pipeline.ts). On ELF
// too, a weak declaration makes the whole file's reference weak, which a static link doesn't resolve
// from an archive (libstdc++.a): a file that names __cxa_demangle itself gets a strong one (it links
// the demangler in anyway).
const demangleDeclaration = (weak: boolean): string =>
  `char *demangle(const char *, char *, __SIZE_TYPE__ *, int *) __asm__("__cxa_demangle") __attribute__((${weak ? 'weak, ' : ''}visibility("default")));`;

const tail = `
}
extern "C" __attribute__((used, visibility("hidden"), noinline, cold, noreturn)) inline void
__icc_null_target(const char *symbol) noexcept {
  int status = -1;
  char *name = DEMANGLE;
  __icc::write_stderr("icc++: interceptor '");
  __icc::write_stderr(status == 0 && name ? name : symbol);
  __icc::write_stderr("' returned a null target\\n");
  __builtin_abort();
}
`;

/** The text inserted before the first line of the preprocessed source (ends with a newline); with
 *  `params` (how to demangle), the support of interceptors that read their parameters (lib/rewrite/params.ts);
 *  `pic`: the code may end up in a shared object; `ownDemangler`: the file names __cxa_demangle itself. */
export function preludeText(abi: Abi, params?: Demangler, pic = false, ownDemangler = false): string {
  // No weak reference on COFF: lld leaves a weak external at address 0 (lib/pipeline.ts, demanglerFor).
  const coff = archForAbi(abi).format === 'coff';
  const ends = tail.replace('DEMANGLE', coff ? 'nullptr' : '__icc::demangle ? __icc::demangle(symbol, nullptr, nullptr, &status) : nullptr');
  const body = (head + (archForAbi(abi).leanEntry ? leanSupport : '') + (coff ? '' : demangleDeclaration(!ownDemangler) + '\n') + archForAbi(abi).stderrWriter + (params ? paramsSupport(abi, params) : '') + ends).trim().split('\n').map((l) => l.trim()).filter((l) => l !== '').join(' ');
  return `# 1 "<icc++ prelude>" 3\n${body}\n${macroDefinitions(abi, params !== undefined, pic)}\n`;
}

/** The text appended after the last line: explicit instantiations of template emitters. */
export function instantiationsText(lines: string[]): string {
  if (lines.length === 0) return '';
  return `\n# 1 "<icc++ instantiations>" 3\n${lines.join('\n')}\n`;
}
