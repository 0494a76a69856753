// The library whose function the logger intercepts: libgraphics.so here,
// graphics.dll for examples/windows. RotateMatrix takes integer, float, double
// and SSE-vector arguments, some on the stack, so a trampoline that lost any
// register would show here.
#include <xmmintrin.h>

extern "C" double RotateMatrix(int id, float angle, double scale, __m128 row, long a5, long a6, long a7, double *out)
{
    alignas(16) float v[4];
    _mm_store_ps(v, row);
    out[0] = id;
    out[1] = angle;
    out[2] = scale;
    out[3] = v[0] + v[1] + v[2] + v[3];
    out[4] = double(a5 + a6 + a7);
    return id * 1000.0 + angle * scale;
}
