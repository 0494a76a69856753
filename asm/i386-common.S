/* icc++: the 32-bit x86 trampoline, shared by ELF (i386-sysv.S) and COFF
 * (i386-ms.S). icc++ embeds this file before either format's file (comments
 * stripped). Guarded, so -flto's concatenation defines each macro once.
 *
 * One trampoline serves callers of every 32-bit convention at once: cdecl,
 * stdcall, fastcall, thiscall, vectorcall, regparm(1-3) and sseregparm.
 * Between them these pass arguments in
 *   eax edx ecx        (regparm 1-3; fastcall and vectorcall ecx edx;
 *                       thiscall ecx)
 *   xmm/ymm/zmm 0-5    (vectorcall 0-5; SysV __m128 and sseregparm 0-2)
 *   the stack          (callee-pop under stdcall, fastcall, thiscall and
 *                       vectorcall; a hidden struct-return pointer that the
 *                       callee pops under cdecl on Linux)
 * and all of them expect ebx esi edi ebp to survive. So the trampoline saves
 * eax ecx edx and vector registers 0-5 at the full width in use, calls the
 * core (cdecl: it preserves ebx esi edi ebp itself, as any convention does),
 * restores them, and reaches the target without touching the caller's stack
 * words: the caller's callee-pop convention is then the target's business.
 *
 * Stub and record. 32-bit x86 has no PC-relative data addressing and no free
 * register (regparm(3) uses all three scratch registers), so a stub is a
 * call into the trampoline; the return address that call pushes is the
 * stub's record, which is position-independent without a GOT:
 *   stub+0      [endbr32]
 *               call __icc_i386_trampoline   5 bytes; pushes R
 *   R+0         ud2                          never runs: stops speculation
 *   R+2 record  .long core - .               the core, relative to R+2
 *   R+6         .long width - .              the module's width byte, relative to R+6
 *   R+10        .asciz "sym"                 the mangled name (null-target report)
 * The trampoline leaves by `ret` with the target stored over R: the stack is
 * then exactly as the caller left it, and the stub's call and this ret pair up
 * in the CPU's return stack buffer (one mispredicted return per call, but the
 * target's own return and every return after it stay predicted). Jumping
 * through a register is impossible (none is free) and through memory below
 * esp is unsafe (a signal frame would overwrite it).
 *
 * Width byte: 0 unknown, 1 SSE, 2 AVX, 3 AVX-512, 4 no SSE (x87 only: SSE is
 * not part of the i386 baseline). CPUID traps to the hypervisor on virtual
 * machines (~3.7 us), so it runs on the first call only.
 *
 * MMX: __m64 arguments in mm0-2 (GCC's -mmmx regparm) alias the x87 stack,
 * which a cdecl core leaves empty but may use; they are not saved (clang
 * passes __m64 on the stack on every i386 target). */

.ifndef .L__icc_i386_common_v1
.set .L__icc_i386_common_v1, 1

/* Save or restore vector registers 0-5 with `insn` at `size` bytes each,
 * starting at base(%esp). */
.macro icc_i386_vec insn:req, reg:req, size:req, base:req, load=0
  .irp n, 0,1,2,3,4,5
    .if \load
      \insn (\base+\n*\size)(%esp), %\reg\n
    .else
      \insn %\reg\n, (\base+\n*\size)(%esp)
    .endif
  .endr
.endm

/* The vector width this process may use, into edi: 1 SSE, 2 AVX, 3 AVX-512,
 * 4 no SSE. The OS must enable the state in XCR0, not only the CPU support
 * it. Clobbers eax ebx ecx edx esi edi: the caller saves ebx esi edi. */
.macro icc_i386_detect_width
  mov $4, %edi
  xor %eax, %eax
  cpuid                               /* eax = highest standard leaf */
  mov %eax, %esi
  mov $1, %eax
  cpuid
  bt $25, %edx                        /* SSE: movaps is usable */
  jnc 1f
  mov $1, %edi
  bt $27, %ecx                        /* OSXSAVE: xgetbv is usable */
  jnc 1f
  bt $28, %ecx                        /* AVX */
  jnc 1f
  xor %ecx, %ecx
  xgetbv                              /* edx:eax = XCR0 */
  mov %eax, %edx
  and $0x6, %eax                      /* XMM and YMM state enabled by the OS */
  cmp $0x6, %eax
  jne 1f
  mov $2, %edi
  cmp $7, %esi
  jb 1f
  mov %edx, %esi                      /* XCR0, across the next cpuid */
  mov $7, %eax
  xor %ecx, %ecx
  cpuid
  bt $16, %ebx                        /* AVX512F */
  jnc 1f
  and $0xe6, %esi                     /* XMM YMM opmask ZMM_Hi256 Hi16_ZMM */
  cmp $0xe6, %esi
  jne 1f
  mov $3, %edi
1:
.endm

