// icc-shim: what every generated shim source includes. Declarations only, and
// no system header: a shim over libc defines functions named like libc's, which
// must not meet libc's own declarations in the same translation unit.
//
// The per-call work lives here (a macro, and inline functions), so each generated
// interceptor body is one line. The count path makes no call (a relaxed atomic
// increment and a cached pointer), so its core qualifies for icc++'s light path;
// the first call of a function, before its real address is known, reaches the
// runtime (runtime.cpp) through one shared interceptor instead of a call.
#pragma once

#ifdef _WIN32
#define ICC_SHIM_HIDDEN
#define ICC_SHIM_TLS
#else
#define ICC_SHIM_HIDDEN __attribute__((visibility("hidden")))
#define ICC_SHIM_TLS __attribute__((tls_model("initial-exec")))
#endif

namespace icc_shim {
// --log --header: one argument of a call, as the runtime prints it.
struct Arg {
    enum Kind : int { Signed, Unsigned, Pointer, String, Real } kind;
    union {
        long long i;
        unsigned long long u;
        const void *p;
        double d;
    };
};
[[gnu::always_inline]] inline Arg I(long long v) { Arg a{Arg::Signed, {}}; a.i = v; return a; }
[[gnu::always_inline]] inline Arg U(unsigned long long v) { Arg a{Arg::Unsigned, {}}; a.u = v; return a; }
[[gnu::always_inline]] inline Arg P(const void *v) { Arg a{Arg::Pointer, {}}; a.p = v; return a; }
[[gnu::always_inline]] inline Arg S(const char *v) { Arg a{Arg::String, {}}; a.p = v; return a; }
[[gnu::always_inline]] inline Arg D(long double v) { Arg a{Arg::Real, {}}; a.d = static_cast<double>(v); return a; }
} // namespace icc_shim

extern "C" {
// Filled by the generated source: one entry per intercepted function.
ICC_SHIM_HIDDEN extern unsigned long icc_shim_calls[];
ICC_SHIM_HIDDEN extern void *icc_shim_reals[];
// Which function's first call is being resolved, read by icc_shim_resolve.
ICC_SHIM_HIDDEN extern __thread unsigned icc_shim_pending ICC_SHIM_TLS;
// Set while a --body or --log body runs on this thread: calls it makes pass straight through.
ICC_SHIM_HIDDEN extern __thread int icc_shim_inside ICC_SHIM_TLS;
// The runtime's entries (runtime.cpp).
ICC_SHIM_HIDDEN void icc_shim_resolve(void);
ICC_SHIM_HIDDEN void *icc_shim_real(unsigned fn);
ICC_SHIM_HIDDEN void *icc_shim_logged(unsigned fn);
// tail: 0 nothing more, 1 variadic (`...`), 2 arguments the header gives no printable type (`?`).
ICC_SHIM_HIDDEN void *icc_shim_logged_args(unsigned fn, const icc_shim::Arg *args, unsigned n, int tail);
}

// --count: one relaxed increment, then the real function (or, on its first call, the resolver).
// A macro of builtins rather than a function: a body with no call syntax is compiled once, as
// icc++'s light core alone (a function per interceptor fewer for clang: lib/rewrite/calls.ts).
#define ICC_SHIM_COUNTED(fn) \
    (__extension__({ \
        __atomic_fetch_add(&icc_shim_calls[fn], 1, __ATOMIC_RELAXED); \
        void *icc_shim_real_ = __atomic_load_n(&icc_shim_reals[fn], __ATOMIC_ACQUIRE); \
        if (__builtin_expect(icc_shim_real_ == nullptr, 0)) { \
            icc_shim_pending = fn; \
            icc_shim_real_ = reinterpret_cast<void *>(&icc_shim_resolve); \
        } \
        icc_shim_real_; \
    }))

namespace icc_shim {

// --body: the user's body for this function, unless the body itself made the call.
[[gnu::always_inline]] inline void *with_body(unsigned fn, const char *name, void *(*body)(const char *, void *))
{
    void *real = __atomic_load_n(&icc_shim_reals[fn], __ATOMIC_ACQUIRE);
    if (__builtin_expect(real == nullptr, 0))
        real = icc_shim_real(fn);
    if (icc_shim_inside)
        return real;
    icc_shim_inside = 1;
    void *target = body(name, real);
    icc_shim_inside = 0;
    return target;
}

} // namespace icc_shim
