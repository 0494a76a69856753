/* icc++: the replay thunk, for interceptors whose body reads its parameters.
 * Shared by the SysV and Microsoft x64 files (embedded after x86_64-common.S,
 * comments stripped). Guarded like them.
 *
 * Such an interceptor's body is compiled inside a function with the declared
 * parameter list (__params_X, lib/rewrite/params.ts). When its parameters all
 * arrive in registers, the System V trampoline calls __params_X itself (the
 * prelude's `direct`) and this thunk is not used. Otherwise its core finds the
 * full trampoline's frame (the trampoline's rbp, x86_64-common.S: its own
 * caller's frame pointer on ELF, rcx on COFF) and calls this thunk with (frame, count, &__params_X, where to write the copy's
 * address: a thread-local the va_start fix-up reads), in the core's own
 * convention: System V on ELF (rdi rsi rdx rcx), Microsoft on COFF (rcx rdx
 * r8 r9).
 * which calls __params_X with every argument register and the caller's stack
 * arguments as the caller left them, so clang's own code reads each parameter
 * where the ABI put it (sret pointer, MEMORY-class structs on the stack, ...).
 *
 * The trampoline's frame, from its rbp (x86_64-common.S):
 *   16(%rbp)   the caller's stack arguments (Microsoft x64: its 32-byte home
 *              area first); `count & -8` bytes of them are copied, an upper
 *              bound the core computes from the declared parameter types.
 *              count's low bits are flags the types decide: 1, load vector
 *              registers 0-7 (a parameter may be in one, or variadic: AL);
 *              2, run emms after the call (the return may be on the x87 stack).
 *   -8 rdx  -16 rcx  -24 r8  -32 r9  -40 rax  -48 r10  -56 r11
 *   sysv=1 (System V cores, ELF): -64 rdi  -72 rsi, and vector registers 0-7,
 *     `size` bytes each, at ((rbp - 72) & -64) - 8*size - 128 (xmm8-15 above)
 *   sysv=0 (Microsoft cores, COFF): vector registers 0-7 at
 *     ((rbp - 56) & -64) - 8*size; rdi and rsi are not in the frame: the core
 *     preserves them (its convention) and calls this thunk first thing, so
 *     they still hold the caller's values.
 *
 * This thunk's own frame (rbp = entry rsp - 8, 0 mod 16):
 *   -8(%rbp) rdi   -16 rsi   -24 &__params_X   -32 count (its flags)
 *   -192(%rbp) .. -32(%rbp)  xmm6-15 (low 128 bits: the core's convention
 *              keeps them, and __params_X may be a SysV function)
 *   below: the copy of the stack arguments, at the same address mod 64 as the
 *   caller's (so __params_X sees the same alignment), then the return address.
 * The target __params_X chose is in a thread-local slot (the prelude), which
 * the core reads when this thunk returns. */

.ifndef .L__icc_x86_64_replay_v1
.set .L__icc_x86_64_replay_v1, 1

/* Loads vector registers 0-7 with `insn` at `size` bytes each from base(%r10). */
.macro icc_x86_64_replay_vec insn:req, reg:req, size:req
  .irp n, 0,1,2,3,4,5,6,7
    \insn (\n*\size)(%r10), %\reg\n
  .endr
.endm

/* One width's replay: `insn`/`reg`/`size` load vector registers 0-7 from the
 * trampoline's frame. With sysv=0 (a Microsoft-convention thunk) `xmov` saves
 * and restores xmm6-15, callee-saved there (VEX-encoded once the width is AVX:
 * legacy SSE stores with dirty upper halves cost a transition); a System V
 * thunk needn't (its trampoline restores them). Entry: the thunk's frame set
 * up (below), r11 = the trampoline's frame, rdx = count, r9 = where to write
 * the copy's address. */
.macro icc_x86_64_replay_path xmov:req, insn:req, reg:req, size:req, sysv:req
  .if !\sysv
    .irp n, 6,7,8,9,10,11,12,13,14,15
      \xmov %xmm\n, (\n*16-288)(%rbp)
    .endr
  .endif
  lea 16(%r11), %rsi                  /* the caller's stack arguments */
  mov %rsp, %rax
  sub %rdx, %rax
  sub $64, %rax
  and $-64, %rax
  mov %esi, %ecx
  and $63, %ecx
  add %rcx, %rax                      /* the copy: same address mod 64 as the source */
  mov %rax, %rsp
  test %r9, %r9
  jz 6f
  mov %rax, (%r9)                     /* the copy's address, for va_start (params-prelude.ts), if asked */
6:
  test %rdx, %rdx                     /* count is a multiple of 8; a loop: rep movs starts slowly */
  jz 2f
1:
  mov -8(%rsi,%rdx), %rcx
  mov %rcx, -8(%rax,%rdx)
  sub $8, %rdx
  jnz 1b
2:
  testb $1, -32(%rbp)                 /* flag 1: a parameter may be in a vector register */
  jz 3f
  lea (-56-16*\sysv)(%r11), %r10
  and $-64, %r10                      /* the trampoline's rsp after its integer saves */
  sub $(8*\size+128*\sysv), %r10     /* its vector registers 0-7 */
  icc_x86_64_replay_vec \insn, \reg, \size
