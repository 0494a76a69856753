// mathlib.dll, the real library (plain clang++): a few exports with
// different argument shapes.
#include <cstdarg>
#include <cstdio>
#include "mathlib.h"

extern "C" __declspec(dllexport) double MATHAPI Mean(int n, const double *v)
{
    double s = 0;
    for (int i = 0; i < n; ++i) s += v[i];
    return n ? s / n : 0;
}

// A 24-byte struct: passed by reference (x86-64) or on the stack (i686), returned through a hidden pointer.
extern "C" __declspec(dllexport) Vec3 MATHAPI Cross(Vec3 a, Vec3 b)
{
    return Vec3{a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x};
}

// Variadic (so __cdecl): on x86-64, doubles travel in both the vector and the integer registers.
extern "C" __declspec(dllexport) int Format(char *buf, int size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = std::vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
