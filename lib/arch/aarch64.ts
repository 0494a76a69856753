// AArch64 (AAPCS64) on ELF: Linux (asm/aarch64.S). The core keeps the default
// convention: it preserves x19-x29 and d8-d15 itself, and the trampoline saves
// every register that can carry an argument.

import { selectLightPaths } from './aarch64-light.js';
import { cString, type Arch } from './arch.js';

export const aapcs64: Arch = {
  abi: 'aapcs64',
  format: 'elf',
  asmFiles: ['aarch64.S'],
  coreAttributes: [],
  symbolConstraint: 'S',
  lightCores: false,
  namedStubs: 'c-names',
  // No replay thunk yet: interceptors that read their parameters are refused here (lib/rewrite/interceptors.ts).
  params: false,
  definitions: (macros) => `__asm__(${cString(macros + '\nicc_aapcs64_trampoline\n')});`,
  // bti c is always there (a hint: a no-op where BTI is off), so -mbranch-protection needs no parameter.
  stubInvocation: (stub) => cString(`icc_aapcs64_stub %c0, %c1, ${stub.binding}, ${stub.comdat ? 'comdat' : 'none'}, ${stub.visibility}`),
  // Linux: the write system call (64 on AArch64), so no libc declaration can clash.
  stderrWriter: `
inline void write_stderr(const char *s) noexcept {
  register long x0 __asm__("x0") = 2;
  register const char *x1 __asm__("x1") = s;
  register long x2 __asm__("x2") = (long)__builtin_strlen(s);
  register long x8 __asm__("x8") = 64;
  __asm__ volatile("svc #0" : "+r"(x0) : "r"(x1), "r"(x2), "r"(x8) : "memory");
}
`,
  // No second core: the light trampoline calls the same core, checked in the object (aarch64-light.ts).
  selectLightPaths: (object) => selectLightPaths(object),
};
