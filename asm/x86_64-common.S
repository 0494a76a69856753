/* icc++: what the SysV (x86_64-sysv.S) and Microsoft (x86_64-ms.S) trampolines
 * share. icc++ embeds this file before either ABI's file (comments stripped).
 * Guarded like them, so -flto's concatenation defines each macro once. */

.ifndef .L__icc_x86_64_common_v1
.set .L__icc_x86_64_common_v1, 1

/* Save or restore vector registers 0-7 with `insn` at `size` bytes each,
 * starting at base(%rsp). */
.macro icc_x86_64_vec insn:req, reg:req, size:req, base:req, load=0
  .irp n, 0,1,2,3,4,5,6,7
    .if \load
      \insn (\base+\n*\size)(%rsp), %\reg\n
    .else
      \insn %\reg\n, (\base+\n*\size)(%rsp)
    .endif
  .endr
.endm

/* The vector width this process may use, into r8d: 1 SSE (the x86-64
 * baseline), 2 AVX, 3 AVX-512. The OS must enable the state in XCR0, not only
 * the CPU support it. Clobbers rax rbx rcx rdx r9 r10: the caller keeps rbx
 * (callee-saved in every ABI) and describes that to its unwinder.
 * CPUID traps to the hypervisor on virtual machines (~3.7 us): run once. */
.macro icc_x86_64_detect_width
  mov $1, %r8d
  xor %eax, %eax
  cpuid                               /* eax = highest standard leaf */
  mov %eax, %r9d
  mov $1, %eax
  cpuid
  bt $27, %ecx                        /* OSXSAVE: xgetbv is usable */
  jnc 1f
  bt $28, %ecx                        /* AVX */
  jnc 1f
  xor %ecx, %ecx
  xgetbv                              /* edx:eax = XCR0 */
  mov %eax, %r10d
  and $0x6, %eax                      /* XMM and YMM state enabled by the OS */
  cmp $0x6, %eax
  jne 1f
  mov $2, %r8d
  cmp $7, %r9d
  jb 1f
  mov $7, %eax
  xor %ecx, %ecx
  cpuid
  bt $16, %ebx                        /* AVX512F */
  jnc 1f
  and $0xe6, %r10d                    /* XMM YMM opmask ZMM_Hi256 Hi16_ZMM */
  cmp $0xe6, %r10d
  jne 1f
  mov $3, %r8d
1:
.endm

/* The part of both trampolines that picks the width: reads the per-module
 * width byte and runs `path` (an ABI's macro: insn, reg, size) for it; on the
 * first call, detects the width and stores it. Entry: the integer registers
 * saved by icc_x86_64_save_integer (r11, the record, at -56(%rbp)); the
 * detection clobbers rcx rdx r8 r9 r10 and reloads them, so that every path
 * reaches the core with the caller's argument registers (rax aside). cpuid
 * clobbers rbx, which is callee-saved: it waits in r11 (cfi=1 tells a DWARF
 * unwinder so). */
.macro icc_x86_64_dispatch width:req, path:req, cfi:req
.L\width\()_dispatch:
  movzbl \width(%rip), %eax
  cmp $3, %eax
  jne .L\width\()_not512
  \path vmovaps, zmm, 64
.L\width\()_not512:
  cmp $2, %eax
  jne .L\width\()_not256
  \path vmovaps, ymm, 32
.L\width\()_not256:
  test %eax, %eax
  jz .L\width\()_detect
  \path movaps, xmm, 16
.L\width\()_detect:
  mov %rbx, %r11
  .if \cfi
    .cfi_register %rbx, %r11
  .endif
  icc_x86_64_detect_width             /* r8d = 1 SSE, 2 AVX, 3 AVX-512 */
  mov %r11, %rbx
  .if \cfi
    .cfi_restore %rbx
  .endif
  mov %r8b, \width(%rip)
  mov -56(%rbp), %r11
  mov -8(%rbp), %rdx                  /* the caller's values again: a System V */
  mov -16(%rbp), %rcx                 /* core may read them where they came */
  mov -24(%rbp), %r8                  /* (x86_64-sysv.S) */
  mov -32(%rbp), %r9
  mov -48(%rbp), %r10
  jmp .L\width\()_dispatch
