// An LD_PRELOAD library that counts calls to libc's file functions and, with
// PRELOAD_TRACE_LOG set, logs each open/openat/fopen with its path and each
// read/write with its byte count, like a small strace.
//
// Each interceptor is named like the libc function it shadows. Its body counts
// the call, logs what its parameters say (reading them changes nothing: the
// target receives the caller's own registers and stack) and names the real
// function (dlsym(RTLD_NEXT, …), looked up once); the trampoline then jumps
// there with the caller's arguments untouched, so the program runs exactly as
// without the library. At exit the counts go to the file named by
// PRELOAD_TRACE_OUT, or to stderr.
//
// The cores must not call any function intercepted here: inside this library
// a call to `write` binds to our own `write`. The report therefore writes with
// raw system calls.
#include <atomic>
#include <cstdarg>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <dlfcn.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace {

enum Fn { OPEN, OPENAT, READ, WRITE, CLOSE, LSEEK, FSTAT, POSIX_FADVISE, FOPEN, FCLOSE, FREAD, FREAD_UNLOCKED, FWRITE, FWRITE_UNLOCKED, FN_COUNT };

constexpr const char *names[FN_COUNT] = {
    "open", "openat", "read", "write", "close", "lseek", "fstat", "posix_fadvise",
    "fopen", "fclose", "fread", "fread_unlocked", "fwrite", "fwrite_unlocked",
};

std::atomic<unsigned long> calls[FN_COUNT];
std::atomic<void *> resolved[FN_COUNT];

// Counts one call; relaxed is enough, the totals are only read at exit.
inline void count(Fn fn) { calls[fn].fetch_add(1, std::memory_order_relaxed); }

// The next definition of names[fn] after this library (libc's), looked up on
// first use. Two threads may both look it up; they store the same address.
void *real(Fn fn)
{
    void *p = resolved[fn].load(std::memory_order_acquire);
    if (!p) {
        p = dlsym(RTLD_NEXT, names[fn]);
        resolved[fn].store(p, std::memory_order_release);
    }
    return p;
}

// Where the report goes, decided at load time: the program may change its
// environment, and coreutils programs close stderr before the library's
// destructor runs, so without PRELOAD_TRACE_OUT we keep a private copy of fd 2.
char out_path[4096];
int report_fd = -1;

// The per-call log (PRELOAD_TRACE_LOG), opened at load time; -1: no log.
int log_fd = -1;

void write_all(int fd, const char *buf, size_t len);

__attribute__((constructor)) void prepare_report()
{
    if (const char *p = std::getenv("PRELOAD_TRACE_OUT"))
        std::snprintf(out_path, sizeof out_path, "%s", p);
    else
        report_fd = static_cast<int>(syscall(SYS_fcntl, 2, F_DUPFD_CLOEXEC, 3));
    if (const char *p = std::getenv("PRELOAD_TRACE_LOG"))
        log_fd = static_cast<int>(syscall(SYS_openat, AT_FDCWD, p, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644));
}

// One line of the per-call log, written with one system call (lines of
// several threads don't mix). vsnprintf calls none of the functions intercepted here.
__attribute__((format(printf, 1, 2))) void log_call(const char *format, ...)
{
    if (log_fd < 0)
        return;
    char line[512];
    va_list ap;
    va_start(ap, format);
    int n = std::vsnprintf(line, sizeof line, format, ap);
    va_end(ap);
    if (n > 0)
        write_all(log_fd, line, static_cast<size_t>(n) < sizeof line ? static_cast<size_t>(n) : sizeof line - 1);
}

// open's and openat's mode is there only when the flags ask for one.
inline bool takes_mode(int flags) { return (flags & O_CREAT) != 0 || (flags & O_TMPFILE) == O_TMPFILE; }

// Writes the whole buffer with the write system call, never through `write`.
void write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        long n = syscall(SYS_write, fd, buf, len);
        if (n <= 0)
            return;
        buf += n;
        len -= static_cast<size_t>(n);
    }
}

