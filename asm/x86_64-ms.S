/* icc++ trampolines for x86-64 Windows: the Microsoft x64 convention, COFF.
 *
 * These are GAS macros for LLVM's integrated assembler (after the shared
 * x86_64-common.S). icc++ embeds this
 * file (comments stripped) as a file-scope asm statement in every
 * translation unit that defines an interceptor, followed by a naked C++
 * function whose body is `icc_ms_trampoline` (see that macro for why), and
 * each interceptor's public symbol is then one macro invocation:
 *
 *     icc_ms_stub <symbol>, <core>, <binding>, <group>, <cet>, <export>
 *
 * Sections: LLVM 14 has no .pushsection/.popsection for COFF. A stub switches
 * with .section and does not switch back: it is expanded in the inline asm of
 * a naked emitter function, and the compiler switches back to the function's
 * own section itself before it ends the function.
 *
 * The design is the one of x86_64-sysv.S (read that file first); what differs
 * is the object format and the unwind information:
 *   - COFF sections and COMDATs (`.section name,"xr",discard,key`) instead of
 *     ELF groups; no symbol visibility (COFF has none: a symbol leaves a DLL
 *     only through an export directive);
 *   - SEH unwind information (.seh_proc ... .seh_endproc; the assembler writes
 *     .pdata/.xdata) instead of CFI, so a C++ exception thrown in the core
 *     (mingw and MSVC both unwind with SEH) reaches the caller;
 *   - MSVC mangled names contain `?`, `@` and `$`, which the compiler prints
 *     quoted ("?Logger@ns@@YAXXZ"). A quoted macro argument expands to its
 *     contents, so every use of \sym is written "\sym", which is right for
 *     both quoted and plain names, and no label is built from \sym;
 *   - an interceptor declared __declspec(dllexport) gets the export directive
 *     the compiler would have written for a C++ definition (`.drectve`).
 *
 * Registers. A Microsoft-convention caller passes arguments in rcx rdx r8 r9
 * and xmm0-3 (xmm0-5 and ymm/zmm0-5, HVAs included, with __vectorcall;
 * variadic calls duplicate floating-point values in the integer registers)
 * and expects rbx rbp rdi rsi r12-r15 and xmm6-15 (low 128 bits) to survive.
 * The saved set is the SysV trampoline's, which is a superset of that: the
 * core, compiled in the Microsoft convention, preserves rbx rbp rdi rsi
 * r12-r15 and xmm6-15 itself; this trampoline saves rcx rdx r8 r9 rax r10
 * and vector registers 0-7 at the full width in use (xmm, ymm or zmm), which
 * also serves a caller declared __attribute__((sysv_abi)). k0-7 and
 * zmm16-31 never carry arguments and are not saved.
 *
 * The width is detected on the first call (CPUID + XGETBV) and cached in
 * __icc_ms_width, one byte per linked image (EXE or DLL): 0 unknown, 1 SSE,
 * 2 AVX, 3 AVX-512. CPUID traps to the hypervisor on virtual machines
 * (~3.7 us), so it must never run per call.
 */

.ifndef .L__icc_ms_macros_v1
.set .L__icc_ms_macros_v1, 1

/* icc_ms_stub sym, core, bind, group, cet, export
 *   sym    the public (mangled) symbol the program calls, plain or quoted
 *   core   the core function: Microsoft convention, no arguments, returns the
 *          target
 *   bind   globl | weak | local   (weak: inline functions and templates; on
 *          COFF their duplicates are removed by the COMDAT, so weak is
 *          emitted as a global symbol in a `discard` COMDAT)
 *   group  comdat: the stub and its record form a COMDAT keyed by the
 *          symbol (inline functions, templates); none: a plain section
 *   cet    1 to start the stub with endbr64 (-fcf-protection)
 *   export 1 if the symbol was declared __declspec(dllexport): writes the
 *          linker directive ` -export:"sym"` that clang writes for a
 *          definition (the quoted form is read by mingw's ld, lld, lld-link
 *          and link.exe alike).
 *
 * A COMDAT stub's section is named .text$<sym>, as GCC names them: mingw's
 * ld (2.40) finds a COMDAT's key symbol by section name, so COMDATs sharing
 * a name in one object lose their keys and all but one are dropped. The
 * stub and its record share one section, so a COMDAT keeps or drops them
 * together (COFF associative COMDATs are not understood by mingw's ld):
 *   stub+0   [endbr64]
 *            lea record(%rip), %r11    7 bytes
 *            jmp __icc_ms_trampoline   5 bytes
 *   record+0 .long core - .            the core, PC-relative
 *   record+4 .asciz "sym"              the mangled name (null-target report)
 * The stub never touches rsp: like any leaf code it needs no .pdata entry
 * (without one, the unwinder takes the return address from 0(%rsp)). */
