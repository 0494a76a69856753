/* icc++ trampolines for 32-bit x86 on ELF (Linux: -m32, i686-linux-gnu).
 *
 * GAS macros, embedded after i386-common.S (read that file first: the stub,
 * the record and the trampoline's frame are described there) as a file-scope
 * asm statement, followed by `icc_i386_sysv_trampoline`; each interceptor's
 * public symbol is then one macro invocation:
 *
 *     icc_i386_sysv_stub <symbol>, <core>, <binding>, <group>, <cet>, <vis>
 *
 * The i386 psABI on Linux wants esp 0 mod 16 at a call (the core gets it),
 * DF clear at calls and returns (the trampoline never sets it), and CFI for
 * unwinding (the trampoline has it; the stub needs none: its call is the
 * trampoline's entry, and the trampoline's CFI names the caller's frame).
 */

.ifndef .L__icc_i386_sysv_macros_v1
.set .L__icc_i386_sysv_macros_v1, 1

/* icc_i386_sysv_stub sym, core, bind, group, cet, vis
 *   sym   the public (mangled) symbol the program calls
 *   core  the core function: cdecl, no arguments, returns the target
 *   bind  globl | weak | local   (weak: inline functions and templates)
 *   group comdat: the stub and its record go in a COMDAT group named after
 *         the symbol; none: plain sections
 *   cet   1 to start the stub with endbr32 (-fcf-protection)
 *   vis   default | hidden | protected: the declaration's ELF visibility
 * The record lives in the stub's own section, right after its call (see
 * i386-common.S): R+2 core, R+6 width byte, R+10 name. Both offsets are
 * link-time constants, so -fPIC needs no GOT and no text relocation. */
.macro icc_i386_sysv_stub sym:req, core:req, bind:req, group:req, cet:req, vis=default
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
  .if \cet
    endbr32
  .endif
  call __icc_i386_sysv_trampoline     /* 5 bytes; pushes R */
  ud2                                 /* R+0 */
  .long \core - .                     /* R+2: the core */
  .long __icc_i386_sysv_width - .     /* R+6: this module's width byte */
  .asciz "\sym"                       /* R+10: the mangled name */
  .size \sym, .-\sym
  .popsection
.endif
.endm

/* The shared trampoline, once per object (COMDAT, hidden), from file-scope
 * asm, with its own CFI frame. */
.macro icc_i386_sysv_trampoline
.ifndef __icc_i386_sysv_trampoline
  .pushsection .text.__icc_i386_sysv_trampoline,"axG",@progbits,__icc_i386_sysv_trampoline,comdat
  .p2align 4
  .weak __icc_i386_sysv_trampoline
  .hidden __icc_i386_sysv_trampoline
  .type __icc_i386_sysv_trampoline,@function
__icc_i386_sysv_trampoline:
  .cfi_startproc
  icc_i386_body .L__icc_i386_sysv_null, 1

.L__icc_i386_sysv_null:
  /* The core returned 0: report the interceptor by name and stop. */
  mov 4(%ebp), %eax
  add $10, %eax                       /* R+10: the mangled name */
  and $-16, %esp
  sub $12, %esp
  push %eax                           /* esp 0 mod 16 at the call */
  call __icc_null_target              /* hidden, noreturn; from the prelude */
  ud2
  .cfi_endproc
  .size __icc_i386_sysv_trampoline, .-__icc_i386_sysv_trampoline

  .section .bss.__icc_i386_sysv_width,"awG",@nobits,__icc_i386_sysv_width,comdat
  .weak __icc_i386_sysv_width
  .hidden __icc_i386_sysv_width
  .type __icc_i386_sysv_width,@object
  .size __icc_i386_sysv_width, 1
__icc_i386_sysv_width:
  .zero 1
  .popsection
.endif
.endm

.endif
