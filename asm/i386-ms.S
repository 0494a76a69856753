/* icc++ trampolines for 32-bit x86 on COFF (Windows: i686-w64-mingw32,
 * i686-pc-windows-msvc).
 *
 * GAS macros for LLVM's integrated assembler, embedded after i386-common.S
 * (read that file first: the stub, the record and the trampoline's frame are
 * described there), as a file-scope asm statement followed by
 * `icc_i386_ms_trampoline <cfi>`. The width byte is defined in C++, as for
 * x86-64 Windows (x86_64-ms.S), where the compiler gives it a COMDAT, under an
 * asm label so that its name has no leading underscore on either target
 * (lib/arch/i386.ts):
 *     extern "C" __attribute__((selectany)) unsigned char __icc_i386_ms_width;
 * Each interceptor's public symbol is then one macro invocation:
 *
 *     icc_i386_ms_stub <symbol>, <core>, <binding>, <group>, <cet>, <export>
 *
 * What differs from ELF (i386-sysv.S):
 *   - COFF sections and COMDATs (`.section name,"xr",discard,key`); no
 *     .pushsection in LLVM 14's COFF assembler: a stub is expanded in the
 *     inline asm of a naked emitter function, and the compiler switches back
 *     to its own section before it ends that function;
 *   - names: the compiler prints the public symbol decorated as the target
 *     wants it (`_Logger@8` stdcall, `@Logger@8` fastcall, `Logger@@16`
 *     vectorcall, `_Logger` cdecl, `__ZN2ns6LoggerEi@4` or MSVC's quoted
 *     "?Logger@ns@@YGXH@Z"); a quoted macro argument expands to its contents,
 *     so every use is written "\sym" and no label is built from it;
 *   - __declspec(dllexport) interceptors get the `.drectve` export directive
 *     clang writes for a definition. Mingw exports stdcall names without the
 *     leading underscore (`-export:Logger@8`), MSVC with it (`/EXPORT:_Logger@8`):
 *     the stub's `export` parameter says which (lib/arch/i386.ts);
 *   - unwinding. Debian's i686 mingw-w64 GCC is built with DWARF-2 exceptions
 *     (--disable-sjlj-exceptions --with-dwarf2; its runtime is
 *     libgcc_s_dw2-1.dll), and so is clang's default for i686-w64-mingw32:
 *     the unwinder reads .eh_frame CFI, so the trampoline describes its frame
 *     with the same CFI as on ELF (cfi = 1). 32-bit MSVC C++ exceptions are
 *     not table-based: the unwinder walks the fs:[0] chain of registration
 *     records that frames with handlers push, and a frame without one (the
 *     trampoline) is skipped by restoring the handler frame's own esp/ebp; it
 *     needs no unwind information (cfi = 0);
 *   - the null report calls the prelude's `__icc_null_target`, a cdecl C
 *     function, whose COFF name on i386 is `___icc_null_target`. */

.ifndef .L__icc_i386_ms_macros_v1
.set .L__icc_i386_ms_macros_v1, 1

/* icc_i386_ms_stub sym, core, bind, group, cet, export
 *   sym    the public (decorated or mangled) symbol the program calls, plain or quoted
 *   core   the core function: cdecl, no arguments, returns the target
 *   bind   globl | weak | local   (weak: inline functions and templates; on
 *          COFF a global symbol in a `discard` COMDAT, which removes duplicates)
 *   group  comdat: the stub and its record form a COMDAT keyed by the symbol,
 *          in a section named .text$<sym> (mingw's ld finds a COMDAT's key by
 *          section name, as x86_64-ms.S explains); none: a plain section
 *   cet    1 to start the stub with endbr32 (-fcf-protection)
 *   export 0, or for a __declspec(dllexport) interceptor the export
 *          directive's form, as clang writes it for a definition:
 *            plain        ` -export:"sym"` (MSVC: `_Logger@8`)
 *            undecorated  the name without its leading underscore (mingw:
 *                         `Logger@8`, `_ZN2ns6LoggerEi@4`; its ld and lld add
 *                         the underscore back when they look the symbol up)
 * The record follows the stub's call in the same section (i386-common.S):
 * R+2 core, R+6 width byte, R+10 name. Both offsets are REL32 relocations,
 * resolved at link time, so a DLL needs no base relocation for them. After
 * the compile, lib/arch/i386-coff-light.ts may point the call (not in a
 * COMDAT) at __icc_i386_ms_light. */
