// The decision both stub-retargeting light paths make (AArch64 and i386: the
// stub's jump or call to the full trampoline is pointed at a light trampoline
// when the core passes its architecture's check), in one place.

import type { LightDecision } from './arch.js';
import { STB_WEAK, type ElfSymbol } from './elf64.js';

/** Decides one stub: a weak stub (its core in a COMDAT another object's copy may replace), a core
 *  or light trampoline not found, or the check's reason keep the full path; else `take` retargets. */
export function decideStub(
  stub: ElfSymbol,
  core: ElfSymbol | undefined,
  light: ElfSymbol | undefined,
  check: (core: ElfSymbol) => string | undefined,
  take: (light: ElfSymbol) => void,
): LightDecision {
  const reason = stub.bind === STB_WEAK ? 'inline or template (COMDAT)' : !core ? 'core not found' : !light ? 'no light trampoline in the object' : check(core);
  if (!reason) take(light!);
  return { core: core?.name ?? '?', symbol: stub.name, light: !reason, reason };
}
