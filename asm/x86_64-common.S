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

.endif