.endm

/* The integer registers a caller may pass arguments in and the core may
 * clobber, saved below the frame pointer both trampolines set up
 * (push %rbp; mov %rsp, %rbp), then rsp aligned for the vector area:
 *   -8(%rbp) rdx   -16 rcx   -24 r8   -32 r9
 *   -40(%rbp) rax (AL: a variadic call's vector count)
 *   -48(%rbp) r10 (static chain)   -56(%rbp) r11 (the stub's record)
 * With sysv=1 (the core uses the System V convention, which may clobber
 * them): -64(%rbp) rdi   -72(%rbp) rsi. Otherwise rdi and rsi are not
 * saved: the core preserves them (Microsoft convention). */
.macro icc_x86_64_save_integer sysv=0
  push %rdx
  push %rcx
  push %r8
  push %r9
  push %rax
  push %r10
  push %r11
  .if \sysv
    push %rdi
    push %rsi
  .endif
  and $-64, %rsp                      /* vector save areas are 64-byte aligned */
.endm

/* Restores what icc_x86_64_save_integer saved, and the caller's rbp. */
.macro icc_x86_64_restore_integer sysv=0
  .if \sysv
    mov -64(%rbp), %rdi
    mov -72(%rbp), %rsi
  .endif
  lea -48(%rbp), %rsp
  pop %r10
  pop %rax
  pop %r9
  pop %r8
  pop %rcx
  pop %rdx
  pop %rbp
.endm

/* One width's call of the core: reserve the vector save area, save vector
 * registers 0-7 with `insn`, call the core (record in r11), go to `null` if
 * it returned 0, else keep the target in r11 and restore the registers.
 * On entry rsp is 64-byte aligned. Frame below it:
 *   64+8*size(%rsp) .. +128 with sysv=1: xmm8-15, low 128 bits (callee-saved
 *                           for a Microsoft-convention caller, xmm6-7 being
 *                           among registers 0-7; a System V core may clobber them)
 *   64(%rsp) .. 64+8*size   vector registers 0-7 (64-byte aligned)
 *   32(%rsp) .. 64(%rsp)    padding: every vector offset is a multiple of 64,
 *                           which EVEX/VEX encode in one displacement byte
 *    0(%rsp) .. 32(%rsp)    the core's shadow (home) space (Microsoft x64)
 * rsp is 0 mod 64, so 0 mod 16 at the call. */
.macro icc_x86_64_call_core insn:req, reg:req, size:req, null:req, sysv=0
  sub $(8*\size + 64 + 128*\sysv), %rsp
  icc_x86_64_vec \insn, \reg, \size, 64
  .if \sysv
    icc_x86_64_high \insn, 64+8*\size
  .endif
  movslq (%r11), %rax
  add %r11, %rax                      /* rax = core (record + offset) */
  /* A core that reads its parameters replays them from this frame
   * (x86_64-replay.S). System V: the core finds it as its caller's frame
   * pointer, so the argument registers still hold the caller's values (only
   * rax and r11 changed) and the core may be the body itself, called directly
   * (lib/rewrite/params-prelude.ts: `direct`). Microsoft: in rcx, restored
   * below (Win64 frame pointers don't chain). */
  .if !\sysv
    mov %rbp, %rcx
  .endif
  call *%rax
  test %rax, %rax
  jz \null
  mov %rax, %r11                      /* the target, in a scratch register */
  icc_x86_64_vec \insn, \reg, \size, 64, 1
  .if \sysv
    icc_x86_64_high \insn, 64+8*\size, 1
  .endif
.endm

/* Save or restore xmm8-15 (low 128 bits) at base(%rsp). */
.macro icc_x86_64_high insn:req, base:req, load=0
  .irp n, 8,9,10,11,12,13,14,15
    .if \load
      \insn (\base+(\n-8)*16)(%rsp), %xmm\n
    .else
      \insn %xmm\n, (\base+(\n-8)*16)(%rsp)
    .endif
  .endr
.endm

.endif
