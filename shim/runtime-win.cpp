// icc-shim's runtime for a proxy DLL (Windows): loads the real DLL (renamed,
// or from the path given to --real) on the first call, looks each function up
// by name or ordinal once, and prints the --count report when the proxy is
// unloaded. A proxy exports only the library's names, and its own calls bind
// to kernel32 and the C runtime by import, so it may use stdio freely.
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>

#include "icc-shim-gen.h"

extern "C" {
extern const char *const icc_shim_names[];
extern const unsigned icc_shim_count;
extern const char icc_shim_library[];
extern const char icc_shim_out[];
extern const int icc_shim_mode; // 0 --count, 1 --log, 2 --body

__thread unsigned icc_shim_pending;
__thread int icc_shim_inside;
}

namespace {

HMODULE library;
CRITICAL_SECTION log_lock;
FILE *log_file;

FILE *open_out()
{
    const char *path = getenv("ICC_SHIM_OUT");
    if (!path || !*path)
        path = icc_shim_out;
    return *path ? fopen(path, "a") : stderr;
}

__attribute__((constructor)) void start()
{
    InitializeCriticalSection(&log_lock);
    if (icc_shim_mode == 1)
        log_file = open_out();
}

__attribute__((destructor)) void finish()
{
    if (icc_shim_mode != 0) {
        if (log_file && log_file != stderr)
            fclose(log_file);
        return; // a --body proxy counts the functions it only forwards, but reports nothing
    }
    unsigned *order = static_cast<unsigned *>(malloc(icc_shim_count * sizeof(unsigned) + 1));
    unsigned used = 0;
    unsigned long long total = 0;
    for (unsigned i = 0; i < icc_shim_count; ++i)
        if (icc_shim_calls[i]) { order[used++] = i; total += icc_shim_calls[i]; }
    qsort(order, used, sizeof *order, [](const void *a, const void *b) {
        unsigned long ca = icc_shim_calls[*static_cast<const unsigned *>(a)], cb = icc_shim_calls[*static_cast<const unsigned *>(b)];
        return ca != cb ? (ca > cb ? -1 : 1) : (*static_cast<const unsigned *>(a) < *static_cast<const unsigned *>(b) ? -1 : 1);
    });
    FILE *out = open_out();
    if (!out)
        return;
    fprintf(out, "icc-shim: calls into %s by pid %lu\n     calls function\n---------- --------------------\n", icc_shim_library, GetCurrentProcessId());
    for (unsigned i = 0; i < used; ++i)
        fprintf(out, "%10lu %s\n", icc_shim_calls[order[i]], icc_shim_names[order[i]]);
    fprintf(out, "---------- --------------------\n%10llu total (%u functions)\n", total, used);
    fflush(out);
    if (out != stderr)
        fclose(out);
    free(order);
}

} // namespace

// The real function, by name or (`#N`) by ordinal, from the real DLL loaded once.
extern "C" void *icc_shim_real(unsigned fn)
{
    void *real = __atomic_load_n(&icc_shim_reals[fn], __ATOMIC_ACQUIRE);
    if (real)
        return real;
    HMODULE lib = __atomic_load_n(&library, __ATOMIC_ACQUIRE);
    if (!lib) {
        lib = LoadLibraryA(icc_shim_library);
        if (!lib) {
            fprintf(stderr, "icc-shim: cannot load %s (error %lu)\n", icc_shim_library, GetLastError());
            return nullptr;
        }
        __atomic_store_n(&library, lib, __ATOMIC_RELEASE);
    }
    const char *name = icc_shim_names[fn];
    FARPROC p = name[0] == '#' ? GetProcAddress(lib, MAKEINTRESOURCEA(atoi(name + 1))) : GetProcAddress(lib, name);
    if (!p)
        fprintf(stderr, "icc-shim: %s has no %s\n", icc_shim_library, name);
    real = reinterpret_cast<void *>(p);
    __atomic_store_n(&icc_shim_reals[fn], real, __ATOMIC_RELEASE);
    return real;
}

extern "C" [[interceptor]] void icc_shim_resolve(void)
{
    goto -> icc_shim_real(icc_shim_pending);
}

namespace {

// A string argument, quoted and escaped: at most 64 bytes are read, `...` after it if it went on.
void put_quoted(FILE *f, const char *s)
{
    fputc('"', f);
    unsigned i = 0;
    for (; i < 64 && s[i]; ++i) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
        else if (c >= 0x20 && c < 0x7f) fputc(c, f);
        else fprintf(f, "\\x%02x", c);
    }
    fputs(i == 64 ? "\"..." : "\"", f);
}

// One line: `sec.nsec tid name`, and `(args)` when the interceptor read them (tail >= 0).
void *log_line(unsigned fn, const icc_shim::Arg *args, unsigned n, int tail)
{
    void *real = icc_shim_real(fn);
    if (icc_shim_inside || !log_file)
        return real;
    icc_shim_inside = 1;
    LARGE_INTEGER now, freq;
    QueryPerformanceCounter(&now);
    QueryPerformanceFrequency(&freq);
    unsigned long long ticks = static_cast<unsigned long long>(now.QuadPart), hz = static_cast<unsigned long long>(freq.QuadPart);
    unsigned long long ns = ticks / hz * 1000000000ull + ticks % hz * 1000000000ull / hz;
    EnterCriticalSection(&log_lock);
    fprintf(log_file, "%llu.%09llu %lu %s", ns / 1000000000ull, ns % 1000000000ull, GetCurrentThreadId(), icc_shim_names[fn]);
    if (tail >= 0) {
        fputc('(', log_file);
        for (unsigned i = 0; i < n; ++i) {
            if (i) fputs(", ", log_file);
            const icc_shim::Arg &a = args[i];
            if (a.kind == icc_shim::Arg::Signed) fprintf(log_file, "%lld", a.i);
            else if (a.kind == icc_shim::Arg::Unsigned) fprintf(log_file, "%llu", a.u);
            else if (!a.p && (a.kind == icc_shim::Arg::Pointer || a.kind == icc_shim::Arg::String)) fputs("NULL", log_file);
            else if (a.kind == icc_shim::Arg::Pointer) fprintf(log_file, "0x%llx", reinterpret_cast<unsigned long long>(a.p));
            else if (a.kind == icc_shim::Arg::String) put_quoted(log_file, static_cast<const char *>(a.p));
            else fprintf(log_file, "%g", a.d);
        }
        if (tail) fputs(n ? (tail == 1 ? ", ..." : ", ?") : (tail == 1 ? "..." : "?"), log_file);
        fputc(')', log_file);
    }
    fputc('\n', log_file);
    LeaveCriticalSection(&log_lock);
    icc_shim_inside = 0;
    return real;
}

} // namespace

// --log: one line per call, written under a lock (no per-thread buffers here yet).
extern "C" void *icc_shim_logged(unsigned fn)
{
    return log_line(fn, nullptr, 0, -1);
}

// --log --header: the same, with the arguments the interceptor read from its parameters.
extern "C" void *icc_shim_logged_args(unsigned fn, const icc_shim::Arg *args, unsigned n, int tail)
{
    return log_line(fn, args, n, tail);
}
