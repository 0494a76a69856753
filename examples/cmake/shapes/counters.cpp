// libshapes.so: the counters and the plain functions the interceptors jump to.
#include "hooks.h"

static int counts[kHooks];

int &hits(Hook hook) { return counts[hook]; }

extern "C" int add3(int a, int b, int c) { return a + 10 * b + 100 * c; }

extern "C" double rect_area(double width, double height) { return width * height; }
