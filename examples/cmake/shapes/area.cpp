// libshapes.so: an interceptor in a shared library (-fPIC), whose target is
// looked up by name on each call, as a proxy library would.
#include <dlfcn.h>
#include "hooks.h"

namespace shapes {
[[interceptor]] double Area(double, double)
{
    ++hits(kArea);
    goto -> dlsym(RTLD_DEFAULT, "rect_area");
}
}

int add_from_shapes(int a, int b, int c) { return Add(a, b, c); }
