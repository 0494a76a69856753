/* icc++ trampolines for AArch64 (AAPCS64, ELF: Linux).
 *
 * GAS macros, embedded by icc++ (comments stripped) as a file-scope asm
 * statement in every translation unit that defines an interceptor, followed
 * by `icc_aapcs64_trampoline`; each public symbol is then one invocation of
 * `icc_aapcs64_stub`. Guarded so -flto's concatenation defines each once.
 *
 * Design (SPEC.md section 2, the x86-64 design with AArch64 registers):
 *   - the per-symbol STUB is 16 bytes: bti c, the address of its RECORD into
 *     x17, a branch to the shared trampoline. Only x17 is written. The
 *     trampoline is in the same object, so the branch needs no veneer unless
 *     the program's code exceeds 128 MB; lld's veneers and ld.bfd's adrp
 *     veneer write x16 only, but ld.bfd's veneer for targets over 4 GB away
 *     writes x17 too (not handled: a stub that loads the trampoline's
 *     address itself would be one instruction longer).
 *   - the RECORD holds the core's address (32-bit PC-relative) and the
 *     symbol's mangled name (for the null-target message).
 *   - the shared TRAMPOLINE (one per object, COMDAT, hidden) saves everything
 *     that can carry an argument under AAPCS64 and its SVE extension: x0-x7,
 *     x8 (indirect result location), q0-q7 at 128 bits, and when the CPU has
 *     SVE z0-z7 and p0-p3 at the vector length in use, with z8-z23 and
 *     p4-p15, which callers of SVE functions expect kept (clang 14 has no
 *     aarch64_sve_pcs attribute to make the core keep them). It calls the core,
 *     restores them and branches to the target with `br x16`, which a target
 *     starting with `bti c` accepts (BR through x16/x17 is a call for BTI).
 *
 * The core is compiled with the default convention: it preserves x19-x29,
 * sp and the low 64 bits of v8-v15 itself. x9-x15, x16-x18 and the rest of
 * the vector registers never carry arguments. x18 is never touched here.
 *
 * SVE: whether the CPU has it is decided on the first call from
 * ID_AA64PFR0_EL1 (what Linux shows there matches AT_HWCAP's HWCAP_SVE; see
 * the detection below for why not getauxval) and cached in __icc_aapcs64_vl,
 * one doubleword per linked module: 0 unknown, 1 no SVE, otherwise the
 * vector length in bytes then in use (rdvl; a test reads it). The saves
 * themselves use `mul vl` addressing, so they follow the length in use.
 *
 * Branch protection: `bti c` and `paciasp`/`autiasp` are hint-space
 * instructions (no-ops on CPUs without BTI/PAC), so they are always there;
 * the object's GNU property note comes from the compiler under
 * -mbranch-protection=standard.
 */

.ifndef .L__icc_aapcs64_macros_v1
.set .L__icc_aapcs64_macros_v1, 1
.arch_extension sve

/* icc_aapcs64_stub sym, core, bind, group, vis
 *   sym   the public (mangled) symbol the program calls
 *   core  the core function: default convention, no arguments, returns the target
 *   bind  globl | weak | local   (weak: inline functions and templates)
 *   group comdat: the stub and its record go in a COMDAT group named after
 *         the symbol; none: plain sections
 *   vis   default | hidden | protected: the ELF visibility of the declaration
 *
 *   stub+0   bti c
 *   stub+4   adrp x17, record
 *   stub+8   add x17, x17, :lo12:record
 *   stub+12  b __icc_aapcs64_trampoline
 *   record+0 .word core - .     the core, PC-relative
 *   record+4 .asciz "sym"       the mangled name (null-target report)
 * The stub never touches sp or x30: it needs no unwind entry. */
.macro icc_aapcs64_stub sym:req, core:req, bind:req, group:req, vis=default
.ifndef \sym
  .ifc \group,none
    .pushsection .text.\sym,"ax",@progbits
  .else
    .pushsection .text.\sym,"axG",@progbits,\sym,comdat
  .endif
  .p2align 4
  .\bind \sym
  .ifc \vis,hidden
    .hidden \sym
  .endif
  .ifc \vis,protected
    .protected \sym
  .endif
  .type \sym,@function
