// The seed example on Windows: Logger has no parameters of its own, yet every
// call to it reaches RotateMatrix in graphics.dll with all its arguments.
#include <cstdio>
#include <windows.h>

#include "../logger/rotate.h"

[[interceptor]] void Logger(void)
{
    std::puts("Function called");
    goto -> GetProcAddress(LoadLibraryA("graphics.dll"), "RotateMatrix");
}

int main()
{
    return call_as_rotate_matrix(reinterpret_cast<RotateMatrixFn>(&Logger));
}