.macro icc_i386_ms_stub sym:req, core:req, bind:req, group:req, cet:req, export=0
  /* One byte for the naked emitter this expands in, so that it is not empty:
   * with -g the compiler gives the emitter an FDE, and a zero-length FDE at
   * the next function's address can hide that function's FDE from libgcc's
   * binary search (an exception through it then terminates; seen with GNU ld). */
  int3
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
    endbr32
  .endif
  call __icc_i386_ms_trampoline       /* 5 bytes; pushes R */
  ud2                                 /* R+0 */
  .long "\core" - .                   /* R+2: the core */
  .long __icc_i386_ms_width - .       /* R+6: this image's width byte */
  .asciz "\sym"                       /* R+10: the mangled name */
  .ifnc \export,0
    .section .drectve,"yn"
    .ascii " -export:\""
    .ifc \export,plain
      .ascii "\sym"
    .else
      icc_i386_ms_undecorated "\sym"
    .endif
    .ascii "\""
  .endif
.endif
.endm

/* The bytes of `sym` without, if it starts with one, its leading underscore:
 * i386 COFF's C prefix. Character by character over the quoted name (.irpc
 * sees the quotes too; a quoted macro argument arrives without them): 34 is
 * `"`, 95 is `_`. */
.macro icc_i386_ms_undecorated sym:req
  .set .L__icc_i386_ms_at, 0
  .irpc c, "\sym"
    .if ('\c' <> 34) && ((.L__icc_i386_ms_at <> 1) || ('\c' <> 95))
      .byte '\c'
    .endif
    .set .L__icc_i386_ms_at, .L__icc_i386_ms_at + 1
  .endr
.endm

/* One trampoline, full or light, from file-scope asm: once per image (a
 * COMDAT keyed by its name; the assembler's .eh_frame entry for it is dropped
 * with the duplicate copies as for any inline function), with its own null
 * report (a label in another COMDAT could be discarded with it).
 *   name   __icc_i386_ms_trampoline or __icc_i386_ms_light
 *   cfi    1 on mingw (DWARF-2 unwinding), 0 for MSVC (see above)
 *   light  1: no vector register saved, no width needed (i386-coff-light.ts
 *          points the stubs of cores that call nothing and touch no vector
 *          register here after the compile) */
.macro icc_i386_ms_function name:req, cfi:req, light:req
  .section .text$\name,"xr",discard,\name
  .p2align 4
  .globl \name
  .def \name; .scl 2; .type 32; .endef
\name:
  .if \cfi
    .cfi_startproc
  .endif
  icc_i386_body .L\name\()_null, \cfi, ret, 2, \light

.L\name\()_null:
  /* The core returned 0: report the interceptor by name and stop. */
  mov 4(%ebp), %eax
  add $10, %eax                       /* R+10: the mangled name */
  and $-16, %esp
  sub $12, %esp
  push %eax
  call ___icc_null_target             /* cdecl, noreturn; from the prelude */
  ud2
  .if \cfi
    .cfi_endproc
  .endif
.endm

/* The shared trampolines, full and light. Not naked C++ functions as on
 * x86-64 (x86_64-ms.S): with -g, clang gives a naked function CFI of its
 * own, and this frame's CFI can't be nested in it. (x86-64 chose the naked
 * function for -flto, which stays refused for Windows targets.) Module-level
 * asm comes right after the compiler's opening `.text`, and LLVM 14 has no
 * .pushsection for COFF: the macro switches back to .text itself. */
.macro icc_i386_ms_trampoline cfi:req
.ifndef __icc_i386_ms_trampoline
  icc_i386_ms_function __icc_i386_ms_trampoline, \cfi, 0
  icc_i386_ms_function __icc_i386_ms_light, \cfi, 1
  .text
.endif
.endm

.endif
