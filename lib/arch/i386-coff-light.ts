// After the compile: which 32-bit x86 stubs in a COFF object (mingw and MSVC
// targets) may call the light trampoline (asm/i386-ms.S, __icc_i386_ms_light),
// which saves eax ecx edx but no vector register and needs no width. The
// check is the ELF one (lib/arch/i386-light.ts: the core decoded in 32-bit
// mode, integer and x87 only, no call, no jump out); what differs is how the
// object is read (lib/arch/coff-file.ts):
//   - stubs are found by their call to __icc_i386_ms_trampoline (stubs that
//     are not COMDATs share one section, .text$__icc_stub), the stub being
//     the function symbol right before that call ([endbr32] call);
//   - the record's core field (R+2) is a REL32 relocation whose field holds
//     the addend plus 4, against the core or, for a local one, its section;
//   - a core's extent runs to the next symbol of its section (COFF symbols
//     have no size; padding between functions is nops, which the check reads);
//   - a stub in a COMDAT (inline functions, templates), or a core in a COMDAT
//     that another object's copy may replace, keeps the full path.

import { readFileSync, writeFileSync } from 'node:fs';
import type { LightDecision } from './arch.js';
import { decideStub } from './stub-light.js';
import { relocationsWithin } from './relocations.js';
import { whyNotLightCode } from './i386-light.js';
import { CoffFile, IMAGE_COMDAT_SELECT_NODUPLICATES, IMAGE_SCN_LNK_COMDAT, IMAGE_SYM_TYPE_FUNCTION, type CoffRelocation, type CoffSymbol } from './coff-file.js';

const IMAGE_FILE_MACHINE_I386 = 0x14c;
const IMAGE_REL_I386_REL32 = 0x14;
/** Relocations that only address data: ABSOLUTE (none), DIR32, DIR32NB, SECTION, SECREL (thread-locals), SECREL7.
 *  REL32 is a call or a jump (i386 has no PC-relative data addressing); DIR16/REL16/TOKEN are never light. */
const DATA_RELOCATIONS = new Set([0x00, 0x06, 0x07, 0x0a, 0x0b, 0x0d]);
const FULL = '__icc_i386_ms_trampoline';
const LIGHT = '__icc_i386_ms_light';
/** Where the record's core field sits after the call's end R (asm/i386-ms.S: ud2, then the record). */
const CORE_FIELD = 2;

/** Checks the cores of an i386 COFF object and points the stubs of those that pass at the light trampoline. */
export function selectLightPaths(file: string): LightDecision[] {
  const buf = readFileSync(file);
  const coff = CoffFile.parse(buf, IMAGE_FILE_MACHINE_I386);
  if (!coff) return [];
  const full = coff.symbols.filter((s) => s.name === FULL).map((s) => s.index);
  const light = coff.symbols.find((s) => s.name === LIGHT && s.section > 0);
  // Function symbols by section and offset: the stub before each call, and local cores named through their section.
  const functions = new Map<string, CoffSymbol>();
  for (const s of coff.symbols) if (s.section > 0 && s.type === IMAGE_SYM_TYPE_FUNCTION && !functions.has(`${s.section}:${s.value}`)) functions.set(`${s.section}:${s.value}`, s);
  const decisions: LightDecision[] = [];
  for (const section of coff.sections) {
    if (section.relocationCount === 0 || !(section.name === '.text' || section.name.startsWith('.text$'))) continue;
    const relocations = coff.relocationsOf(section.number);
    for (const call of relocations) {
      if (call.type !== IMAGE_REL_I386_REL32 || !full.includes(call.symbol)) continue;
      // The call opcode sits right before its field; endbr32 (4 bytes) may come first.
      const stub = functions.get(`${section.number}:${call.offset - 1}`) ?? functions.get(`${section.number}:${call.offset - 5}`);
      if (!stub) continue;
      const field = relocations.find((r) => r.type === IMAGE_REL_I386_REL32 && r.offset === call.offset + 4 + CORE_FIELD);
      const core = field && coreOf(coff, field, section.number, functions);
      const replaceable = (section.characteristics & IMAGE_SCN_LNK_COMDAT) !== 0 || (core !== undefined && mayBeReplaced(coff, core));
      decisions.push(decideStub({ name: stub.name, replaceable }, core, light, (c) => whyNotLight(coff, c), (l) => coff.retarget(call, l)));
    }
  }
  if (decisions.some((d) => d.light)) writeFileSync(file, buf);
  return decisions;
}

/** The core a record's field names: `.long core - .` is REL32 with core's offset + 4 in the field,
 *  against the core itself (field 4) or its section's symbol. */
function coreOf(coff: CoffFile, r: CoffRelocation, section: number, functions: Map<string, CoffSymbol>): CoffSymbol | undefined {
  const target = coff.symbol(r.symbol);
  const addend = coff.field(r, section);
  if (!target || addend === undefined || target.section <= 0) return undefined;
  const at = target.value + addend - 4;
  return target.type === IMAGE_SYM_TYPE_FUNCTION && addend === 4 ? target : functions.get(`${target.section}:${at}`);
}

/** Whether the linker may take the core's section from another object (a COMDAT that is not "no duplicates"). */
function mayBeReplaced(coff: CoffFile, core: CoffSymbol): boolean {
  const s = coff.sections[core.section - 1];
  return (s.characteristics & IMAGE_SCN_LNK_COMDAT) !== 0 && s.selection !== IMAGE_COMDAT_SELECT_NODUPLICATES;
}

function whyNotLight(coff: CoffFile, core: CoffSymbol): string | undefined {
  const code = coff.code(core);
  return whyNotLightCode(code, core.value, relocationsWithin(coff.relocationsOf(core.section), core.value, core.value + (code?.length ?? 0)), DATA_RELOCATIONS);
}