/* One width's call of the core: reserve the vector save area, save vector
 * registers 0-5 with `insn` (none if size is 0), call the core, go to `null`
 * if it returned 0, else store the target over R (4(%ebp)), restore the
 * registers and return into the target. On entry esp is 64-byte aligned;
 * below it:
 *   0(%esp) .. 6*size   vector registers 0-5 (64-byte aligned)
 * The area is a multiple of 64 bytes, so esp is 0 mod 16 at the call, as the
 * i386 psABI on Linux requires (Windows needs 4). */
.macro icc_i386_path insn:req, reg:req, size:req, null:req, cfi:req
  .if \size
    sub $((6*\size + 63) & -64), %esp
    icc_i386_vec \insn, \reg, \size, 0
  .endif
  mov 4(%ebp), %eax
  add $2, %eax                        /* eax = record (R+2) */
  add (%eax), %eax                    /* eax = core */
  call *%eax                          /* cdecl, no arguments: returns the target */
  test %eax, %eax
  jz \null
  mov %eax, 4(%ebp)                   /* the target, where R was: ret pops it */
  .if \size
    icc_i386_vec \insn, \reg, \size, 0, 1
  .endif
  mov -12(%ebp), %edx
  mov -8(%ebp), %ecx
  mov -4(%ebp), %eax
  leave                               /* esp = &target, ebp = the caller's */
  .if \cfi
    .cfi_remember_state
    .cfi_def_cfa %esp, 8              /* the target's slot, then the caller's return address */
    .cfi_restore %ebp
  .endif
  ret                                 /* into the target, with the caller's stack */
  .if \cfi
    .cfi_restore_state
  .endif
.endm

/* The trampoline's body (both formats), from its first instruction.
 *   width  the module's width byte (hidden/COMDAT, 0 until detected)
 *   null   where to go when the core returned 0 (record at 4(%ebp)+2)
 *   cfi    1 to describe the frame for a DWARF unwinder (ELF, and mingw's
 *          i686 DWARF-2 exception model)
 * Entry: 0(%esp) = R (pushed by the stub's call), 4(%esp) = the caller's
 * return address, 8(%esp) = the caller's stack arguments.
 * The unwind description skips the stub (it has no frame of its own): the
 * frame's return address is the caller's, so an exception from the core or
 * a debugger's backtrace goes straight to the caller. Frame:
 *   8(%ebp) the caller's return address      4(%ebp) R, later the target
 *   0(%ebp) the caller's ebp
 *  -4(%ebp) eax   -8(%ebp) ecx   -12(%ebp) edx   (argument registers)
 * -16(%ebp) ebx  -20(%ebp) esi  -24(%ebp) edi    (width detection only)
 * then esp aligned down to 64 for the vector area. */
.macro icc_i386_body null:req, cfi:req
  .if \cfi
    .cfi_def_cfa_offset 8             /* CFA = the caller's esp before its call + ... */
    .cfi_offset %eip, -4              /* return address: the caller's, above R */
  .endif
  push %ebp
  .if \cfi
    .cfi_offset %ebp, -12
  .endif
  mov %esp, %ebp
  .if \cfi
    .cfi_def_cfa %ebp, 12             /* CFA = ebp + 12 from here on */
  .endif
  push %eax                           /* -4(%ebp) */
  push %ecx                           /* -8(%ebp) */
  push %edx                           /* -12(%ebp) */
  sub $12, %esp                       /* -16 .. -24(%ebp): ebx esi edi during detection */
  and $-64, %esp
.L__icc_i386_dispatch\@:
  mov 4(%ebp), %eax
  add $6, %eax                        /* eax = R+6 */
  add (%eax), %eax                    /* eax = &width */
  movzbl (%eax), %eax
  cmp $1, %eax
  jne 2f
  icc_i386_path movaps, xmm, 16, \null, \cfi
2:
  cmp $2, %eax
  jne 3f
  icc_i386_path vmovaps, ymm, 32, \null, \cfi
3:
  cmp $3, %eax
  jne 4f
  icc_i386_path vmovaps, zmm, 64, \null, \cfi
4:
  cmp $4, %eax
  jne 5f
  icc_i386_path none, none, 0, \null, \cfi
5:
  /* First call: detect the width (cpuid clobbers ebx, xgetbv nothing more;
   * esi edi are scratch for the macro), store it, dispatch again. */
  mov %ebx, -16(%ebp)
  mov %esi, -20(%ebp)
  mov %edi, -24(%ebp)
  .if \cfi
    .cfi_offset %ebx, -28
    .cfi_offset %esi, -32
    .cfi_offset %edi, -36
  .endif
  icc_i386_detect_width               /* edi = 1 SSE, 2 AVX, 3 AVX-512, 4 none */
  mov 4(%ebp), %eax
  add $6, %eax
  add (%eax), %eax                    /* eax = &width */
  mov %edi, %ecx
  mov %cl, (%eax)
  mov -16(%ebp), %ebx
  mov -20(%ebp), %esi
  mov -24(%ebp), %edi
  .if \cfi
    .cfi_restore %ebx
    .cfi_restore %esi
    .cfi_restore %edi
  .endif
  jmp .L__icc_i386_dispatch\@
.endm

.endif
