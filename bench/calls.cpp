// npm run bench: ns per call and the ratio to a plain indirect call, for each
// way of hooking a function, at every vector width this CPU can run, in one
// process. Each repetition times the plain indirect call and then every hook;
// the figure printed is the median of the per-repetition ratios, with the
// spread (10th-90th percentile), because these machines are shared and noisy.
#include <algorithm>
#include <chrono>

// npm run bench builds this file several times, each with a different amount of
// padding at the start of .text (BENCH_PAD lines of 64 bytes): every figure on
// this CPU moves with code placement (the full path by 30%), so bench/calls.ts
// reports the median over the layouts and their range.
#ifndef BENCH_PAD
#define BENCH_PAD 0
#endif
#define BENCH_STR(x) #x
#define BENCH_PAD_ASM(n) asm(".text\n    .space " BENCH_STR(n) "*64, 0xcc\n");
BENCH_PAD_ASM(BENCH_PAD)
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

// Page-aligned in a section of its own, so no hook sits next to it (code placement
// alone moved a hook's figure by 30% on this CPU).
extern "C" __attribute__((noinline, aligned(4096), section(".text.bench_target"))) long target(long a, long b)
{
    asm volatile("");
    return a + b;
}

extern "C" void *volatile bench_cached;
void *volatile bench_cached = reinterpret_cast<void *>(&target);
extern "C" long bench_counter;
long bench_counter;

// An out-of-line function a hook calls on every call (what a logging or
// counting hook written against a library's API does).
extern "C" __attribute__((noinline)) void bench_tick()
{
    asm volatile("");
    ++bench_counter;
}
extern "C" void (*volatile bench_tick_ptr)();
void (*volatile bench_tick_ptr)() = &bench_tick;

using Fn = long (*)(long, long);

// The floor for any hook: a wrapper written for this one signature, with a
// cached pointer to the real function.
extern "C" __attribute__((noinline)) long typed_wrapper(long a, long b)
{
    ++bench_counter;
    return reinterpret_cast<Fn>(bench_cached)(a, b);
}

// The same wrapper again, at another address: on this CPU the same code runs
// at 1.2x or 1.8x a plain call depending on where it sits (branch predictor
// placement), so the floor is shown at two addresses.
extern "C" __attribute__((noinline, aligned(64))) long typed_wrapper_2(long a, long b)
{
    ++bench_counter;
    return reinterpret_cast<Fn>(bench_cached)(a, b);
}

// The floor's own spread over code placement: the typed wrapper's three
// instructions (add to the counter, load the cached pointer, jump through it),
// written out at 16 places 8 bytes apart, in a section of their own (so that
// adding them moved nothing else). On this project's CPU the same
// instructions run at ~1.2x or ~2.0x a plain call depending only on where they
// sit, which bounds what any hook with a run-time target can promise.
#define ICC_FLOOR_AT(n) "    .p2align 7\n    .space " #n "*8, 0x90\n    .globl floor_at_" #n "\nfloor_at_" #n ":\n" \
    "    addq $1, bench_counter(%rip)\n    mov bench_cached(%rip), %rax\n    jmp *%rax\n"
asm(".pushsection .text.zz_floor,\"ax\",@progbits\n    .p2align 12\n" ICC_FLOOR_AT(0) ICC_FLOOR_AT(1) ICC_FLOOR_AT(2) ICC_FLOOR_AT(3) ICC_FLOOR_AT(4) ICC_FLOOR_AT(5) ICC_FLOOR_AT(6) ICC_FLOOR_AT(7)
    ICC_FLOOR_AT(8) ICC_FLOOR_AT(9) ICC_FLOOR_AT(10) ICC_FLOOR_AT(11) ICC_FLOOR_AT(12) ICC_FLOOR_AT(13) ICC_FLOOR_AT(14) ICC_FLOOR_AT(15) "    .popsection\n");
