// icc-shim's runtime (runtime.cpp): a log line or a report written into a
// buffer without libc. A shim over libc defines snprintf and memcpy, so the
// runtime formats numbers, pointers, strings and floating point itself.
// Included after runtime.cpp's no_builtin pragma: no loop here may become a call.
#pragma once

#include "icc-shim-gen.h"

namespace icc_shim {

// "00" to "99": decimal numbers are written two digits per division (most of a log line is numbers).
struct DigitPairs {
    char at[200];
    constexpr DigitPairs() : at()
    {
        for (int i = 0; i < 100; ++i) {
            at[2 * i] = static_cast<char>('0' + i / 10);
            at[2 * i + 1] = static_cast<char>('0' + i % 10);
        }
    }
};
constexpr DigitPairs digit_pairs;

// Appends text or a decimal number (right-aligned in `width`) to a buffer.
struct Text {
    char *data;
    unsigned long len;
    void add(const char *s) { for (; *s; ++s) data[len++] = *s; }
    void add(const char *s, unsigned long cap) { for (unsigned long i = 0; i < cap && s[i]; ++i) data[len++] = s[i]; }
    void number(unsigned long v, int width = 0, char pad = ' ')
    {
        char digits[24];
        int n = sizeof digits;
        while (v >= 100) {
            unsigned long r = v % 100;
            v /= 100;
            digits[--n] = digit_pairs.at[2 * r + 1];
            digits[--n] = digit_pairs.at[2 * r];
        }
        if (v >= 10) {
            digits[--n] = digit_pairs.at[2 * v + 1];
            digits[--n] = digit_pairs.at[2 * v];
        } else {
            digits[--n] = static_cast<char>('0' + v);
        }
        for (int i = static_cast<int>(sizeof digits) - n; i < width; ++i) data[len++] = pad;
        while (n < static_cast<int>(sizeof digits)) data[len++] = digits[n++];
    }
};

// --log --header: how much of a `const char *` argument is read, at most (never a byte more).
constexpr unsigned STRING_CAP = 64;
constexpr unsigned MAX_ARGS = 32;

inline void hex(Text &t, unsigned long long v)
{
    char digits[16];
    int n = 0;
    do digits[n++] = "0123456789abcdef"[v & 15]; while (v >>= 4);
    t.add("0x");
    while (n) t.data[t.len++] = digits[--n];
}

// A string argument, quoted and escaped: at most STRING_CAP bytes are read, `...` after it if it went on.
inline void quoted(Text &t, const char *s)
{
    t.data[t.len++] = '"';
    unsigned i = 0;
    for (; i < STRING_CAP && s[i]; ++i) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c == '"' || c == '\\') { t.data[t.len++] = '\\'; t.data[t.len++] = static_cast<char>(c); }
        else if (c == '\n') t.add("\\n");
        else if (c == '\t') t.add("\\t");
        else if (c >= 0x20 && c < 0x7f) t.data[t.len++] = static_cast<char>(c);
        else { t.add("\\x"); t.data[t.len++] = "0123456789abcdef"[c >> 4]; t.data[t.len++] = "0123456789abcdef"[c & 15]; }
    }
    t.data[t.len++] = '"';
    if (i == STRING_CAP)
        t.add("...");
}

// A floating-point value without libc: up to 6 decimals, scientific outside [1e-4, 1e12).
inline void real_number(Text &t, double v)
{
    if (v != v) { t.add("nan"); return; }
    if (v < 0 || (v == 0 && 1 / v < 0)) { t.add("-"); v = -v; }
    if (v > 1.7976931348623157e308) { t.add("inf"); return; }
    int exp10 = 0;
    if (v != 0 && (v >= 1e12 || v < 1e-4)) {
        while (v >= 10) { v /= 10; ++exp10; }
        while (v < 1) { v *= 10; --exp10; }
    }
    auto scaled = static_cast<unsigned long long>(v * 1e6 + 0.5);
    t.number(scaled / 1000000);
    if (unsigned long frac = scaled % 1000000) {
        int width = 6;
        while (frac % 10 == 0) { frac /= 10; --width; }
        t.add(".");
        t.number(frac, width, '0');
    }
    if (exp10) {
        t.add(exp10 < 0 ? "e-" : "e+");
        t.number(static_cast<unsigned long>(exp10 < 0 ? -exp10 : exp10));
    }
}

inline void argument(Text &t, const Arg &a)
{
    switch (a.kind) {
    case Arg::Signed:
        if (a.i < 0) { t.add("-"); t.number(0ull - static_cast<unsigned long long>(a.i)); }
        else t.number(static_cast<unsigned long long>(a.i));
        break;
    case Arg::Unsigned: t.number(a.u); break;
    case Arg::Pointer:
        if (a.p) hex(t, reinterpret_cast<unsigned long long>(a.p)); else t.add("NULL");
        break;
    case Arg::String:
        if (a.p) quoted(t, static_cast<const char *>(a.p)); else t.add("NULL");
        break;
    case Arg::Real: real_number(t, a.d); break;
    }
}

} // namespace icc_shim
