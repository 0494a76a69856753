// Calls per second through an interceptor versus a direct and a plain
// indirect call, at every vector width this CPU can run, in one process.
// Also a deliberately naive trampoline that runs CPUID on every call, to show
// why icc++ detects the width once per process.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>

extern "C" __attribute__((noinline)) long target(long a, long b)
{
    asm volatile("");
    return a + b;
}

extern "C" void *volatile bench_cached;
void *volatile bench_cached = reinterpret_cast<void *>(&target);

// The interceptor the issue measures: its core returns a cached pointer. It
// calls nothing and touches no vector register, so icc++ gives it the light
// trampoline, which saves nothing (asm/x86_64-sysv.S).
[[interceptor]] long Hook(long, long)
{
    goto -> bench_cached;
}

// A lazy loader: the same cached pointer after the first call, but its core
// can call a function, so every call takes the full trampoline, which saves
// the argument registers at the vector width in use.
// (Called through a pointer the compiler can't see through, like dlsym.)
static void *resolve_target() { return reinterpret_cast<void *>(&target); }
extern "C" void *(*volatile bench_resolve)();
void *(*volatile bench_resolve)() = &resolve_target;
[[interceptor]] long LazyHook(long, long)
{
    static void *resolved;
    if (!resolved) resolved = bench_resolve();
    goto -> resolved;
}

extern "C" unsigned char __icc_sysv_width __attribute__((visibility("hidden")));

// The design icc++ rejects: CPUID (a hypervisor trap on virtual machines) on
// every call, then the same saves as icc++'s SSE path.
extern "C" long naive_cpuid_trampoline(long, long);
asm(R"(
    .text
    .p2align 4
    .globl naive_cpuid_trampoline
naive_cpuid_trampoline:
    push %rbp
    mov %rsp, %rbp
    push %rdi; push %rsi; push %rdx; push %rcx; push %r8; push %r9; push %rax; push %r10; push %rbx
    mov $1, %eax
    cpuid
    xor %ecx, %ecx
    xgetbv
    and $-64, %rsp
    sub $160, %rsp
    movaps %xmm0, 32(%rsp); movaps %xmm1, 48(%rsp); movaps %xmm2, 64(%rsp); movaps %xmm3, 80(%rsp)
    movaps %xmm4, 96(%rsp); movaps %xmm5, 112(%rsp); movaps %xmm6, 128(%rsp); movaps %xmm7, 144(%rsp)
    mov bench_cached(%rip), %r11
    movaps 32(%rsp), %xmm0; movaps 48(%rsp), %xmm1; movaps 64(%rsp), %xmm2; movaps 80(%rsp), %xmm3
    movaps 96(%rsp), %xmm4; movaps 112(%rsp), %xmm5; movaps 128(%rsp), %xmm6; movaps 144(%rsp), %xmm7
    lea -72(%rbp), %rsp
    pop %rbx; pop %r10; pop %rax; pop %r9; pop %r8; pop %rcx; pop %rdx; pop %rsi; pop %rdi
    pop %rbp
    jmp *%r11
)");

using Fn = long (*)(long, long);

// ns per call of `call(i)` over n iterations (its results summed, so none is dropped).
template <class Call> static double nsPerCall(Call call, long n)
{
    auto t0 = std::chrono::steady_clock::now();
    long s = 0;
    for (long i = 0; i < n; ++i) s += call(i);
    auto t1 = std::chrono::steady_clock::now();
    if (s == 42) std::puts("");
    return std::chrono::duration<double, std::nano>(t1 - t0).count() / double(n);
}

// Through a pointer the compiler cannot see (read from a volatile by the caller).
static double indirectNs(Fn f, long n) { return nsPerCall([f](long i) { return f(i, 1); }, n); }

int main(int argc, char **argv)
{
    long n = argc > 1 ? std::atol(argv[1]) : 20000000;
    int reps = argc > 2 ? std::atoi(argv[2]) : 7;
    Fn volatile plain = &target;
    Fn volatile hooked = &Hook;
    Fn volatile lazy = &LazyHook;
    Fn volatile naive = &naive_cpuid_trampoline;
    lazy(0, 0); // first call through the full trampoline: width detection
    int native = __icc_sysv_width;
    static const char *names[] = {"?", "sse", "avx", "avx512"};
    double direct = 1e9, indirect = 1e9;
    double light[4] = {1e9, 1e9, 1e9, 1e9};
    double intercepted[4] = {1e9, 1e9, 1e9, 1e9};
    for (int r = 0; r < reps; ++r) {
        direct = std::min(direct, nsPerCall([](long i) { return target(i, 1); }, n));
        indirect = std::min(indirect, indirectNs(plain, n));
        for (int w = 1; w <= native; ++w) {
            __icc_sysv_width = static_cast<unsigned char>(w);
            light[w] = std::min(light[w], indirectNs(hooked, n));
            intercepted[w] = std::min(intercepted[w], indirectNs(lazy, n));
        }
        __icc_sysv_width = static_cast<unsigned char>(native);
    }
    double naiveNs = 1e18;
    for (int r = 0; r < 3; ++r) naiveNs = std::min(naiveNs, indirectNs(naive, n / 1000 + 1000));
    std::printf("direct %.2f\nindirect %.2f\n", direct, indirect);
    for (int w = 1; w <= native; ++w) std::printf("light-%s %.2f\nintercepted-%s %.2f\n", names[w], light[w], names[w], intercepted[w]);
    std::printf("naive-cpuid %.2f\nnative-width %s\n", naiveNs, names[native]);
}
