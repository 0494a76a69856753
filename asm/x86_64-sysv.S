/* icc++ trampolines for x86-64 System V (ELF).
 *
 * These are GAS macros. icc++ embeds this file, after x86_64-common.S (the
 * vector saves and the width detection both ABIs share; comments stripped), as a
 * file-scope asm statement in every translation unit that defines an
 * interceptor, followed by `icc_sysv_trampoline`, and each interceptor's
 * public symbol is then one macro invocation:
 *
 *     icc_sysv_stub <symbol>, <core>, <binding>, <group>, <cet>
 *
 * Everything is guarded so that -flto, which concatenates the file-scope asm
 * of several modules into one assembler run, defines each macro, each shared
 * trampoline and each stub once.
 *
 * Design (SPEC.md section 2):
 *   - the per-symbol STUB is 12 bytes (16 with endbr64): it loads the address
 *     of its RECORD into r11 and jumps to a shared trampoline. It never
 *     touches rsp, so it needs no unwind entry.
 *   - the RECORD holds the core's address as a 32-bit PC-relative offset, the
 *     address of the stub's null entry when it has a light core (or 0), and
 *     the symbol's mangled name (for the null-target message).
 *   - the shared TRAMPOLINE (one per object, COMDAT, hidden) saves every
 *     register that can carry an argument in either x86-64 convention, calls
 *     the core, restores them and jumps to the address the core returned.
 *   - the LIGHT CORE, for an interceptor whose body calls nothing and touches
 *     no vector register, is the body compiled a second time as a
 *     preserve_all function ending in a musttail jump to the target through
 *     r11 (or its only copy, when icc++ checks the object and the body has
 *     no call syntax: lib/rewrite/emit.ts). Every stub is assembled to jump to the full trampoline; icc++
 *     moves the public symbol onto the light core after the compile, in the
 *     object file, only when it has decoded the light core's machine code
 *     (lib/light.ts). Whatever the object didn't get checked (-S, -flto,
 *     plain clang on icc++ -E output) keeps the full path.
 *
 * The core is an ordinary System V function, called with the caller's
 * argument registers (only rax and r11 differ): for an interceptor whose body
 * reads its parameters, all in registers, the core is that body itself
 * (lib/rewrite/params-prelude.ts). What it may clobber and a
 * caller may be passing arguments in, or expect to survive, is saved here:
 *   rdi rsi rdx rcx r8 r9 (SysV integer arguments; rdi and rsi are also
 *   callee-saved for a Microsoft-convention caller), rax (AL = vector register
 *   count of a variadic call), r10 (static chain), vector registers 0-7 at the
 *   full width in use: xmm (SSE), ymm (AVX) or zmm (AVX-512), and the low 128
 *   bits of xmm8-15 (callee-saved, with xmm6-7, for a Microsoft-convention
 *   caller). Keeping them here rather than in an ms_abi core costs the same
 *   per call and ~160 bytes less per interceptor (README, Performance).
 * k0-7 and zmm16-31 never carry arguments and are not saved.
 *
 * The light core preserves every register but r11 (preserve_all; r11 never
 * carries an argument) and jumps to the target itself. A null target is
 * swapped (cmovz) for record+8, the stub's null entry, which loads the record
 * into r11 and jumps to __icc_sysv_null. Its code keeps only the registers the
 * compiler knows about, which is why icc++ uses it only when that code holds
 * no call and no VEX/EVEX instruction (those would clobber the upper halves of
 * ymm/zmm argument registers behind the compiler's back), and jumps to the
 * target through r11 only (see lib/light.ts).
 *
 * The width is detected on the first call (CPUID + XGETBV: the OS must enable
 * the state in XCR0, not only the CPU support it) and cached in
 * __icc_sysv_width, one byte per linked module: 0 unknown, 1 SSE, 2 AVX,
 * 3 AVX-512. CPUID traps to the hypervisor on virtual machines (~3.7 us), so
 * it must never run per call.
 */

.ifndef .L__icc_sysv_macros_v1
.set .L__icc_sysv_macros_v1, 1

/* A function symbol's binding (globl, weak or local), visibility and type. */
.macro icc_sysv_declare sym:req, bind:req, vis:req
  .\bind "\sym"
  .ifc \vis,hidden
    .hidden "\sym"
  .endif
  .ifc \vis,protected
    .protected "\sym"
  .endif
  .type "\sym",@function
.endm