extern "C" long floor_at_0(long, long), floor_at_1(long, long), floor_at_2(long, long), floor_at_3(long, long), floor_at_4(long, long),
    floor_at_5(long, long), floor_at_6(long, long), floor_at_7(long, long), floor_at_8(long, long), floor_at_9(long, long),
    floor_at_10(long, long), floor_at_11(long, long), floor_at_12(long, long), floor_at_13(long, long), floor_at_14(long, long),
    floor_at_15(long, long);
static const Fn floors[] = {&floor_at_0, &floor_at_1, &floor_at_2, &floor_at_3, &floor_at_4, &floor_at_5, &floor_at_6, &floor_at_7,
                            &floor_at_8, &floor_at_9, &floor_at_10, &floor_at_11, &floor_at_12, &floor_at_13, &floor_at_14, &floor_at_15};

// icc++'s light path: a core that calls nothing and touches no vector register.
[[interceptor]] long Light(long, long)
{
    ++bench_counter;
    goto -> bench_cached;
}

// icc++'s full path with a core that calls an out-of-line function every call.
[[interceptor]] long Full(long, long)
{
    bench_tick_ptr();
    goto -> bench_cached;
}

// A lazy loader: resolves once (through a pointer the compiler can't see
// through, like dlsym), then only returns the cached pointer.
static void *resolve_target() { return reinterpret_cast<void *>(&target); }
extern "C" void *(*volatile bench_resolve)();
void *(*volatile bench_resolve)() = &resolve_target;
[[interceptor]] long Lazy(long, long)
{
    static void *resolved;
    if (!resolved) resolved = bench_resolve();
    goto -> resolved;
}

// An interceptor whose body reads its parameters (issue 12): the body runs in
// a function with the declared parameters. Both arrive in registers, so the
// full trampoline calls that function itself (lib/rewrite/params-prelude.ts:
// direct).
extern "C" volatile long bench_seen;
volatile long bench_seen;
[[interceptor]] long Reader(long a, long b)
{
    bench_seen = a + b;
    goto -> bench_cached;
}

// The same with a seventh parameter, which a System V caller passes on the
// stack: the core replays the call through the replay thunk
// (asm/x86_64-replay.S), which copies the stack arguments. (Called here with
// two arguments like every row: `g` reads whatever the caller's stack holds.)
[[interceptor]] long ReaderStack(long a, long, long, long, long, long, long g)
{
    bench_seen = a + g;
    goto -> bench_cached;
}

extern "C" unsigned char __icc_sysv_width __attribute__((visibility("hidden")));

