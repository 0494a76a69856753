// An ordinary program linked against mathlib.dll's import library. It knows
// nothing of interceptors; the same app.exe runs with the real DLL and with
// the proxy.
#include <cstdio>
#include "mathlib.h"

extern "C" __declspec(dllimport) double MATHAPI Mean(int n, const double *v);
extern "C" __declspec(dllimport) Vec3 MATHAPI Cross(Vec3 a, Vec3 b);
extern "C" __declspec(dllimport) int Format(char *buf, int size, const char *fmt, ...);

int main()
{
    const double v[] = {1.5, 2.5, 4.0, 8.0};
    std::printf("Mean = %g\n", Mean(4, v));
    Vec3 c = Cross(Vec3{1, 0, 0}, Vec3{0, 1, 0});
    std::printf("Cross = (%g, %g, %g)\n", c.x, c.y, c.z);
    char buf[64];
    Format(buf, sizeof buf, "%s %d %.3f", "pi", 3, 3.14159);
    std::printf("Format = \"%s\"\n", buf);
}
