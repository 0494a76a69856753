// The proxy: a DLL named mathlib.dll whose exports are interceptors named
// like the real library's functions. Each logs the call and forwards it,
// arguments untouched, to the real library (renamed mathlib-real.dll). The
// declared signatures don't matter: extern "C" names carry no types.
#include <cstdio>
#include <windows.h>

static FARPROC forward(const char *name)
{
    static HMODULE real = LoadLibraryA("mathlib-real.dll");
    std::fprintf(stderr, "[proxy] %s\n", name);
    return real ? GetProcAddress(real, name) : nullptr;
}

extern "C" {
[[interceptor]] __declspec(dllexport) void Mean(void) { goto -> forward("Mean"); }
[[interceptor]] __declspec(dllexport) void Cross(void) { goto -> forward("Cross"); }
[[interceptor]] __declspec(dllexport) void Format(void) { goto -> forward("Format"); }
}
