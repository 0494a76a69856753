// The proxy: a DLL named mathlib.dll whose exports are interceptors named
// like the real library's functions. Each logs the call and forwards it,
// arguments untouched, to the real library (renamed mathlib-real.dll). The
// declared parameters only give 32-bit stdcall names their size (_Mean@8,
// exported as `Mean` with --kill-at): extern "C" names carry no types.
#include <cstdio>
#include <windows.h>
#include "mathlib.h"

static FARPROC forward(const char *name)
{
    static HMODULE real = LoadLibraryA("mathlib-real.dll");
    std::fprintf(stderr, "[proxy] %s\n", name);
    return real ? GetProcAddress(real, name) : nullptr;
}

extern "C" {
[[interceptor]] __declspec(dllexport) double MATHAPI Mean(int, const double *) { goto -> forward("Mean"); }
[[interceptor]] __declspec(dllexport) Vec3 MATHAPI Cross(Vec3, Vec3) { goto -> forward("Cross"); }
[[interceptor]] __declspec(dllexport) int Format(char *, int, const char *, ...) { goto -> forward("Format"); }
}