\sym:
  bti c
  adrp x17, .L__icc_rec_\sym
  add x17, x17, :lo12:.L__icc_rec_\sym
  b __icc_aapcs64_trampoline
  .size \sym, .-\sym
  .ifc \group,none
    .section .rodata.__icc_rec.\sym,"a",@progbits
  .else
    .section .rodata.__icc_rec.\sym,"aG",@progbits,\sym,comdat
  .endif
  .p2align 2
.L__icc_rec_\sym:
  .word \core - .                     /* record+0: core, PC-relative */
  .asciz "\sym"                       /* record+4: mangled name */
  .popsection
.endif
.endm

/* The trampoline's frame, at x29 (= sp after the prologue), 224 bytes:
 *     0  x29, x30 (the frame record)   16  x0, x1    32  x2, x3
 *    48  x4, x5    64  x6, x7    80  x8, x17 (the record)
 *    96  q0, q1   128  q2, q3   160  q4, q5   192  q6, q7   (NEON path)
 * On the SVE path, 26 vector lengths below it (sp = x29 - 26*VL):
 *    sp + 0..23 VL  z0-z23      sp + 24..25 VL  p0-p15 (a predicate is VL/8 bytes)
 * sp stays 16-byte aligned: VL is a multiple of 16 bytes. */
.set .L__icc_aapcs64_frame, 224