// Runs when the program exits (after its own atexit handlers, such as
// coreutils' close_stdout) and prints one "name count" line per function.
__attribute__((destructor)) void report()
{
    char buf[1024];
    size_t len = 0;
    for (int fn = 0; fn < FN_COUNT; ++fn) {
        int n = std::snprintf(buf + len, sizeof buf - len, "%-16s %lu\n", names[fn], calls[fn].load(std::memory_order_relaxed));
        if (n < 0 || static_cast<size_t>(n) >= sizeof buf - len)
            break;
        len += static_cast<size_t>(n);
    }
    if (out_path[0]) {
        int fd = static_cast<int>(syscall(SYS_openat, AT_FDCWD, out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
        if (fd >= 0) {
            write_all(fd, buf, len);
            syscall(SYS_close, fd);
        }
    } else if (report_fd >= 0) {
        write_all(report_fd, buf, len);
    }
}

} // namespace

// The interceptors: declared as glibc declares them, so <unistd.h>, <fcntl.h>
// and <stdio.h> agree. Those that log read their parameters (read-only: the
// trampoline passes the caller's own arguments on to libc, open's variadic mode
// too); the others never name them.

extern "C" [[interceptor]] int open(const char *path, int flags, ...)
{
    count(OPEN);
    if (takes_mode(flags)) {
        va_list ap;
        va_start(ap, flags);
        log_call("open(\"%s\", %#o, %#o)\n", path, flags, va_arg(ap, unsigned));
        va_end(ap);
    } else {
        log_call("open(\"%s\", %#o)\n", path, flags);
    }
    goto -> real(OPEN);
}

extern "C" [[interceptor]] int openat(int dirfd, const char *path, int flags, ...)
{
    count(OPENAT);
    if (takes_mode(flags)) {
        va_list ap;
        va_start(ap, flags);
        log_call("openat(%d, \"%s\", %#o, %#o)\n", dirfd, path, flags, va_arg(ap, unsigned));
        va_end(ap);
    } else {
        log_call("openat(%d, \"%s\", %#o)\n", dirfd, path, flags);
    }
    goto -> real(OPENAT);
}

extern "C" [[interceptor]] ssize_t read(int fd, void *, size_t n)
{
    count(READ);
    log_call("read(%d, %zu)\n", fd, n);
    goto -> real(READ);
}

extern "C" [[interceptor]] ssize_t write(int fd, const void *, size_t n)
{
    count(WRITE);
    log_call("write(%d, %zu)\n", fd, n);
    goto -> real(WRITE);
}

extern "C" [[interceptor]] int close(int)
{
    count(CLOSE);
    goto -> real(CLOSE);
}

extern "C" [[interceptor]] off_t lseek(int, off_t, int)
{
    count(LSEEK);
    goto -> real(LSEEK);
}

extern "C" [[interceptor]] int fstat(int, struct stat *)
{
    count(FSTAT);
    goto -> real(FSTAT);
}

extern "C" [[interceptor]] int posix_fadvise(int, off_t, off_t, int)
{
    count(POSIX_FADVISE);
    goto -> real(POSIX_FADVISE);
}

extern "C" [[interceptor]] FILE *fopen(const char *path, const char *mode)
{
    count(FOPEN);
    log_call("fopen(\"%s\", \"%s\")\n", path, mode);
    goto -> real(FOPEN);
}

extern "C" [[interceptor]] int fclose(FILE *)
{
    count(FCLOSE);
    goto -> real(FCLOSE);
}

extern "C" [[interceptor]] size_t fread(void *, size_t, size_t, FILE *)
{
    count(FREAD);
    goto -> real(FREAD);
}

extern "C" [[interceptor]] size_t fread_unlocked(void *, size_t, size_t, FILE *)
{
    count(FREAD_UNLOCKED);
    goto -> real(FREAD_UNLOCKED);
}

extern "C" [[interceptor]] size_t fwrite(const void *, size_t, size_t, FILE *)
{
    count(FWRITE);
    goto -> real(FWRITE);
}

extern "C" [[interceptor]] size_t fwrite_unlocked(const void *, size_t, size_t, FILE *)
{
    count(FWRITE_UNLOCKED);
    goto -> real(FWRITE_UNLOCKED);
}
