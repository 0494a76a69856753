// The table from target triple to architecture module: adding an architecture
// is a module in lib/arch/, its asm/ file and one row here.

import { IccError } from '../diagnostics.js';
import type { Abi, Arch } from './arch.js';
import { aapcs64 } from './aarch64.js';
import { i386mingw, i386msvc, i386sysv } from './i386.js';
import { ms, sysv } from './x86_64.js';

export type { Abi, Arch, Binding, LightDecision, StubOptions, Visibility } from './arch.js';

interface Row {
  /** The first component of the triple (aliases included). */
  arch: string[];
  /** Matches the rest of the triple (vendor, OS, environment). */
  os: RegExp;
  module: Arch;
}

const I386 = ['i386', 'i486', 'i586', 'i686'];
const WINDOWS = /windows|mingw|cygwin|win32/;
const rows: Row[] = [
  { arch: ['x86_64', 'amd64'], os: WINDOWS, module: ms },
  { arch: ['x86_64', 'amd64'], os: /(?:)/, module: sysv },
  // 32-bit Windows: MSVC's ABI (windows-msvc, the default environment of *-windows) or mingw's (COFF both).
  { arch: I386, os: /windows-msvc|windows$|win32$/, module: i386msvc },
  { arch: I386, os: /mingw|windows-gnu|cygwin/, module: i386mingw },
  // Darwin i386 is not done.
  { arch: I386, os: /^(?!.*(windows|mingw|cygwin|win32|darwin|macos|ios))/, module: i386sysv },
  // Apple's arm64 (variadics on the stack, `_` names) and Windows on Arm are not done yet.
  { arch: ['aarch64', 'arm64'], os: /^(?!.*(windows|mingw|cygwin|win32|darwin|macos|ios|tvos|watchos))/, module: aapcs64 },
];

const supported = 'x86_64 Linux/ELF, x86_64 Windows/COFF, i386 Linux/ELF, i386 Windows/COFF and aarch64 Linux/ELF';

/** The architecture module for a clang target triple (default: the host's). */
export function archForTarget(triple: string | undefined, hostArch = process.arch): Arch {
  const t = (triple ?? '').toLowerCase();
  const arch = t ? t.split('-')[0] : ({ x64: 'x86_64', arm64: 'aarch64' } as Record<string, string>)[hostArch] ?? hostArch;
  const rest = t.split('-').slice(1).join('-');
  const row = rows.find((r) => r.arch.includes(arch) && r.os.test(rest));
  if (!row) throw new IccError(`interceptors are not supported yet for target '${triple ?? arch}' (${arch}); supported: ${supported}`);
  return row.module;
}

const byAbi = new Map<Abi, Arch>(rows.map((r) => [r.module.abi, r.module]));

/** The module for an ABI the pipeline has already chosen (the rewriter carries the ABI, not the module). */
export function archForAbi(abi: Abi): Arch {
  const arch = byAbi.get(abi);
  if (!arch) throw new Error(`no architecture module for ABI ${abi}`);
  return arch;
}
