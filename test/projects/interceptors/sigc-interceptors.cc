// icc++ interceptors added to libsigc++'s test programs (test/e2e/real-projects.test.ts
// includes this file at the end of tests/testutilities.cc, which every test links).
// Each is an extern "C" interceptor named like a member function that
// libsigc-3.0.so exports (its mangled name): the program's definition comes
// first in symbol lookup, so the test's calls reach it; it counts the call and
// jumps to the library's own definition (dlsym(RTLD_NEXT, …)) with `this` and
// every argument where the caller put them.
#include <dlfcn.h>
#include "report.h"

static unsigned long connect_calls, disconnect_calls;

static void *next(const char *symbol)
{
  void *real = dlsym(RTLD_NEXT, symbol);
  if (!real) fprintf(stderr, "interceptor: %s not found after this program\n", symbol);
  return real;
}

// sigc::signal_base::connect(sigc::slot_base&&): returns an iterator (rax).
extern "C" [[interceptor]] void _ZN4sigc11signal_base7connectEONS_9slot_baseE()
{
  static void *real = next("_ZN4sigc11signal_base7connectEONS_9slot_baseE");
  ++connect_calls;
  goto -> real;
}

// sigc::connection::disconnect()
extern "C" [[interceptor]] void _ZN4sigc10connection10disconnectEv()
{
  static void *real = next("_ZN4sigc10connection10disconnectEv");
  ++disconnect_calls;
  goto -> real;
}

// At exit, its line in $ICC_INTERCEPT_LOG (report.h).
__attribute__((destructor)) static void report_calls()
{
  char counts[128];
  snprintf(counts, sizeof counts, "connect=%lu disconnect=%lu", connect_calls, disconnect_calls);
  report_counts(counts);
}
