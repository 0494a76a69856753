// x86-64: System V on ELF and Microsoft x64 on COFF (asm/x86_64-*.S). The
// core's calling convention per ABI: System V cores on ELF (the trampoline
// saves what they may clobber and an ms_abi caller keeps: rdi rsi xmm6-15);
// the target's own on Windows.

import { selectLightPaths } from '../light.js';
import { cString, type Arch, type StubOptions } from './arch.js';

function stubInvocation(abi: 'sysv' | 'ms', stub: StubOptions): string {
  const group = stub.comdat ? 'comdat' : 'none';
  const common = `icc_${abi}_stub %c0, %c1, ${stub.binding}, ${group}, ${stub.cet ? 1 : 0}`;
  // COFF has no visibility: a DLL exports what a linker directive names.
  return cString(abi === 'ms' ? `${common}, ${stub.dllexport ? 1 : 0}` : `${common}, ${stub.visibility}${stub.light ? ', %c2' : ''}`);
}

/** A light core's tail (asm/x86_64-sysv.S icc_sysv_light): %0 the target register, %c1 the public symbol. */
function lightInvocation(): string {
  return cString('icc_sysv_light %c1, %0');
}

/** x86-64 System V (Linux, ELF). */
export const sysv: Arch = {
  abi: 'sysv',
  format: 'elf',
  // The shared macros (vector saves, width detection) come first: both ABI files use them.
  asmFiles: ['x86_64-common.S', 'x86_64-replay.S', 'x86_64-sysv.S'],
  coreAttributes: [],
  symbolConstraint: 's',
  lightCores: true,
  namedStubs: 'c-names',
  params: true,
  definitions: (macros, replay) =>
    `__asm__(${cString(macros + `\nicc_sysv_trampoline\n` + (replay ? 'icc_x86_64_replay_elf __icc_sysv_replay, __icc_sysv_width\n' : ''))});`,
  stubInvocation: (stub) => stubInvocation('sysv', stub),
  lightInvocation,
  leanEntry: (core, name, pub) =>
    `__asm__(${cString(`icc_sysv_lean ${core}, ${cString(name)}${pub ? `, ${cString(pub.symbol)}, ${pub.binding}, ${pub.visibility}` : ''}`)});`,
  // Linux: the write system call itself, so no libc declaration can clash.
  stderrWriter: `
inline void write_stderr(const char *s) noexcept {
  long r;
  __asm__ volatile("syscall" : "=a"(r) : "0"(1L), "D"(2L), "S"(s), "d"(__builtin_strlen(s)) : "rcx", "r11", "memory");
}
`,
  selectLightPaths: (object) => selectLightPaths(object),
};

/** Microsoft x64 (Windows, mingw or MSVC, COFF). */
export const ms: Arch = {
  abi: 'ms',
  format: 'coff',
  asmFiles: ['x86_64-common.S', 'x86_64-replay.S', 'x86_64-ms.S'],
  coreAttributes: ['ms_abi'],
  symbolConstraint: 's',
  lightCores: false,
  namedStubs: 'c-names',
  params: true,
  // COFF: the shared trampoline, the replay thunk and the width byte are defined in C++, where the
  // compiler gives them COMDATs that -flto understands too (asm/x86_64-ms.S, x86_64-replay.S).
  definitions: (macros, replay) =>
    `__asm__(${cString(macros)}); ` +
    'extern "C" { __attribute__((selectany, used)) unsigned char __icc_ms_width = 0; ' +
    '[[gnu::naked, gnu::used, gnu::nocf_check]] inline void __icc_ms_trampoline() { __asm__("icc_ms_trampoline"); }' +
    (replay
      ? ' [[gnu::naked, gnu::used, gnu::nocf_check]] inline void __icc_ms_replay(void *, __SIZE_TYPE__, void *, char **) { __asm__("icc_x86_64_replay_coff __icc_ms_replay, __icc_ms_width"); }'
      : '') +
    ' }',
  stubInvocation: (stub) => stubInvocation('ms', stub),
  // Windows: the CRT's _write (msvcrt, UCRT), under a name of our own, so a
  // declaration from <io.h> (dllimport or not) is a different C++ entity.
  stderrWriter: `
int crt_write(int, const void *, unsigned) __asm__("_write");
inline void write_stderr(const char *s) noexcept { crt_write(2, s, (unsigned)__builtin_strlen(s)); }
`,
  selectLightPaths: () => [],
};
