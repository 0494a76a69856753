// The seed example: Logger has no parameters of its own, yet every call to it
// reaches RotateMatrix in libgraphics.so with all its arguments intact.
#include <cstdio>
#include <dlfcn.h>

#include "rotate.h"

[[interceptor]] void Logger(void)
{
    std::puts("Function called");
    goto -> dlsym(dlopen("libgraphics.so", RTLD_NOW), "RotateMatrix");
}

int main()
{
    return call_as_rotate_matrix(reinterpret_cast<RotateMatrixFn>(&Logger));
}