// A reference written here, not by icc++: what funchook's prehook does. It
// saves rdi rsi rdx rcx r8 r9 rax r10 and xmm0-7 at 128 bits, calls a C
// function through a pointer, restores them and jumps to the target. (It
// loses the upper halves of ymm/zmm arguments: icc++ must not.) The macro
// makes two: one whose C function is bench_tick itself, and one whose C
// function calls bench_tick, as the core of icc++'s 'Full' does. A third also
// keeps xmm8-15, as a hook must for a caller using the Microsoft convention
// (xmm6-15 are callee-saved there), which icc++ serves from the same symbol.
// (The empty asm after the call keeps it a call: as a tail jump it would cost
// less than the call an icc++ core makes before it returns the target.)
extern "C" __attribute__((noinline)) void prehook_body()
{
    bench_tick_ptr();
    asm volatile("");
}
extern "C" void (*volatile prehook_body_ptr)();
void (*volatile prehook_body_ptr)() = &prehook_body;
extern "C" long prehook_stub(long, long), prehook_stub_nested(long, long), prehook_stub_ms(long, long);
asm(R"(
    .macro prehook name, fn, upper=0
    .text
    .p2align 4
    .globl \name
\name:
    push %rdi; push %rsi; push %rdx; push %rcx; push %r8; push %r9; push %rax; push %r10
    sub $264, %rsp
    movaps %xmm0, 0(%rsp); movaps %xmm1, 16(%rsp); movaps %xmm2, 32(%rsp); movaps %xmm3, 48(%rsp)
    movaps %xmm4, 64(%rsp); movaps %xmm5, 80(%rsp); movaps %xmm6, 96(%rsp); movaps %xmm7, 112(%rsp)
    .if \upper
    movaps %xmm8, 128(%rsp); movaps %xmm9, 144(%rsp); movaps %xmm10, 160(%rsp); movaps %xmm11, 176(%rsp)
    movaps %xmm12, 192(%rsp); movaps %xmm13, 208(%rsp); movaps %xmm14, 224(%rsp); movaps %xmm15, 240(%rsp)
    .endif
    call *\fn(%rip)
    movaps 0(%rsp), %xmm0; movaps 16(%rsp), %xmm1; movaps 32(%rsp), %xmm2; movaps 48(%rsp), %xmm3
    movaps 64(%rsp), %xmm4; movaps 80(%rsp), %xmm5; movaps 96(%rsp), %xmm6; movaps 112(%rsp), %xmm7
    .if \upper
    movaps 128(%rsp), %xmm8; movaps 144(%rsp), %xmm9; movaps 160(%rsp), %xmm10; movaps 176(%rsp), %xmm11
    movaps 192(%rsp), %xmm12; movaps 208(%rsp), %xmm13; movaps 224(%rsp), %xmm14; movaps 240(%rsp), %xmm15
    .endif
    add $264, %rsp
    pop %r10; pop %rax; pop %r9; pop %r8; pop %rcx; pop %rdx; pop %rsi; pop %rdi
    jmp *bench_cached(%rip)
    .endm
    prehook prehook_stub, bench_tick_ptr
    prehook prehook_stub_nested, prehook_body_ptr
    prehook prehook_stub_ms, prehook_body_ptr, 1
)");

// Issue 13, point 4: where the full path's time goes. Starting from the
// reference that keeps what a hook must (prehook_stub_ms above), each variant
// adds one piece of icc++'s full trampoline (asm/x86_64-sysv.S,
// x86_64-common.S), in the order the trampoline has them; their differences,
// timed in the same repetition, are the pieces' costs:
//   piece_frame    + an rbp frame and a 64-byte-aligned save area (push rbp;
//                    and $-64, rsp; restores through rbp)
//   piece_dispatch + the width dispatch at the SSE width (load the width byte,
//                    two compares taken past the AVX-512 and AVX paths)
//   piece_core     + the core found through the record and returning the
//                    target (movslq/add, call *%rax, test/jz, jmp *%r11)
//   piece_stub     + entered through a stub (lea record, jmp): all of the
//                    full path but the core's own code
extern "C" long piece_frame(long, long), piece_dispatch(long, long), piece_core(long, long), piece_stub(long, long);
extern "C" void *piece_core_fn() { bench_tick_ptr(); return bench_cached; }
extern "C" unsigned char piece_width;
unsigned char piece_width = 1;
asm(R"(
    .macro piece name, dispatch=0, core=0, lea=0
    .text
    .p2align 4
    .globl \name
\name:
    .if \lea
    lea piece_record(%rip), %r11
    .endif
    push %rbp; mov %rsp, %rbp
    push %rdx; push %rcx; push %r8; push %r9; push %rax; push %r10; push %r11; push %rdi; push %rsi
    and $-64, %rsp
    .if \dispatch
    movzbl piece_width(%rip), %eax
    cmp $3, %eax
    jne 1f
    ud2
1:  cmp $2, %eax
    jne 2f
    ud2
2:  test %eax, %eax
    jz 3f
    .endif
    sub $320, %rsp
    movaps %xmm0, 64(%rsp); movaps %xmm1, 80(%rsp); movaps %xmm2, 96(%rsp); movaps %xmm3, 112(%rsp)
    movaps %xmm4, 128(%rsp); movaps %xmm5, 144(%rsp); movaps %xmm6, 160(%rsp); movaps %xmm7, 176(%rsp)
    movaps %xmm8, 192(%rsp); movaps %xmm9, 208(%rsp); movaps %xmm10, 224(%rsp); movaps %xmm11, 240(%rsp)
    movaps %xmm12, 256(%rsp); movaps %xmm13, 272(%rsp); movaps %xmm14, 288(%rsp); movaps %xmm15, 304(%rsp)
    .if \core
    movslq (%r11), %rax
    add %r11, %rax
    call *%rax
    test %rax, %rax
    jz 3f
    mov %rax, %r11
    .else
    call *prehook_body_ptr(%rip)
    .endif
    movaps 64(%rsp), %xmm0; movaps 80(%rsp), %xmm1; movaps 96(%rsp), %xmm2; movaps 112(%rsp), %xmm3
    movaps 128(%rsp), %xmm4; movaps 144(%rsp), %xmm5; movaps 160(%rsp), %xmm6; movaps 176(%rsp), %xmm7
    movaps 192(%rsp), %xmm8; movaps 208(%rsp), %xmm9; movaps 224(%rsp), %xmm10; movaps 240(%rsp), %xmm11
    movaps 256(%rsp), %xmm12; movaps 272(%rsp), %xmm13; movaps 288(%rsp), %xmm14; movaps 304(%rsp), %xmm15
    mov -64(%rbp), %rdi; mov -72(%rbp), %rsi
    lea -48(%rbp), %rsp
    pop %r10; pop %rax; pop %r9; pop %r8; pop %rcx; pop %rdx; pop %rbp
    .if \core
    jmp *%r11
    .else
    jmp *bench_cached(%rip)
    .endif
3:  ud2
    .endm
    piece piece_frame
    piece piece_dispatch, 1
    piece piece_core, 1, 1, 1
    piece piece_stub_body, 1, 1
    .p2align 4
    .globl piece_stub
piece_stub:
    lea piece_record(%rip), %r11
    jmp piece_stub_body
    .section .rodata.piece_record,"a",@progbits
    .p2align 3
piece_record:
    .long piece_core_fn - .
    .long 0
    .text
)");

