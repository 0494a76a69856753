// icc-shim --body hooks.cpp: include this in hooks.cpp and write bodies.
//
//   ICC_SHIM_BODY(default) { fprintf(stderr, "%s\n", name); return real; }  // every function
//   ICC_SHIM_BODY(deflate) { ++deflates; return real; }                      // deflate only
//
// `name` is the function's name, `real` the library's own function; the body
// returns where the call goes on (usually `real`), with the caller's arguments
// untouched. Calls a body makes to intercepted functions pass straight through.
#pragma once

#define ICC_SHIM_BODY(fn) extern "C" void *icc_shim_body_##fn([[maybe_unused]] const char *name, [[maybe_unused]] void *real)
