// icc-shim's runtime, linked into every shim: finds the real functions, keeps
// the --log buffers and prints the --count report.
//
// It calls nothing the shim may intercept on the call path except through raw
// system calls: a shim over libc defines `write`, and a call to it from here
// would come back to the shim. The few libc functions it does call (dlopen,
// dlsym, clock_gettime, ...) are listed in lib/shim/plan.ts and never
// intercepted; a test checks that list against this object's imports.
#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "icc-shim-gen.h"

// No loop here may become a call to memset or memcpy: a shim over libc would intercept it.
#pragma clang attribute push(__attribute__((no_builtin)), apply_to = function)
#include "icc-shim-text.h"

extern "C" {
// Written by the generated source.
ICC_SHIM_HIDDEN extern const char *const icc_shim_names[];
ICC_SHIM_HIDDEN extern const unsigned icc_shim_count;
ICC_SHIM_HIDDEN extern const char icc_shim_library[];
ICC_SHIM_HIDDEN extern const char icc_shim_out[];
ICC_SHIM_HIDDEN extern const int icc_shim_mode; // 0 --count, 1 --log, 2 --body

__thread unsigned icc_shim_pending;
__thread int icc_shim_inside;
}

namespace {

using icc_shim::MAX_ARGS;
using icc_shim::STRING_CAP;
using icc_shim::Text;

// ---- raw output, never through libc's write ----
long sys(long n, long a = 0, long b = 0, long c = 0, long d = 0, long e = 0, long f = 0)
{
    return syscall(n, a, b, c, d, e, f);
}

void write_all(int fd, const char *buf, unsigned long len)
{
    while (len > 0) {
        long n = sys(SYS_write, fd, reinterpret_cast<long>(buf), static_cast<long>(len));
        if (n <= 0)
            return;
        buf += n;
        len -= static_cast<unsigned long>(n);
    }
}

void *map(unsigned long bytes)
{
    long p = sys(SYS_mmap, 0, static_cast<long>(bytes), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p < 0 && p > -4096 ? nullptr : reinterpret_cast<void *>(p);
}

// Where reports and logs go: the file given to --out (or ICC_SHIM_OUT), opened for appending, or a
// private copy of stderr taken at load time (coreutils close stderr before the shim's destructor runs).
int out_fd = -1;

// ---- the real library, opened by path once: dlsym(RTLD_NEXT) misses a library the program
// loaded with RTLD_LOCAL, and the shim must find it all the same ----
void *library;
__thread int resolving __attribute__((tls_model("initial-exec")));

void fail(const char *what, const char *name)
{
    char buf[1024];
    Text t{buf, 0};
    t.add("icc-shim: ");
    t.add(what);
    t.add(" ");
    t.add(name, 300);
    if (const char *why = dlerror()) { t.add(": "); t.add(why, 600); }
    t.add("\n");
    write_all(2, buf, t.len);
}

// ---- --log: one buffer per thread, all reachable from a list so that the exit flushes them ----
struct LogBuffer {
    LogBuffer *next;
    unsigned long len;
    // What every line of the thread repeats, written once: ` tid ` and, while the second lasts, `sec.`
    // (at most 22 bytes each, copied as 24; 32 leave room for the number writers' 8-byte stores).
    long sec;
    unsigned sec_len, tid_len;
    char sec_text[32], tid_text[32];
    char data[1 << 18]; // 256 KiB: each write() costs the file system a few microseconds beyond its bytes (64 KiB: ~6 ns more per line)
};
LogBuffer *buffers;
__thread LogBuffer *own_buffer __attribute__((tls_model("initial-exec")));
bool unbuffered; // after the final flush: whatever runs later writes its lines at once

void flush(LogBuffer *b)
{
    if (b->len && out_fd >= 0)
        write_all(out_fd, b->data, b->len);
    b->len = 0;
}

// The texts a line copies are at most 24 bytes: copied as three words, whatever their length.
char *copy24(char *p, const char *text, unsigned len)
{
    using icc_shim::u64_any;
    for (int i = 0; i < 3; ++i)
        reinterpret_cast<u64_any *>(p)[i] = reinterpret_cast<const u64_any *>(text)[i];
    return p + len;
}

void remember_tid(LogBuffer *b)
{
    char *p = b->tid_text;
    *p++ = ' ';
    p = icc_shim::decimal(p, static_cast<unsigned long>(sys(SYS_gettid)));
    *p++ = ' ';
    b->tid_len = static_cast<unsigned>(p - b->tid_text);
}

void remember_second(LogBuffer *b, long sec)
{
    char *p = icc_shim::decimal(b->sec_text, static_cast<unsigned long>(sec));
    *p++ = '.';
    b->sec_len = static_cast<unsigned>(p - b->sec_text);
    b->sec = sec;
}

LogBuffer *thread_buffer()
{
    if (LogBuffer *b = own_buffer)
        return b;
    auto *b = static_cast<LogBuffer *>(map(sizeof(LogBuffer)));
    if (!b)
        return nullptr;
    remember_tid(b);
    b->sec = -1;
    b->next = __atomic_load_n(&buffers, __ATOMIC_RELAXED);
    while (!__atomic_compare_exchange_n(&buffers, &b->next, b, true, __ATOMIC_RELEASE, __ATOMIC_RELAXED)) {
    }
    own_buffer = b;
    return b;
}

// One line: `sec.nsec tid name` and, when the header gave a prototype, `(args)`; `args` null with
// tail -1 means no prototype is known.
void log_call(unsigned fn, const icc_shim::Arg *args = nullptr, unsigned n = 0, int tail = -1)
{
    LogBuffer *b = thread_buffer();
    if (!b)
        return;
    unsigned shown = n < MAX_ARGS ? n : MAX_ARGS;
    // Room for the longest line: its name, and each argument escaped (4 bytes per string byte).
    if (b->len > sizeof b->data - 512 - shown * (4 * STRING_CAP + 32))
        flush(b);
    timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (now.tv_sec != b->sec)
        remember_second(b, now.tv_sec);
    char *p = copy24(b->data + b->len, b->sec_text, b->sec_len);
    p = icc_shim::nine_digits(p, static_cast<unsigned>(now.tv_nsec));
    p = copy24(p, b->tid_text, b->tid_len);
    p = icc_shim::put(p, icc_shim_names[fn], 256);
    if (tail >= 0) {
        *p++ = '(';
        for (unsigned i = 0; i < shown; ++i) {
            if (i) { *p++ = ','; *p++ = ' '; }
            p = icc_shim::argument(p, args[i]);
        }
        if (n && (tail || shown < n)) { *p++ = ','; *p++ = ' '; }
        if (shown < n || tail == 1) p = icc_shim::put(p, "...");
        else if (tail == 2) *p++ = '?';
        *p++ = ')';
    }
    *p++ = '\n';
    b->len = static_cast<unsigned long>(p - b->data);
    if (unbuffered)
        flush(b);
}

// ---- --count: the report, sorted by calls, like ltrace -c ----
void report_counts()
{
    unsigned n = icc_shim_count;
    auto *order = static_cast<unsigned *>(map(n * sizeof(unsigned) + 1));
    if (!order)
        return;
    unsigned used = 0;
    unsigned long total = 0;
    unsigned long counts_seen = 0;
    for (unsigned i = 0; i < n; ++i) {
        unsigned long c = __atomic_load_n(&icc_shim_calls[i], __ATOMIC_RELAXED);
        if (c) { order[used++] = i; total += c; ++counts_seen; }
    }
    // Shell sort on the called functions: most calls first, then by name order in the library.
    auto before = [](unsigned a, unsigned b) {
        unsigned long ca = icc_shim_calls[a], cb = icc_shim_calls[b];
        return ca != cb ? ca > cb : a < b;
    };
    for (unsigned gap = used / 2; gap > 0; gap /= 2)
        for (unsigned i = gap; i < used; ++i)
            for (unsigned j = i; j >= gap && before(order[j], order[j - gap]); j -= gap) {
                unsigned x = order[j]; order[j] = order[j - gap]; order[j - gap] = x;
            }
    unsigned long bytes = 256 + static_cast<unsigned long>(used) * 300;
    auto *buf = static_cast<char *>(map(bytes));
    if (!buf)
        return;
    Text t{buf, 0};
    t.add("icc-shim: calls into ");
    t.add(icc_shim_library, 200);
    t.add(" by pid ");
    t.number(static_cast<unsigned long>(sys(SYS_getpid)));
    t.add("\n     calls function\n---------- --------------------\n");
    for (unsigned i = 0; i < used; ++i) {
        t.number(icc_shim_calls[order[i]], 10);
        t.add(" ");
        t.add(icc_shim_names[order[i]], 256);
        t.add("\n");
    }
    t.add("---------- --------------------\n");
    t.number(total, 10);
    t.add(" total (");
    t.number(counts_seen);
    t.add(" functions)\n");
    write_all(out_fd, buf, t.len);
}

// A forked child reports only its own calls, and must not log what its parent's threads buffered.
void forget_parent()
{
    for (unsigned i = 0; i < icc_shim_count; ++i)
        __atomic_store_n(&icc_shim_calls[i], 0, __ATOMIC_RELAXED);
    for (LogBuffer *b = buffers; b; b = b->next)
        b->len = 0;
    if (own_buffer)
        remember_tid(own_buffer);
}

void before_fork()
{
    if (own_buffer)
        flush(own_buffer);
}

__attribute__((constructor)) void start()
{
    const char *path = getenv("ICC_SHIM_OUT");
    if (!path || !*path)
        path = icc_shim_out;
    if (*path)
        out_fd = static_cast<int>(sys(SYS_openat, AT_FDCWD, reinterpret_cast<long>(path), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
    else
        out_fd = static_cast<int>(sys(SYS_fcntl, 2, F_DUPFD_CLOEXEC, 3));
    pthread_atfork(before_fork, nullptr, forget_parent);
}

__attribute__((destructor)) void finish()
{
    if (out_fd < 0)
        return;
    if (icc_shim_mode == 1) {
        for (LogBuffer *b = __atomic_load_n(&buffers, __ATOMIC_ACQUIRE); b; b = b->next)
            flush(b);
        unbuffered = true;
    } else if (icc_shim_mode == 0) {
        report_counts();
    }
}

} // namespace

// The real function's address: from the library opened by path, looked up once
// (two threads may both look it up; they store the same address).
extern "C" void *icc_shim_real(unsigned fn)
{
    void *real = __atomic_load_n(&icc_shim_reals[fn], __ATOMIC_ACQUIRE);
    if (real)
        return real;
    // Opening the library may itself call a function of this shim (dlopen calls malloc): such a
    // nested lookup takes the next definition in the global scope instead, which for a library
    // the program has loaded with everything else is the same function.
    if (resolving) {
        real = dlsym(RTLD_NEXT, icc_shim_names[fn]);
        __atomic_store_n(&icc_shim_reals[fn], real, __ATOMIC_RELEASE);
        return real;
    }
    struct Flag {
        Flag() { resolving = 1; }
        ~Flag() { resolving = 0; }
    } flag;
    void *lib = __atomic_load_n(&library, __ATOMIC_ACQUIRE);
    if (!lib) {
        lib = dlopen(icc_shim_library, RTLD_NOW | RTLD_NOLOAD);
        if (!lib)
            lib = dlopen(icc_shim_library, RTLD_LAZY | RTLD_LOCAL);
        if (!lib) {
            fail("cannot open", icc_shim_library);
            return nullptr;
        }
        __atomic_store_n(&library, lib, __ATOMIC_RELEASE);
    }
    real = dlsym(lib, icc_shim_names[fn]);
    if (!real)
        fail("cannot find", icc_shim_names[fn]);
    __atomic_store_n(&icc_shim_reals[fn], real, __ATOMIC_RELEASE);
    return real;
}

// The first call of a function on the --count path comes here (ICC_SHIM_COUNTED named it in
// icc_shim_pending); later calls go straight to the real function.
#pragma clang attribute pop // icc++ turns an interceptor into declarations, which may not carry the attribute
extern "C" [[interceptor]] void icc_shim_resolve(void)
{
    goto -> icc_shim_real(icc_shim_pending);
}
#pragma clang attribute push(__attribute__((no_builtin)), apply_to = function)

namespace {
// The real function, once known, without a call.
inline void *real_function(unsigned fn)
{
    void *real = __atomic_load_n(&icc_shim_reals[fn], __ATOMIC_ACQUIRE);
    return __builtin_expect(real != nullptr, 1) ? real : icc_shim_real(fn);
}
} // namespace

// --log: one line for this call (unless the shim's own work made it), then the real function.
extern "C" void *icc_shim_logged(unsigned fn)
{
    void *real = real_function(fn);
    if (!icc_shim_inside) {
        icc_shim_inside = 1;
        log_call(fn);
        icc_shim_inside = 0;
    }
    return real;
}

// --log --header: the same, with the arguments the interceptor read from its parameters.
extern "C" void *icc_shim_logged_args(unsigned fn, const icc_shim::Arg *args, unsigned n, int tail)
{
    void *real = real_function(fn);
    if (!icc_shim_inside) {
        icc_shim_inside = 1;
        log_call(fn, args, n, tail);
        icc_shim_inside = 0;
    }
    return real;
}

#pragma clang attribute pop
