// 32-bit x86 (asm/i386-*.S): one trampoline for callers of every 32-bit
// convention (cdecl, stdcall, fastcall, thiscall, vectorcall, regparm). The
// core is cdecl with no arguments: like any convention, it preserves ebx esi
// edi ebp itself, and the trampoline saves eax ecx edx and vector registers 0-5.

import { cString, type Arch, type StubOptions } from './arch.js';
import { selectLightPaths } from './i386-light.js';

/** How the trampoline reaches the target (asm/i386-common.S): through the stub's thread-local slot in
 *  code for an executable (local-exec TLS), by returning into it in code for a shared object. */
const exitFor = (pic: boolean | undefined): 'tls' | 'ret' => (pic ? 'ret' : 'tls');

function stubInvocation(stub: StubOptions): string {
  return cString(`icc_i386_sysv_stub %c0, %c1, ${stub.binding}, ${stub.comdat ? 'comdat' : 'none'}, ${stub.cet ? 1 : 0}, ${stub.visibility}, ${exitFor(stub.pic)}`);
}

/** i386 System V on ELF (Linux: -m32, i686-linux-gnu). */
export const i386sysv: Arch = {
  abi: 'i386_sysv',
  asmFiles: ['i386-common.S', 'i386-sysv.S'],
  // Explicit, so -mrtd (stdcall by default) can't change what the trampoline calls.
  coreAttributes: ['cdecl'],
  symbolConstraint: 's',
  // No separate light core: lib/arch/i386-light.ts checks the core itself after the compile.
  lightCores: false,
  // No replay thunk yet: interceptors that read their parameters are refused here (lib/rewrite/interceptors.ts).
  params: false,
  definitions: (macros, _replay, pic) => `__asm__(${cString(macros + `\nicc_i386_sysv_trampoline ${exitFor(pic)}\n`)});`,
  stubInvocation,
  // Linux: the write system call (int $0x80, number 4), so no libc declaration can clash.
  stderrWriter: `
inline void write_stderr(const char *s) noexcept {
  long r;
  __asm__ volatile("int $0x80" : "=a"(r) : "0"(4L), "b"(2L), "c"(s), "d"(__builtin_strlen(s)) : "memory");
}
`,
  selectLightPaths: (object) => selectLightPaths(object),
};
