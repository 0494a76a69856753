// The seed example, grown up: Logger declares RotateMatrix's parameters, so
// its body can print the arguments it forwards; every call still reaches
// RotateMatrix in libgraphics.so with all its arguments intact (the body only
// reads them: the target receives the caller's own registers and stack).
// On AArch64, where bodies can't read their parameters yet, Logger is the
// seed's own: it declares none and prints only that it was called.
#include <cstdio>
#include <dlfcn.h>

#include "rotate.h"

#if defined(__x86_64__)
[[interceptor]] double Logger(int id, float angle, double scale, vec4 row, long a5, long a6, long a7, double *out)
{
    alignas(16) float r[4];
    store_vec4(r, row);
    std::printf("Function called: %s(id=%d, angle=%g, scale=%g, row={%g %g %g %g}, %ld, %ld, %ld, out=%s)\n", __func__, id, angle, scale,
                r[0], r[1], r[2], r[3], a5, a6, a7, out ? "non-null" : "null");
    goto -> dlsym(dlopen("libgraphics.so", RTLD_NOW), "RotateMatrix");
}
#else
[[interceptor]] double Logger(int, float, double, vec4, long, long, long, double *)
{
    std::puts("Function called");
    goto -> dlsym(dlopen("libgraphics.so", RTLD_NOW), "RotateMatrix");
}
#endif

int main()
{
    return call_as_rotate_matrix(&Logger);
}