3:
  mov -8(%r11), %rdx
  mov -16(%r11), %rcx
  mov -24(%r11), %r8
  mov -32(%r11), %r9
  mov -40(%r11), %rax                 /* AL: a variadic call's vector count */
  mov -48(%r11), %r10                 /* the static chain */
  .if \sysv
    mov -64(%r11), %rdi
    mov -72(%r11), %rsi
  .else
    mov -8(%rbp), %rdi
    mov -16(%rbp), %rsi
  .endif
  call *-24(%rbp)
  testb $2, -32(%rbp)                 /* flag 2: the return type may use the x87 stack */
  jz 4f
  emms                                /* __params_X may have returned a long double there: empty it */
4:
  .if !\sysv
    mov -8(%rbp), %rdi
    mov -16(%rbp), %rsi
    .irp n, 6,7,8,9,10,11,12,13,14,15
      \xmov (\n*16-288)(%rbp), %xmm\n
    .endr
  .endif
.endm

/* The fast path, first thing (before the unwind prologue): with count 0 (no
 * stack argument, no flag, __params_X in the thunk's convention) it loads the
 * integer argument registers and tail-calls __params_X, which returns to the
 * core. The core's own frame is all __params_X needs: its return address (and
 * on Microsoft x64 the 32-byte home area the core reserved for this call).
 * sysv=0: rdi and rsi still hold the caller's values (see the COFF thunk). */
.macro icc_x86_64_replay_fast sysv:req
  .if \sysv
    test %rsi, %rsi
    jnz 5f
    mov %rdx, %r11                    /* __params_X */
    mov -72(%rdi), %rsi
    mov -8(%rdi), %rdx
    mov -16(%rdi), %rcx
    mov -24(%rdi), %r8
    mov -32(%rdi), %r9
    mov -40(%rdi), %rax
    mov -48(%rdi), %r10
    mov -64(%rdi), %rdi
  .else
    test %rdx, %rdx
    jnz 5f
    mov %r8, %r11                     /* __params_X */
    mov -8(%rcx), %rdx
    mov -24(%rcx), %r8
    mov -32(%rcx), %r9
    mov -40(%rcx), %rax
    mov -48(%rcx), %r10
    mov -16(%rcx), %rcx
  .endif
  jmp *%r11
5:
.endm

/* The thunk's body (after its label and unwind prologue, which differ per
 * object format): `width` is the module's width byte. */
.macro icc_x86_64_replay_body width:req, sysv:req
  .if \sysv                           /* System V arguments: into the Microsoft ones' places */
    mov %rdi, %r11                    /* the trampoline's frame */
    mov %rdx, %r8                     /* __params_X */
    mov %rcx, %r9                     /* where the copy's address goes */
    mov %rsi, %rdx                    /* count */
  .else
    mov %rcx, %r11                    /* the trampoline's frame */
  .endif
  push %rdi                           /* -8(%rbp) */
  push %rsi                           /* -16(%rbp) */
  push %r8                            /* -24(%rbp): __params_X */
  sub $168, %rsp                      /* -32 the flags; xmm6-15 at -192(%rbp) (sysv=0) */
  mov %rdx, -32(%rbp)                 /* count's low bits are flags (params-prelude.ts) */
  and $-8, %rdx
  movzbl \width(%rip), %eax           /* set: the trampoline ran first */
  cmp $3, %eax                        /* (labels 7-9: the path uses 1-4 and 6, the fast path 5) */
  jne 7f
  icc_x86_64_replay_path vmovaps, vmovaps, zmm, 64, \sysv
  jmp 9f
7:
  cmp $2, %eax
  jne 8f
  icc_x86_64_replay_path vmovaps, vmovaps, ymm, 32, \sysv
  jmp 9f
8:
  icc_x86_64_replay_path movaps, movaps, xmm, 16, \sysv
9:
.endm

/* The COFF thunk's body: icc++ defines __icc_ms_replay as a naked C++
 * function around it (like __icc_ms_trampoline, see x86_64-ms.S), with SEH
 * unwind information. rdi rsi xmm6-15 need no unwind codes: the thunk never
 * changes them before its call (it reloads the values they had). */
.macro icc_x86_64_replay_coff name:req, width:req
  .seh_proc \name
  icc_x86_64_replay_fast 0
  push %rbp
  .seh_pushreg %rbp
  mov %rsp, %rbp
  .seh_setframe %rbp, 0
  .seh_endprologue
  icc_x86_64_replay_body \width, 0
  leave
  ret
  .seh_endproc
.endm

/* The ELF thunk: COMDAT, hidden, with its CFI frame. */
.macro icc_x86_64_replay_elf name:req, width:req
.ifndef \name
  .pushsection .text.\name,"axG",@progbits,\name,comdat
  .p2align 4
  .weak \name
  .hidden \name
  .type \name,@function
\name:
  .cfi_startproc
  icc_x86_64_replay_fast 1
  push %rbp
  .cfi_adjust_cfa_offset 8
  .cfi_rel_offset %rbp, 0
  mov %rsp, %rbp
  .cfi_def_cfa_register %rbp
  icc_x86_64_replay_body \width, 1
  leave
  .cfi_def_cfa %rsp, 8
  ret
  .cfi_endproc
  .size \name, .-\name
  .popsection
.endif
.endm

.endif
