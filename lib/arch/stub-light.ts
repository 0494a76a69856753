// The decision every stub-retargeting light path makes (AArch64, i386 ELF and
// i386 COFF: the stub's jump or call to the full trampoline is pointed at a
// light trampoline when the core passes its architecture's check), in one
// place, over whatever symbols the object format has.

import type { LightDecision } from './arch.js';

/** Decides one stub: a stub whose core another object's copy may replace (ELF weak, COFF COMDAT:
 *  inline functions and templates), a core or light trampoline not found, or the check's reason
 *  keep the full path; else `take` retargets. */
export function decideStub<Symbol extends { name: string }>(
  stub: { name: string; replaceable: boolean },
  core: Symbol | undefined,
  light: Symbol | undefined,
  check: (core: Symbol) => string | undefined,
  take: (light: Symbol) => void,
): LightDecision {
  const reason = stub.replaceable ? 'inline or template (COMDAT)' : !core ? 'core not found' : !light ? 'no light trampoline in the object' : check(core);
  if (!reason) take(light!);
  return { core: core?.name ?? '?', symbol: stub.name, light: !reason, reason };
}