/* icc_sysv_stub sym, core, bind, group, cet, vis, light
 *   sym   the public (mangled) symbol the program calls
 *   core  the core function: System V, no arguments, returns the target
 *   bind  globl | weak | local   (weak: inline functions and templates)
 *   group comdat: the stub and its record go in a COMDAT group named after
 *         the symbol (inline functions, templates); none: plain sections
 *   cet   1 to start the stub with endbr64 (-fcf-protection)
 *   vis   default | hidden | protected: the ELF visibility the C++ declaration
 *         has (its attribute, or -fvisibility=), which clang can't give a symbol
 *         it never defines
 *   light the light core (preserve_all, musttail to the target), or empty;
 *         with one, the stub goes in section .text.<light>.stub, where icc++
 *         finds it to move the public symbol (and drops it), and a bail-out
 *         pad <light>.bail and the null entry follow the light core in its
 *         section
 * Every use of sym and core is quoted ("\sym"): a __vectorcall function's
 * name ends in `@@<bytes>`, which the compiler prints unquoted and the
 * assembler would read as a symbol version. A quoted argument expands to its
 * contents, so callers may pass names plain or quoted.
 */
.macro icc_sysv_stub sym:req, core:req, bind:req, group:req, cet:req, vis=default, light
.ifndef "\sym"
  .ifnb \light
    .pushsection .text.\light\().stub,"ax",@progbits
  .else
    .ifc \group,none
      .pushsection ".text.\sym","ax",@progbits
    .else
      .pushsection ".text.\sym","axG",@progbits,"\sym",comdat
    .endif
  .endif
  .p2align 4
  icc_sysv_declare "\sym", \bind, \vis
"\sym":
  .if \cet
    endbr64
  .endif
  lea ".L__icc_rec_\sym"(%rip), %r11    /* 7 bytes */
  jmp __icc_sysv_trampoline           /* 5 bytes */
  .size "\sym", .-"\sym"

  .ifnb \light
    /* After the light core, in its own section (subsection 1), so that they
     * come and go with it (icc++ drops the stub's section when it moves the
     * public symbol onto the light core): its null entry, then its bail-out
     * pad, where icc++ sends a light core's rare path that calls
     * something (a lazy loader's first call) to start again on the full path
     * (lib/light-bail.ts). A jump within the section, so icc++ can aim at it
     * without a relocation. */
    .pushsection .text.\light,"ax",@progbits
    .subsection 1
    /* The null entry: the light core jumps here when the target is null, with
     * the caller's registers and stack (no frame of its own to unwind). */
".L__icc_null_\sym":
    lea ".L__icc_rec_\sym"(%rip), %r11  /* 7 bytes */
    jmp __icc_sysv_null               /* 5 bytes */

    /* Last in the section, so icc++ can cut it off a light core that never
     * bails out. */
\light\().bail:
    lea ".L__icc_rec_\sym"(%rip), %r11  /* 7 bytes: the stub's own two instructions */
    jmp __icc_sysv_trampoline         /* 5 bytes */
    .popsection
  .endif

  .ifnb \light
    .section ".data.rel.ro.__icc_rec.\sym","aw",@progbits   /* an absolute address */
  .else
    .ifc \group,none
      .section ".rodata.__icc_rec.\sym","a",@progbits
    .else
      .section ".rodata.__icc_rec.\sym","aG",@progbits,"\sym",comdat
    .endif
  .endif
  .p2align 3
".L__icc_rec_\sym":
  .long "\core" - .                     /* record+0: core, PC-relative */
  .long 0
  .ifnb \light
    .quad ".L__icc_null_\sym"           /* record+8: the light core's null entry (cmovz reads it) */
  .else
    .quad 0
  .endif
  .asciz "\sym"                       /* record+16: mangled name */
  .popsection
.endif
.endm

/* icc_sysv_light sym, target
 * The tail of a light core (lib/rewrite/emit.ts), just before its jump
 * through `target` (r11): swaps a null target for the stub's null entry
 * (record+8). The compiler may duplicate a light core's tail (a body with
 * two paths to `goto ->`), so nothing here is defined once: the light core's
 * first asm statement, at its entry, which nothing duplicates, defines the
 * stub, null entry and record (icc_sysv_stub with its `light` parameter), and
 * no function of its own has to carry them (a shim has thousands). */
.macro icc_sysv_light sym:req, target:req
  test \target, \target
  cmovz ".L__icc_rec_\sym"+8(%rip), \target   /* record+8: the null entry */
.endm

