/* icc++ trampolines for 32-bit x86 on ELF (Linux: -m32, i686-linux-gnu).
 *
 * GAS macros, embedded after i386-common.S (read that file first: the stub,
 * the record and the trampoline's frame are described there) as a file-scope
 * asm statement, followed by `icc_i386_sysv_trampoline <exit>`; each interceptor's
 * public symbol is then one macro invocation:
 *
 *     icc_i386_sysv_stub <symbol>, <core>, <binding>, <group>, <cet>, <vis>, <exit>
 *
 * The i386 psABI on Linux wants esp 0 mod 16 at a call (the core gets it),
 * DF clear at calls and returns (the trampoline never sets it), and CFI for
 * unwinding (the trampoline has it; the stub needs none: its call is the
 * trampoline's entry, and the trampoline's CFI names the caller's frame).
 */

.ifndef .L__icc_i386_sysv_macros_v1
.set .L__icc_i386_sysv_macros_v1, 1

/* icc_i386_sysv_stub sym, core, bind, group, cet, vis, exit
 *   sym   the public (mangled) symbol the program calls
 *   core  the core function: cdecl, no arguments, returns the target
 *   bind  globl | weak | local   (weak: inline functions and templates)
 *   group comdat: the stub and its record go in a COMDAT group named after
 *         the symbol; none: plain sections
 *   cet   1 to start the stub with endbr32 (-fcf-protection)
 *   vis   default | hidden | protected: the declaration's ELF visibility
 *   exit  tls: the stub jumps to the target through its own thread-local
 *         slot (objects for an executable: local-exec TLS); ret: the
 *         trampoline returns into it (-fPIC). See i386-common.S.
 * The record lives in the stub's own section, right after its call (see
 * i386-common.S). Its offsets are link-time constants, so -fPIC needs no
 * GOT and no text relocation. lib/arch/i386-light.ts may point the stub's
 * call at the light trampoline of the same exit after the compile. */
.macro icc_i386_sysv_stub sym:req, core:req, bind:req, group:req, cet:req, vis=default, exit=ret
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
  .ifc \exit,tls
    call __icc_i386_sysv_trampoline_tls /* 5 bytes; pushes R */
    .byte 0x65, 0xff, 0x25              /* R+0: jmp *%gs:slot (R+3: the slot's offset) */
    .long .L__icc_slot.\sym@ntpoff
    ud2                                 /* R+7 */
  .else
    call __icc_i386_sysv_trampoline     /* 5 bytes; pushes R */
    ud2                                 /* R+0 */
  .endif
  .long \core - .                     /* the record: the core */
  .long __icc_i386_sysv_width - .     /* this module's width byte */
  .asciz "\sym"                       /* the mangled name */
  .size \sym, .-\sym
  .popsection
  .ifc \exit,tls
    /* The stub's slot: 4 bytes of thread-local storage, in the stub's group. */
    .ifc \group,none
      .pushsection .tbss.__icc_slot.\sym,"awT",@nobits
    .else
      .pushsection .tbss.__icc_slot.\sym,"awTG",@nobits,\sym,comdat
    .endif
    .p2align 2
.L__icc_slot.\sym:
    .zero 4
    .popsection
  .endif
.endif
.endm

/* One trampoline, full or light, with its own CFI frame (COMDAT, hidden). */
.macro icc_i386_sysv_function name:req, exit:req, rec:req, light:req
  .pushsection .text.\name,"axG",@progbits,\name,comdat
  .p2align 4
  .weak \name
  .hidden \name
  .type \name,@function
\name:
  .cfi_startproc
  icc_i386_body .L\name\()_null, 1, \exit, \rec, \light

.L\name\()_null:
  /* The core returned 0: report the interceptor by name and stop. */
  mov 4(%ebp), %eax
  add $(\rec+8), %eax                 /* the record's mangled name */
  and $-16, %esp
  sub $12, %esp
  push %eax                           /* esp 0 mod 16 at the call */
  call __icc_null_target              /* hidden, noreturn; from the prelude */
  ud2
  .cfi_endproc
  .size \name, .-\name
  .popsection
.endm

/* The shared trampolines of one exit (tls or ret), once per object, from
 * file-scope asm: the full one every stub calls, and the light one
 * (i386-light.ts) for cores that call nothing and touch no vector register. */
.macro icc_i386_sysv_trampoline exit=ret
.ifc \exit,tls
  .ifndef __icc_i386_sysv_trampoline_tls
    icc_i386_sysv_function __icc_i386_sysv_trampoline_tls, tls, 9, 0
    icc_i386_sysv_function __icc_i386_sysv_light_tls, tls, 9, 1
  .endif
.else
  .ifndef __icc_i386_sysv_trampoline
    icc_i386_sysv_function __icc_i386_sysv_trampoline, ret, 2, 0
    icc_i386_sysv_function __icc_i386_sysv_light, ret, 2, 1
  .endif
.endif
.ifndef __icc_i386_sysv_width
  .pushsection .bss.__icc_i386_sysv_width,"awG",@nobits,__icc_i386_sysv_width,comdat
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
