// npm run bench: ns per call and the ratio to a plain indirect call, for each
// way of hooking a function, at every vector width this CPU can run, in one
// process. Each repetition times the plain indirect call and then every hook;
// the figure printed is the median of the per-repetition ratios, with the
// spread (10th-90th percentile), because these machines are shared and noisy.
#include <algorithm>
#include <chrono>
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
// a function with the declared parameters, which the core replays through the
// replay thunk (asm/x86_64-replay.S) from the full trampoline's saved frame.
extern "C" volatile long bench_seen;
volatile long bench_seen;
[[interceptor]] long Reader(long a, long b)
{
    bench_seen = a + b;
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
extern "C" __attribute__((noinline)) void prehook_body() { bench_tick_ptr(); }
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
    rows.push_back({"light", &Light, 0, {}, {}});
    for (int w = 1; w <= native; ++w) rows.push_back({"full", &Full, w, {}, {}});
    for (int w = 1; w <= native; ++w) rows.push_back({"lazy", &Lazy, w, {}, {}});
    for (int w = 1; w <= native; ++w) rows.push_back({"reader", &Reader, w, {}, {}});
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
    for (Row &row : rows)
        std::printf("%s%s%s %.3f %.3f %.3f %.3f\n", row.name, row.width ? "-" : "", row.width ? widths[row.width] : "", pct(row.ratios, 0.5),
                    pct(row.ratios, 0.1), pct(row.ratios, 0.9), pct(row.ns, 0.5));
    // Issue 12: a reading body against the full path, per repetition (both timed in it).
    for (Row &reader : rows)
        for (Row &full : rows)
            if (!std::strcmp(reader.name, "reader") && !std::strcmp(full.name, "full") && reader.width == full.width) {
                std::vector<double> r;
                for (size_t i = 0; i < reader.ns.size(); ++i) r.push_back(reader.ns[i] / full.ns[i]);
                std::printf("reader-vs-full-%s %.3f %.3f %.3f\n", widths[reader.width], pct(r, 0.5), pct(r, 0.1), pct(r, 0.9));
            }
    double naive = 1e18;
    for (int r = 0; r < 3; ++r) naive = std::min(naive, nsPerCall(&naive_cpuid_trampoline, n / 1000 + 1000));
    std::printf("naive-cpuid %.1f\n", naive);
}