/* icc_sysv_lean core, name
 * Before a light core written alone (lib/rewrite/emit.ts: its body's only
 * copy, a call-free body), in the core's own section: 32 bytes, so the core
 * after it starts 32-byte aligned. First the null report (`name`, as the
 * rewriter wrote the interceptor's name), then the check the core's tail jumps
 * go through: lib/light.ts turns each `jmp *%r11` of a core that passes into a
 * short jump back to it. Module asm comes before any function in clang's
 * output, so nothing lands between this and the core. Nothing here is compiled
 * per interceptor: the rewriter writes one file-scope asm line per core. */
.macro icc_sysv_lean core:req, name:req, sym, bind=globl, vis=default
  .pushsection .text.\core,"ax",@progbits
  .p2align 5
".L\core\().null":                  /* +0 */
  lea ".L\core\().name"(%rip), %rdi /* 7 bytes */
  and $-16, %rsp                      /* 4 bytes */
  call __icc_null_target              /* 5 bytes: hidden, noreturn; from the prelude */
  .fill 8, 1, 0xcc                    /* int3 up to the check */
  test %r11, %r11                     /* +24: 3 bytes */
  .byte 0x74, 0xe3                    /* jz .null (rel8 -29), spelled out: -O0 relaxes every jump */
  jmp *%r11                           /* 3 bytes */
  .type "\core",@function
"\core":                             /* +32: the core, compiled under a C++ name (lib/light.ts sizes this) */
  .section .rodata.__icc_null_names,"a",@progbits
".L\core\().name":
  .asciz "\name"
  .popsection
  /* An extern "C" function whose symbol the rewriter knows: defined here, at the core (it takes the
   * core's size); otherwise lib/light.ts defines it from the core's entry. */
  .ifnb \sym
    icc_sysv_declare "\sym", \bind, \vis
    .set "\sym", \core
  .endif
.endm

/* One width's path through the trampoline: call the core with the vector
 * registers saved (x86_64-common.S), restore the integer registers and jump
 * to the target, which returns straight to the caller. */
.macro icc_sysv_path insn:req, reg:req, size:req
  icc_x86_64_call_core \insn, \reg, \size, .L__icc_sysv_null, 1
  .cfi_remember_state
  icc_x86_64_restore_integer 1
  .cfi_def_cfa %rsp, 8
  .cfi_restore %rbp
  jmp *%r11
  .cfi_restore_state
.endm

/* The shared trampoline, once per object (COMDAT, hidden). icc++ invokes this
 * from file-scope asm, outside any function: it has its own CFI frame. */
.macro icc_sysv_trampoline
.ifndef __icc_sysv_trampoline
  .pushsection .text.__icc_sysv_trampoline,"axG",@progbits,__icc_sysv_trampoline,comdat
  .p2align 4
  .weak __icc_sysv_trampoline
  .hidden __icc_sysv_trampoline
  .type __icc_sysv_trampoline,@function
__icc_sysv_trampoline:
  .cfi_startproc
  /* Entry: r11 = record; 0(%rsp) = the caller's return address; rsp = 8 mod 16. */
  push %rbp
  .cfi_adjust_cfa_offset 8
  .cfi_rel_offset %rbp, 0
  mov %rsp, %rbp
  .cfi_def_cfa_register %rbp          /* CFA = rbp + 16 from here on */
  icc_x86_64_save_integer 1           /* -8(%rbp) .. -72(%rbp): see x86_64-common.S */
  icc_x86_64_dispatch __icc_sysv_width, icc_sysv_path, 1

.L__icc_sysv_null:
  /* The core returned 0: report the interceptor by name and stop. */
  mov -56(%rbp), %rdi
  add $16, %rdi                       /* record+16: the mangled name */
  and $-16, %rsp
  call __icc_null_target              /* hidden, noreturn; from the prelude */
  ud2
  .cfi_endproc
  .size __icc_sysv_trampoline, .-__icc_sysv_trampoline

  /* Where a light core's null entry lands (r11 = the record): report the
   * interceptor by name and stop. Entered by a jump with the caller's stack. */
  .p2align 4
  .weak __icc_sysv_null
  .hidden __icc_sysv_null
  .type __icc_sysv_null,@function
__icc_sysv_null:
  lea 16(%r11), %rdi                  /* record+16: the mangled name */
  and $-16, %rsp
  call __icc_null_target              /* hidden, noreturn; from the prelude */
  ud2
  .size __icc_sysv_null, .-__icc_sysv_null

  .section .bss.__icc_sysv_width,"awG",@nobits,__icc_sysv_width,comdat
  .weak __icc_sysv_width
  .hidden __icc_sysv_width
  .type __icc_sysv_width,@object
  .size __icc_sysv_width, 1
__icc_sysv_width:
  .zero 1
  .popsection
.endif
.endm

.endif
