// What both seed examples (this one and examples/windows) do with Logger:
// call it as if it were RotateMatrix, and check that every argument and the
// return value went through.
#pragma once
#include <cstdio>
#if defined(__aarch64__)
#include <arm_neon.h>
using vec4 = float32x4_t;  // in q1, as __m128 travels in xmm0 on x86-64
inline vec4 make_vec4(float a, float b, float c, float d) { return vec4{a, b, c, d}; }
inline void store_vec4(float *to, vec4 v) { vst1q_f32(to, v); }
#else
#include <xmmintrin.h>
using vec4 = __m128;
inline vec4 make_vec4(float a, float b, float c, float d) { return _mm_setr_ps(a, b, c, d); }
inline void store_vec4(float *to, vec4 v) { _mm_store_ps(to, v); }
#endif

using RotateMatrixFn = double (*)(int, float, double, vec4, long, long, long, double *);

inline int call_as_rotate_matrix(RotateMatrixFn rotate)
{
    double seen[5] = {};
    double result = rotate(7, 0.5f, 3.0, make_vec4(1, 2, 3, 4), 100, 20, 3, seen);

    std::printf("RotateMatrix saw id=%g angle=%g scale=%g row-sum=%g stack-sum=%g\n", seen[0], seen[1], seen[2], seen[3], seen[4]);
    std::printf("RotateMatrix returned %g\n", result);
    bool ok = seen[0] == 7 && seen[1] == 0.5 && seen[2] == 3.0 && seen[3] == 10 && seen[4] == 123 && result == 7001.5;
    std::puts(ok ? "OK: every argument and the return value went through" : "FAIL: arguments were corrupted");
    return ok ? 0 : 1;
}