/* Saves (insn=stp) or restores (insn=ldp) q0-q7 at x29+96. */
.macro icc_aapcs64_q insn:req
  \insn q0, q1, [x29, #96]
  \insn q2, q3, [x29, #128]
  \insn q4, q5, [x29, #160]
  \insn q6, q7, [x29, #192]
.endm

/* Saves or restores z0-z23 and p0-p15 at sp (sized by addvl, see the frame):
 * z0-z7 and p0-p3 carry arguments; z8-z23 and p4-p15 are what a caller of a
 * function with SVE arguments or results expects to survive (the SVE PCS),
 * and a default-convention core keeps only the low 64 bits of z8-z15. */
.macro icc_aapcs64_z insn:req
  .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23
    \insn z\n, [sp, #\n, mul vl]
  .endr
  .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
    \insn p\n, [sp, #192+\n, mul vl]    /* predicate units: 24 VL = 192 PL */
  .endr
.endm

/* Calls the core from the record in x17: x16 = the target afterwards, or
 * a branch to the null report. */
.macro icc_aapcs64_call_core null=.L__icc_aapcs64_null
  ldrsw x16, [x17]
  add x16, x17, x16                   /* record + offset = the core */
  blr x16
  cbz x0, \null
  mov x16, x0                         /* the target */
.endm

/* Saves the argument registers x0-x8 and the record (x17) at x29+16 (see the frame). */
.macro icc_aapcs64_save_integer
  stp x0, x1, [x29, #16]
  stp x2, x3, [x29, #32]
  stp x4, x5, [x29, #48]
  stp x6, x7, [x29, #64]
  stp x8, x17, [x29, #80]
.endm

/* The prologue: sign x30, push a frame of `size` bytes with the frame record
 * at its bottom, x29 = sp, the CFA from x29; then the integer saves. */
.macro icc_aapcs64_enter size:req
  paciasp                             /* signs x30 with sp */
  .cfi_negate_ra_state
  stp x29, x30, [sp, #-\size]!
  .cfi_def_cfa_offset \size
  .cfi_offset x29, -\size
  .cfi_offset x30, -\size+8
  mov x29, sp
  .cfi_def_cfa x29, \size               /* from here on: sp moves, x29 doesn't */
  icc_aapcs64_save_integer
.endm

/* The core returned 0: report the interceptor by name and stop. */
.macro icc_aapcs64_null
  ldr x0, [x29, #88]                  /* the record */
  add x0, x0, #4                      /* record+4: the mangled name */
  bl __icc_null_target                /* hidden, noreturn; from the prelude */
  brk #1
.endm

/* Restores the integer registers and the caller's frame, branches to the target in x16. */
.macro icc_aapcs64_leave size=.L__icc_aapcs64_frame
  ldp x0, x1, [x29, #16]
  ldp x2, x3, [x29, #32]
  ldp x4, x5, [x29, #48]
  ldp x6, x7, [x29, #64]
  ldr x8, [x29, #80]
  .cfi_remember_state
  mov sp, x29
  ldp x29, x30, [sp], #\size
  .cfi_def_cfa sp, 0
  .cfi_restore x29
  .cfi_restore x30
  autiasp
  .cfi_negate_ra_state
  br x16
  .cfi_restore_state
.endm

/* The shared trampoline and the per-module SVE byte, once per object (COMDAT, hidden). */
.macro icc_aapcs64_trampoline
.ifndef __icc_aapcs64_trampoline
  .pushsection .text.__icc_aapcs64_trampoline,"axG",@progbits,__icc_aapcs64_trampoline,comdat
  .p2align 4
  .weak __icc_aapcs64_trampoline
  .hidden __icc_aapcs64_trampoline
  .type __icc_aapcs64_trampoline,@function
__icc_aapcs64_trampoline:
  .cfi_startproc
  /* Entry: x17 = record; x30 = the caller's return address; sp = the caller's. */
  icc_aapcs64_enter .L__icc_aapcs64_frame
.L__icc_aapcs64_dispatch:
  adrp x16, __icc_aapcs64_vl
  ldr x16, [x16, :lo12:__icc_aapcs64_vl]
  cmp x16, #1
  b.hi .L__icc_aapcs64_sve
  b.lo .L__icc_aapcs64_detect
  /* NEON path: q0-q7. */
  icc_aapcs64_q stp
  icc_aapcs64_call_core
  icc_aapcs64_q ldp
  icc_aapcs64_leave

.L__icc_aapcs64_sve:
  /* SVE path: z0-z23 (q0-q7 are the low halves of z0-z7) and p0-p15. */
  addvl sp, sp, #-26
  icc_aapcs64_z str
  icc_aapcs64_call_core
  icc_aapcs64_z ldr
  icc_aapcs64_leave

.L__icc_aapcs64_detect:
  /* First call in this module: does the CPU have SVE? Read without a call:
   * a call (getauxval, or the lazy-binding resolver before it) may write a
   * v register, which zeroes the upper bits of z0-z7 and is free to change
   * p0-p3 before they are saved. Linux emulates EL0 reads of the ID
   * registers (since 4.11, HWCAP_CPUID) and shows SVE there only when it
   * enables SVE for user space, as AT_HWCAP's HWCAP_SVE does; so does qemu-user. */
  mrs x16, ID_AA64PFR0_EL1
  ubfx x16, x16, #32, #4              /* the SVE field */
  cbz x16, 1f
  rdvl x16, #1                        /* the vector length in bytes */
  b 2f
1:
  mov x16, #1                         /* no SVE */
2:
  adrp x17, __icc_aapcs64_vl
  str x16, [x17, :lo12:__icc_aapcs64_vl]
  ldr x17, [x29, #88]                 /* the record again; nothing else was written */
  b .L__icc_aapcs64_dispatch

.L__icc_aapcs64_null:
  icc_aapcs64_null
  .cfi_endproc
  .size __icc_aapcs64_trampoline, .-__icc_aapcs64_trampoline

  /* The light trampoline: for a core whose code icc++ has checked calls
   * nothing and touches no FP/SIMD/SVE register (lib/arch/aarch64-light.ts
   * points a stub here after the compile). Saves x0-x8 only; frame of 96
   * bytes: 0 x29, x30   16-80 x0-x8, x17 (as the full frame). */
  .p2align 4
  .weak __icc_aapcs64_light
  .hidden __icc_aapcs64_light
  .type __icc_aapcs64_light,@function
__icc_aapcs64_light:
  .cfi_startproc
  icc_aapcs64_enter 96
  icc_aapcs64_call_core .L__icc_aapcs64_light_null
  icc_aapcs64_leave 96
.L__icc_aapcs64_light_null:
  icc_aapcs64_null
  .cfi_endproc
  .size __icc_aapcs64_light, .-__icc_aapcs64_light

  .section .bss.__icc_aapcs64_vl,"awG",@nobits,__icc_aapcs64_vl,comdat
  .p2align 3
  .weak __icc_aapcs64_vl
  .hidden __icc_aapcs64_vl
  .type __icc_aapcs64_vl,@object
  .size __icc_aapcs64_vl, 8
__icc_aapcs64_vl:
  .zero 8
  .popsection
.endif
.endm

.endif