.macro icc_ms_stub sym:req, core:req, bind:req, group:req, cet:req, export=0
.ifndef "\sym"
  .ifc \group,none
    .section .text$__icc_stub,"xr"
  .else
    .section ".text$\sym","xr",discard,"\sym"
  .endif
  .p2align 4
  .ifnc \bind,local
    .globl "\sym"
    .def "\sym"; .scl 2; .type 32; .endef
  .else
    .def "\sym"; .scl 3; .type 32; .endef
  .endif
"\sym":
  .if \cet
    endbr64
  .endif
  lea 1f(%rip), %r11                  /* 7 bytes: the record */
  jmp __icc_ms_trampoline             /* 5 bytes */
  .p2align 2
1:
  .long "\core" - .                   /* record+0: core, PC-relative */
  .asciz "\sym"                       /* record+4: mangled name */
  .if \export
    .section .drectve,"yn"
    .ascii " -export:\"\sym\""
  .endif
.endif
.endm

/* One width's path through the trampoline: call the core with the vector
 * registers saved (x86_64-common.S), restore the integer registers and jump
 * to the target.
 *
 * The epilogue has the shape of a Windows epilogue: lea from the frame
 * register into rsp, pops, then an indirect jmp with REX.W, the form LLVM
 * uses for Win64 tail calls so that the unwinder recognises them. An
 * unwinder that does not recognise it (wine's) unwinds through rbp, which is
 * right at every instruction but the final jmp, where no exception can be
 * raised. */
.macro icc_ms_path insn:req, reg:req, size:req
  icc_x86_64_call_core \insn, \reg, \size, .L__icc_ms_null
  icc_x86_64_restore_integer
  .byte 0x49, 0xff, 0xe3              /* jmp *%r11 with REX.W: a tail call, as Win64 unwinders expect it */
.endm

/* The shared trampoline's body. Unlike the SysV file, the trampoline is not
 * defined from file-scope asm: under -flto, lld reads the symbols that
 * module-level asm defines without their COMDAT, and two modules' copies of
 * a global __icc_ms_trampoline or __icc_ms_width are then duplicate
 * definitions. So icc++ defines both in C++ (see macroDefinitions in
 * lib/trampoline.ts), where the compiler gives them COMDATs that LTO and
 * every linker understand (the public symbols, defined by inline asm in
 * functions, stay invisible to lld's COFF LTO, so -flto still fails there):
 *     extern "C" __attribute__((selectany)) unsigned char __icc_ms_width;
 *     extern "C" [[gnu::naked, gnu::used, gnu::nocf_check]] inline void
 *     __icc_ms_trampoline() { __asm__("icc_ms_trampoline"); }
 * and this macro is the naked function's whole body (nocf_check: stubs reach
 * it with a direct jmp, so no endbr64 comes before .seh_proc and the unwind
 * entry starts at the symbol). The compiler puts it in a COMDAT section
 * named .text$__icc_ms_trampoline (mingw) or .text (MSVC), and the
 * assembler puts the unwind information below in .pdata/.xdata sections
 * that go with that COMDAT (named .pdata$__icc_ms_trampoline for mingw's
 * ld, associative for MSVC linkers). A naked function gets no unwind
 * information of its own, so .seh_proc here is the only one. */
.macro icc_ms_trampoline
  .seh_proc __icc_ms_trampoline
  /* Entry: r11 = record; 0(%rsp) = the caller's return address; rsp = 8 mod
   * 16; 8-39(%rsp) may be the caller's shadow space or (sysv_abi callers)
   * its stack arguments, so nothing is stored above the return address.
   * rdi and rsi are not saved: the core preserves them. */
  push %rbp
  .seh_pushreg %rbp
  mov %rsp, %rbp
  .seh_setframe %rbp, 0               /* rsp is recovered from rbp below */
  .seh_endprologue
  icc_x86_64_save_integer             /* -8(%rbp) .. -56(%rbp): see x86_64-common.S */
  icc_x86_64_dispatch __icc_ms_width, icc_ms_path, 0

.L__icc_ms_null:
  /* The core returned 0: report the interceptor by name and stop. */
  mov -56(%rbp), %rcx
  add $4, %rcx                        /* record+4: the mangled name */
  and $-16, %rsp
  sub $32, %rsp                       /* shadow space */
  call __icc_null_target              /* noreturn; from the prelude */
  ud2
  .seh_endproc
.endm

.endif
