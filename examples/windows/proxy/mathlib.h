// mathlib.dll's interface, shared by the library, the program and the proxy.
// __stdcall, the convention of Win32's own DLLs (x86-64 has one convention and
// ignores it); Format is variadic, so it stays __cdecl.
#pragma once

struct Vec3 { double x, y, z; };
#define MATHAPI __stdcall
