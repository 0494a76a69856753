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
 * call into the trampoline; the return address that call pushes, R, leads to
 * the stub's record, which is position-independent without a GOT. The
 * trampoline leaves in one of two ways (the `exit` parameter):
 *
 *   tls: the trampoline stores the target in the stub's thread-local slot
 *   and returns to R, where the stub jumps on through the slot. The stub's
 *   call pairs with that return and the caller's call with the target's
 *   return, so the CPU's return-stack predictor stays right, and the jump
 *   sits in each stub, so the branch predictor learns each target apart:
 *     stub+0    [endbr32]
 *               call <trampoline>             5 bytes; pushes R
 *     R+0       jmp *%gs:slot                 65 ff 25 <slot@ntpoff>: R+3 holds
 *                                             the slot's offset from the thread pointer
 *     R+7       ud2                           stops straight-line speculation
 *     R+9       record (rec = 9)
 *   The slot's offset is a link-time constant only in an executable (ELF
 *   local-exec TLS: a program or a PIE, not a shared object). A signal
 *   handler that calls the same interceptor between the store and the jump,
 *   with its core choosing another target, would send the interrupted call
 *   there too (6 instructions; one slot per stub, so other interceptors
 *   can't).
 *
 *   ret: the trampoline stores the target over R and returns into it
 *   (shared objects, and COFF: no register and no constant-offset
 *   thread-local storage there). The stack is then exactly as the caller
 *   left it, but the return mispredicts: the stub's call pushed R on the
 *   return-stack predictor.
 *     stub+0    [endbr32]
 *               call <trampoline>
 *     R+0       ud2                           never runs: stops speculation
 *     R+2       record (rec = 2)
 *
 * The record, at R+rec:
 *   +0          .long core - .                the core, relative to this field
 *   +4          .long width - .               the module's width byte, relative to this field
 *   +8          .asciz "sym"                  the mangled name (null-target report)
 * Jumping through memory below esp is not an option: a signal frame would
 * overwrite it.
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
 * if it returned 0, else leave the target where `exit` says (the stub's slot
 * for tls, over R for ret), restore the registers and return. On entry esp is
 * 64-byte aligned; below it:
 *   0(%esp) .. 6*size   vector registers 0-5 (64-byte aligned)
 * The area is a multiple of 64 bytes, so esp is 0 mod 16 at the call, as the
 * i386 psABI on Linux requires (Windows needs 4). */
.macro icc_i386_path insn:req, reg:req, size:req, null:req, cfi:req, exit=ret, rec=2
  .if \size
    sub $((6*\size + 63) & -64), %esp
    icc_i386_vec \insn, \reg, \size, 0
  .endif
  mov 4(%ebp), %eax
  add $\rec, %eax                     /* eax = the record */
  add (%eax), %eax                    /* eax = core */
  call *%eax                          /* cdecl, no arguments: returns the target */
  test %eax, %eax
  jz \null
  .ifc \exit,tls
    mov 4(%ebp), %ecx
    mov 3(%ecx), %ecx                 /* R+3: the slot's offset in the stub's jmp *%gs:slot */
    mov %eax, %gs:(%ecx)              /* the target, where the stub jumps through */
  .else
    mov %eax, 4(%ebp)                 /* the target, where R was: ret pops it */
  .endif
  .if \size
    icc_i386_vec \insn, \reg, \size, 0, 1
  .endif
  mov -12(%ebp), %edx
  mov -8(%ebp), %ecx
  mov -4(%ebp), %eax
  leave                               /* esp = &R (ret: &target), ebp = the caller's */
  .if \cfi
    .cfi_remember_state
    .cfi_def_cfa %esp, 8              /* R's slot, then the caller's return address */
    .cfi_restore %ebp
  .endif
  ret                                 /* tls: to R, the stub's jump; ret: into the target */
  .if \cfi
    .cfi_restore_state
  .endif
.endm

/* The trampoline's body (both formats), from its first instruction.
 *   null   where to go when the core returned 0 (record at 4(%ebp)+rec)
 *   cfi    1 to describe the frame for a DWARF unwinder (ELF, and mingw's
 *          i686 DWARF-2 exception model)
 *   exit   tls or ret: how the target is reached (see the top of this file)
 *   rec    where the record starts after R: 9 for tls, 2 for ret
 *   light  1 for the light trampoline: no vector register saved, no width
 *          needed (its cores call nothing and touch no vector register)
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
.macro icc_i386_body null:req, cfi:req, exit=ret, rec=2, light=0
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
  .if \light
    icc_i386_path none, none, 0, \null, \cfi, \exit, \rec
  .else
.L__icc_i386_dispatch\@:
  mov 4(%ebp), %eax
  add $(\rec+4), %eax                 /* eax = &the record's width field */
  add (%eax), %eax                    /* eax = &width */
  movzbl (%eax), %eax
  cmp $1, %eax
  jne 2f
  icc_i386_path movaps, xmm, 16, \null, \cfi, \exit, \rec
2:
  cmp $2, %eax
  jne 3f
  icc_i386_path vmovaps, ymm, 32, \null, \cfi, \exit, \rec
3:
  cmp $3, %eax
  jne 4f
  icc_i386_path vmovaps, zmm, 64, \null, \cfi, \exit, \rec
4:
  cmp $4, %eax
  jne 5f
  icc_i386_path none, none, 0, \null, \cfi, \exit, \rec
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
  add $(\rec+4), %eax
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
  .endif
.endm

.endif
