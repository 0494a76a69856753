// libtally.a: a template interceptor with two specializations used.
#include "hooks.h"

template <class T>
static T doubled(T x) { return x + x; }

template <class T>
[[interceptor]] T Twice(T)
{
    ++hits(kTwice);
    goto -> &doubled<T>;
}

int twice_int(int x) { return Twice<int>(x); }
double twice_double(double x) { return Twice<double>(x); }
