// What both seed examples (this one and examples/windows) do with Logger:
// call it as if it were RotateMatrix, and check that every argument and the
// return value went through.
#pragma once
#include <cstdio>
#include <xmmintrin.h>

using RotateMatrixFn = double (*)(int, float, double, __m128, long, long, long, double *);

inline int call_as_rotate_matrix(RotateMatrixFn rotate)
{
    double seen[5] = {};
    double result = rotate(7, 0.5f, 3.0, _mm_setr_ps(1, 2, 3, 4), 100, 20, 3, seen);

    std::printf("RotateMatrix saw id=%g angle=%g scale=%g row-sum=%g stack-sum=%g\n", seen[0], seen[1], seen[2], seen[3], seen[4]);
    std::printf("RotateMatrix returned %g\n", result);
    bool ok = seen[0] == 7 && seen[1] == 0.5 && seen[2] == 3.0 && seen[3] == 10 && seen[4] == 123 && result == 7001.5;
    std::puts(ok ? "OK: every argument and the return value went through" : "FAIL: arguments were corrupted");
    return ok ? 0 : 1;
}
