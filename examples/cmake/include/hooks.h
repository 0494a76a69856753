// Shared by every target. The counters live in libshapes.so; Add is an inline
// interceptor that each TU including this header may emit (the linker keeps one).
#pragma once

enum Hook { kArea, kAdd, kTotal, kTwice, kTraced, kHooks };
int &hits(Hook hook);

extern "C" int add3(int a, int b, int c);

[[interceptor]] inline int Add(int, int, int)
{
    ++hits(kAdd);
    goto -> &add3;
}

// Each module calls the inline interceptor from a function of its own.
int add_from_shapes(int a, int b, int c);
int add_from_tally(int a, int b, int c);

namespace shapes {
double Area(double width, double height);
}
long tally_total();
int twice_int(int x);
double twice_double(double x);
