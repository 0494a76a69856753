// icc++ interceptors added to {fmt}'s test programs (test/e2e/real-projects.test.ts
// appends this file to the `test-main` library). The link wraps two of libfmt's
// functions (`-Wl,--wrap=SYMBOL`): every call from a test program reaches
// `__wrap_SYMBOL` below, which counts it and jumps to the real function
// (`__real_SYMBOL`) with the caller's registers and stack untouched.
//
// fmt::v12::vformat(string_view, format_args) returns std::string: its
// caller passes the hidden result pointer in rdi, which must reach the real one.
// fmt::v12::detail::vformat_to(buffer<char>&, string_view, format_args, locale_ref)
// takes seven argument registers' worth of values.
#include "report.h"

#define VFORMAT _ZN3fmt3v127vformatB5cxx11ENS0_17basic_string_viewIcEENS0_17basic_format_argsINS0_7contextEEE
#define VFORMAT_TO _ZN3fmt3v126detail10vformat_toERNS1_6bufferIcEENS0_17basic_string_viewIcEENS0_17basic_format_argsINS0_7contextEEENS0_10locale_refE
#define CAT(a, b) CAT_(a, b)
#define CAT_(a, b) a##b

static unsigned long vformat_calls, vformat_to_calls;

extern "C" void CAT(__real_, VFORMAT)();
extern "C" void CAT(__real_, VFORMAT_TO)();

extern "C" [[interceptor]] void CAT(__wrap_, VFORMAT)()
{
  __atomic_fetch_add(&vformat_calls, 1, __ATOMIC_RELAXED);
  goto -> &CAT(__real_, VFORMAT);
}

extern "C" [[interceptor]] void CAT(__wrap_, VFORMAT_TO)()
{
  __atomic_fetch_add(&vformat_to_calls, 1, __ATOMIC_RELAXED);
  goto -> &CAT(__real_, VFORMAT_TO);
}

// At exit, its line in $ICC_INTERCEPT_LOG (report.h).
__attribute__((destructor)) static void report_calls()
{
  char counts[128];
  snprintf(counts, sizeof counts, "vformat=%lu vformat_to=%lu", vformat_calls, vformat_to_calls);
  report_counts(counts);
}