// The design icc++ rejects: CPUID (a hypervisor trap on virtual machines) on
// every call, then the same saves as the reference stub.
extern "C" long naive_cpuid_trampoline(long, long);
asm(R"(
    .text
    .p2align 4
    .globl naive_cpuid_trampoline
naive_cpuid_trampoline:
    push %rbx; push %rdi; push %rsi; push %rdx; push %rcx; push %r8; push %r9; push %rax; push %r10
    mov $1, %eax
    cpuid
    xor %ecx, %ecx
    xgetbv
    pop %r10; pop %rax; pop %r9; pop %r8; pop %rcx; pop %rdx; pop %rsi; pop %rdi; pop %rbx
    jmp *bench_cached(%rip)
)");

// ns per call of f(i, 1) over n iterations through a pointer the compiler can't see.
static double nsPerCall(Fn f, long n)
{
    auto t0 = std::chrono::steady_clock::now();
    long s = 0;
    for (long i = 0; i < n; ++i) s += f(i, 1);
    auto t1 = std::chrono::steady_clock::now();
    if (s == 42) std::puts("");
    return std::chrono::duration<double, std::nano>(t1 - t0).count() / double(n);
}

struct Row {
    const char *name;
    Fn fn;
    int width; // 0: any; else the trampoline width it is timed at
    std::vector<double> ratios, ns;
};

