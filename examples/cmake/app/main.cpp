// The program: calls every interceptor of the libraries and its own, checks
// each result and count, and prints OK.
#include <cstdio>
#include <dlfcn.h>
#include "hooks.h"

// Declared with no parameters: callers give it rect_area's.
[[interceptor]] static void Traced(void)
{
    ++hits(kTraced);
    goto -> dlsym(RTLD_DEFAULT, "rect_area");
}

static int failures = 0;

static void check(const char *what, double got, double want)
{
    if (got == want) return;
    std::printf("FAIL %s: got %g, want %g\n", what, got, want);
    ++failures;
}

int main()
{
    check("shapes::Area(3, 4)", shapes::Area(3, 4), 12);
    check("Traced(2.5, 4)", reinterpret_cast<double (*)(double, double)>(&Traced)(2.5, 4), 10);
    check("Add(1, 2, 3)", Add(1, 2, 3), 321);
    check("add_from_shapes(4, 5, 6)", add_from_shapes(4, 5, 6), 654);
    check("add_from_tally(7, 8, 9)", add_from_tally(7, 8, 9), 987);
    check("tally_total()", tally_total(), 1 + 4 + 9 + 16);
    check("twice_int(21)", twice_int(21), 42);
    check("twice_double(1.25)", twice_double(1.25), 2.5);
    const int want[kHooks] = {1, 3, 1, 2, 1};
    const char *names[kHooks] = {"Area", "Add", "Total", "Twice", "Traced"};
    for (int h = 0; h < kHooks; ++h) check(names[h], hits(Hook(h)), want[h]);
    std::puts(failures ? "FAILED" : "OK");
    return failures != 0;
}
