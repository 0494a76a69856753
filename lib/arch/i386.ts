// 32-bit x86 (asm/i386-*.S): one trampoline for callers of every 32-bit
// convention (cdecl, stdcall, fastcall, thiscall, vectorcall, regparm). The
// core is cdecl with no arguments: like any convention, it preserves ebx esi
// edi ebp itself, and the trampoline saves eax ecx edx and vector registers 0-5.
// ELF (Linux) and COFF (Windows: mingw and MSVC) differ in sections, names,
// exports and unwinding, and in how the light-path check reads the object
// (i386-light.ts for ELF, i386-coff-light.ts for COFF).

import { cString, type Arch, type StubOptions } from './arch.js';
import { selectLightPaths } from './i386-light.js';
import { selectLightPaths as selectCoffLightPaths } from './i386-coff-light.js';

/** How the trampoline reaches the target (asm/i386-common.S): through the stub's thread-local slot in
 *  code for an executable (local-exec TLS), by returning into it in code for a shared object. */
const exitFor = (pic: boolean | undefined): 'tls' | 'ret' => (pic ? 'ret' : 'tls');

function stubInvocation(stub: StubOptions): string {
  return cString(`icc_i386_sysv_stub %c0, %c1, ${stub.binding}, ${stub.comdat ? 'comdat' : 'none'}, ${stub.cet ? 1 : 0}, ${stub.visibility}, ${exitFor(stub.pic)}`);
}

/** i386 System V on ELF (Linux: -m32, i686-linux-gnu). */
export const i386sysv: Arch = {
  abi: 'i386_sysv',
  format: 'elf',
  asmFiles: ['i386-common.S', 'i386-sysv.S'],
  // Explicit, so -mrtd (stdcall by default) can't change what the trampoline calls.
  coreAttributes: ['cdecl'],
  symbolConstraint: 's',
  // No separate light core: lib/arch/i386-light.ts checks the core itself after the compile.
  lightCores: false,
  // ELF: a C function's symbol is its name, whatever its convention (no `_` or `@N` as on COFF).
  namedStubs: 'c-names',
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

/**
 * The COFF module for one Windows flavour. `cfi`: whether the trampoline describes its frame
 * with DWARF CFI (mingw's DWARF-2 exceptions) or not (MSVC's fs:[0] chain needs nothing).
 * `exportName`: the export directive's name, 'plain' for MSVC (the symbol: `_Logger@8`) or
 * 'undecorated' for mingw (without the leading underscore: `Logger@8`), as clang writes them.
 */
function coff(abi: 'i386_mingw' | 'i386_msvc', cfi: boolean, exportName: 'plain' | 'undecorated'): Arch {
  return {
    abi,
    format: 'coff',
    asmFiles: ['i386-common.S', 'i386-ms.S'],
    coreAttributes: ['cdecl'],
    symbolConstraint: 's',
    lightCores: false,
    namedStubs: 'asm-labels',
    params: false,
    // The trampoline from file-scope asm (asm/i386-ms.S says why); the width byte in C++, where the
    // compiler puts it in a COMDAT; its asm label keeps the name free of the `_` prefix.
    definitions: (macros) =>
      `__asm__(${cString(`${macros}\nicc_i386_ms_trampoline ${cfi ? 1 : 0}\n`)}); ` +
      'extern "C" __attribute__((selectany, used)) unsigned char __icc_i386_ms_width __asm__("__icc_i386_ms_width") = 0;',
    stubInvocation: (stub) =>
      cString(`icc_i386_ms_stub %c0, %c1, ${stub.binding}, ${stub.comdat ? 'comdat' : 'none'}, ${stub.cet ? 1 : 0}, ${stub.dllexport ? exportName : 0}`),
    // The CRT's _write (msvcrt, UCRT; `__write` on i386 COFF) under a name of our own, so a
    // declaration from <io.h> is a different C++ entity.
    stderrWriter: `
__attribute__((cdecl)) int crt_write(int, const void *, unsigned) __asm__("__write");
inline void write_stderr(const char *s) noexcept { crt_write(2, s, (unsigned)__builtin_strlen(s)); }
`,
    selectLightPaths: (object) => selectCoffLightPaths(object),
  };
}

/** i386 Windows with mingw-w64 (i686-w64-mingw32): programs and DLLs, DWARF-2 exceptions. */
export const i386mingw = coff('i386_mingw', true, 'undecorated');
/** i386 Windows with MSVC's ABI (i686-pc-windows-msvc): COFF objects for link.exe or lld-link. */
export const i386msvc = coff('i386_msvc', false, 'plain');