int main(int argc, char **argv)
{
    long n = argc > 1 ? std::atol(argv[1]) : 1000000;
    int reps = argc > 2 ? std::atoi(argv[2]) : 101;
    Fn volatile lazy = &Lazy;
    lazy(0, 0); // the first call takes the full trampoline: width detection, and the lazy loader resolves
    int native = __icc_sysv_width;
    static const char *widths[] = {"?", "sse", "avx", "avx512"};
    std::vector<Row> rows;
    rows.push_back({"typed-wrapper", &typed_wrapper, 0, {}, {}});
    rows.push_back({"typed-wrapper-2", &typed_wrapper_2, 0, {}, {}});
    rows.push_back({"prehook-reference", &prehook_stub, 0, {}, {}});
    rows.push_back({"prehook-nested", &prehook_stub_nested, 0, {}, {}});
    rows.push_back({"prehook-ms", &prehook_stub_ms, 0, {}, {}});
    rows.push_back({"piece-frame", &piece_frame, 0, {}, {}});
    rows.push_back({"piece-dispatch", &piece_dispatch, 0, {}, {}});
    rows.push_back({"piece-core", &piece_core, 0, {}, {}});
    rows.push_back({"piece-stub", &piece_stub, 0, {}, {}});
    for (Fn f : floors) rows.push_back({"floor-at", f, 0, {}, {}});
    rows.push_back({"light", &Light, 0, {}, {}});
    for (int w = 1; w <= native; ++w) rows.push_back({"full", &Full, w, {}, {}});
    for (int w = 1; w <= native; ++w) rows.push_back({"lazy", &Lazy, w, {}, {}});
    for (int w = 1; w <= native; ++w) rows.push_back({"reader", &Reader, w, {}, {}});
    for (int w = 1; w <= native; ++w) rows.push_back({"reader-stack", reinterpret_cast<Fn>(&ReaderStack), w, {}, {}});
    std::vector<double> plain;
    for (int r = 0; r < reps; ++r) {
        double base = nsPerCall(&target, n);
        plain.push_back(base);
        for (Row &row : rows) {
            __icc_sysv_width = static_cast<unsigned char>(row.width ? row.width : native);
            double t = nsPerCall(row.fn, n);
            row.ns.push_back(t);
            row.ratios.push_back(t / base);
        }
        __icc_sysv_width = static_cast<unsigned char>(native);
    }
    auto pct = [](std::vector<double> v, double p) {
        std::sort(v.begin(), v.end());
        return v[static_cast<size_t>(p * double(v.size() - 1))];
    };
    std::printf("native-width %s\nreps %d\ncalls %ld\n", widths[native], reps, n);
    std::printf("plain %.3f %.3f %.3f\n", pct(plain, 0.5), pct(plain, 0.1), pct(plain, 0.9));
    std::vector<double> floorMedians;
    for (Row &row : rows)
        if (!std::strcmp(row.name, "floor-at")) floorMedians.push_back(pct(row.ratios, 0.5));
    std::printf("floor-placements %.3f %.3f %.3f %zu\n", pct(floorMedians, 0.5), pct(floorMedians, 0), pct(floorMedians, 1), floorMedians.size());
    for (Row &row : rows)
        if (std::strcmp(row.name, "floor-at"))
        std::printf("%s%s%s %.3f %.3f %.3f %.3f\n", row.name, row.width ? "-" : "", row.width ? widths[row.width] : "", pct(row.ratios, 0.5),
                    pct(row.ratios, 0.1), pct(row.ratios, 0.9), pct(row.ns, 0.5));
    // Issue 12: a reading body against the full path, per repetition (both timed in it).
    for (Row &reader : rows)
        for (Row &full : rows)
            if (!std::strncmp(reader.name, "reader", 6) && !std::strcmp(full.name, "full") && reader.width == full.width) {
                std::vector<double> r;
                for (size_t i = 0; i < reader.ns.size(); ++i) r.push_back(reader.ns[i] / full.ns[i]);
                std::printf("%s-vs-full-%s %.3f %.3f %.3f\n", reader.name, widths[reader.width], pct(r, 0.5), pct(r, 0.1), pct(r, 0.9));
            }
    double naive = 1e18;
    for (int r = 0; r < 3; ++r) naive = std::min(naive, nsPerCall(&naive_cpuid_trampoline, n / 1000 + 1000));
    std::printf("naive-cpuid %.1f\n", naive);
}
