// The library whose function the logger intercepts: libgraphics.so here,
// graphics.dll for examples/windows. RotateMatrix takes integer, float, double
// and vector (SSE or NEON) arguments, some on the stack, so a trampoline that lost any
// register would show here.
#include "rotate.h"  // vec4: __m128 on x86-64, float32x4_t on AArch64

extern "C" double RotateMatrix(int id, float angle, double scale, vec4 row, long a5, long a6, long a7, double *out)
{
    alignas(16) float v[4];
    store_vec4(v, row);
    out[0] = id;
    out[1] = angle;
    out[2] = scale;
    out[3] = v[0] + v[1] + v[2] + v[3];
    out[4] = double(a5 + a6 + a7);
    return id * 1000.0 + angle * scale;
}
