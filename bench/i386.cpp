// npm run bench, the 32-bit x86 rows (bench/i386.ts): ns per call and the
// ratio to a plain indirect call, for icc++'s light path, its full path and a
// lazy loader, at every vector width this CPU can run, in one native 32-bit
// process. Each repetition times every hook right after a plain indirect
// call, both in this thread's CPU time (the machine is shared: time spent
// descheduled is not counted); the figure printed is the median of those
// ratios, with the spread (10th-90th percentile). bench/i386.ts builds it twice: for an
// executable (the stub jumps through its thread-local slot) and with -fPIC
// (code for a shared object: the trampoline returns into the target), and
// once for i686 mingw, run under wine (COFF: the trampoline returns into the
// target; wall-clock time there, see threadNs).
#include <algorithm>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <vector>
#ifdef _WIN32
#include <windows.h>
#endif

// Page-aligned in a section of its own, as in bench/calls.cpp: placement alone moves the figures.
extern "C" __attribute__((noinline, aligned(4096), section(".text.bench_target"))) int target(int a, int b)
{
    asm volatile("");
    return a + b;
}

extern "C" void *volatile bench_cached;
void *volatile bench_cached = reinterpret_cast<void *>(&target);
extern "C" int bench_counter;
int bench_counter;

// An out-of-line function a hook calls on every call.
extern "C" __attribute__((noinline)) void bench_tick()
{
    asm volatile("");
    ++bench_counter;
}
extern "C" void (*volatile bench_tick_ptr)();
void (*volatile bench_tick_ptr)() = &bench_tick;

using Fn = int (*)(int, int);

// The light path: a core that calls nothing and touches no vector register.
[[interceptor]] int Light(int, int)
{
    ++bench_counter;
    goto -> bench_cached;
}

// The full path: the core calls an out-of-line function on every call.
[[interceptor]] int Full(int, int)
{
    bench_tick_ptr();
    goto -> bench_cached;
}

// A lazy loader: resolves once through a pointer the compiler can't see through, then returns the cached pointer.
static void *resolve_target() { return reinterpret_cast<void *>(&target); }
extern "C" void *(*volatile bench_resolve)();
void *(*volatile bench_resolve)() = &resolve_target;
[[interceptor]] int Lazy(int, int)
{
    static void *resolved;
    if (!resolved) resolved = bench_resolve();
    goto -> resolved;
}

#ifdef _WIN32
// The COFF module's width byte (asm/i386-ms.S), under its asm label.
extern "C" unsigned char icc_width __asm__("__icc_i386_ms_width");

// Windows' thread CPU time (GetThreadTimes) counts in scheduler ticks, far coarser than one timing:
// the performance counter's wall-clock time instead (wine reads a monotonic clock), so a timing
// that was descheduled counts; the median of adjacent ratios keeps that out of the figure.
static double threadNs()
{
    static LARGE_INTEGER hz;
    if (!hz.QuadPart) QueryPerformanceFrequency(&hz);
    LARGE_INTEGER t;
    QueryPerformanceCounter(&t);
    return double(t.QuadPart) * 1e9 / double(hz.QuadPart);
}
#else
extern "C" unsigned char icc_width __asm__("__icc_i386_sysv_width") __attribute__((visibility("hidden")));

static double threadNs()
{
    timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return double(t.tv_sec) * 1e9 + double(t.tv_nsec);
}
#endif

// CPU ns per call of f(i, 1) over n iterations through a pointer the compiler can't see.
static double nsPerCall(Fn f, long n)
{
    double t0 = threadNs();
    int s = 0;
    for (long i = 0; i < n; ++i) s += f(int(i), 1);
    double t1 = threadNs();
    if (s == 42) std::puts("");
    return (t1 - t0) / double(n);
}

struct Row {
    const char *name;
    Fn fn;
    int width; // the trampoline width it is timed at
    std::vector<double> ratios, ns;
};

int main(int argc, char **argv)
{
    long n = argc > 1 ? std::atol(argv[1]) : 200000;
    int reps = argc > 2 ? std::atoi(argv[2]) : 101;
    Fn volatile lazy = &Lazy;
    lazy(0, 0); // the first call detects the width, and the lazy loader resolves
    int native = icc_width;
    static const char *widths[] = {"?", "sse", "avx", "avx512", "x87"};
    // Width 4 (no SSE) saves no vector register: timed too, as the floor of the full trampoline.
    std::vector<int> timed;
    if (native == 4) timed.push_back(4);
    else for (int w = 1; w <= native; ++w) timed.push_back(w);
    timed.push_back(4);
    std::vector<Row> rows;
    for (int w : timed) rows.push_back({"light", &Light, w, {}, {}});
    for (int w : timed) rows.push_back({"full", &Full, w, {}, {}});
    for (int w : timed) rows.push_back({"lazy", &Lazy, w, {}, {}});
    std::vector<double> plain;
    for (int r = 0; r < reps; ++r) {
        for (Row &row : rows) {
            double base = nsPerCall(&target, n);
            plain.push_back(base);
            icc_width = static_cast<unsigned char>(row.width);
            double t = nsPerCall(row.fn, n);
            row.ns.push_back(t);
            row.ratios.push_back(t / base);
        }
        icc_width = static_cast<unsigned char>(native);
    }
    auto pct = [](std::vector<double> v, double p) {
        std::sort(v.begin(), v.end());
        return v[static_cast<size_t>(p * double(v.size() - 1))];
    };
    std::printf("native-width %s\nreps %d\ncalls %ld\n", widths[native], reps, n);
    std::printf("plain %.3f %.3f %.3f\n", pct(plain, 0.5), pct(plain, 0.1), pct(plain, 0.9));
    for (Row &row : rows)
        std::printf("%s-%s %.3f %.3f %.3f %.3f\n", row.name, widths[row.width], pct(row.ratios, 0.5), pct(row.ratios, 0.1), pct(row.ratios, 0.9),
                    pct(row.ns, 0.5));
}
