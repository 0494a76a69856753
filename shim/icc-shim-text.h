// icc-shim's runtime (runtime.cpp): a log line or a report written into a
// buffer without libc. A shim over libc defines snprintf and memcpy, so the
// runtime formats numbers, pointers, strings and floating point itself.
// Included after runtime.cpp's no_builtin pragma: no loop here may become a call.
//
// --log writes one line per call, so the writers are built for speed: each takes
// where to write and returns where it stopped (the cursor stays in a register),
// numbers are written straight into place, their length known first, two digits
// per step. Callers leave room: a writer may store up to 8 bytes past its end.
#pragma once

#include "icc-shim-gen.h"

// Hidden, so that calls the compiler leaves out of line stay direct (no PLT) and the shim exports none of them.
#pragma GCC visibility push(hidden)
namespace icc_shim {

// --log --header: how much of a `const char *` argument is read, at most (never a byte more).
constexpr unsigned STRING_CAP = 64;
constexpr unsigned MAX_ARGS = 32;

// Unaligned 2- and 8-byte moves that may alias anything (never a call to memcpy).
typedef unsigned short u16_any __attribute__((may_alias, aligned(1)));
typedef unsigned long long u64_any __attribute__((may_alias, aligned(1)));

// "00" to "ff": a pointer's hex digits two per step.
struct HexPairs {
    char at[512];
    constexpr HexPairs() : at()
    {
        for (int i = 0; i < 256; ++i) {
            at[2 * i] = "0123456789abcdef"[i >> 4];
            at[2 * i + 1] = "0123456789abcdef"[i & 15];
        }
    }
};
constexpr HexPairs hex_pairs;

struct Powers10 {
    unsigned long long at[20];
    constexpr Powers10() : at()
    {
        unsigned long long p = 1;
        for (int i = 0; i < 20; ++i, p *= 10) at[i] = p;
    }
};
constexpr Powers10 powers10;

// Text up to its NUL, or at most `cap` bytes of it.
inline char *put(char *p, const char *s)
{
    while (*s) *p++ = *s++;
    return p;
}
inline char *put(char *p, const char *s, unsigned long cap)
{
    for (const char *end = s + cap; s != end && *s; ) *p++ = *s++;
    return p;
}

// How many decimal digits `v` has (1 for 0): from its bit length, then one comparison.
inline unsigned decimal_length(unsigned long long v)
{
    v |= 1;
    unsigned guess = static_cast<unsigned>((64 - __builtin_clzll(v)) * 1233) >> 12; // 1233 / 4096 ~ log10(2)
    return guess + (v >= powers10.at[guess]);
}

// The 8 decimal digits of v < 10^8 (leading zeros included) as 8 characters in one word, first
// character in the lowest byte, computed in lanes: two 4-digit halves in 32-bit lanes, split into
// 2-digit quarters (16-bit lanes), then into digits (bytes). Each lane's quotient is a multiply by
// a scaled reciprocal and a shift, exact over the lane's range (n < 10^4: n * 10486 >> 20 is n / 100;
// n < 100: n * 103 >> 10 is n / 10); the mask drops what a higher lane's product shifted in.
inline unsigned long long digits8(unsigned v)
{
    unsigned long long x = (v / 10000) | static_cast<unsigned long long>(v % 10000) << 32;
    unsigned long long q = (x * 10486 >> 20) & 0x0000007f0000007full;
    x = q | (x - q * 100) << 16;
    q = (x * 103 >> 10) & 0x000f000f000f000full;
    x = q | (x - q * 10) << 8;
    return x;
}

inline void store8(char *p, unsigned long long w) { *reinterpret_cast<u64_any *>(p) = w; }

// v < 10^8 without leading zeros (at least one digit): the word's zero bytes at its low end are the leading zeros.
inline char *short_decimal(char *p, unsigned v)
{
    unsigned long long x = digits8(v);
    unsigned drop = static_cast<unsigned>(__builtin_ctzll(x | 1ull << 56)) & ~7u; // bits: whole zero bytes, at most 7
    store8(p, (x + 0x3030303030303030ull) >> drop);
    return p + 8 - drop / 8;
}

// Exactly 8 digits, leading zeros included.
inline char *eight_digits(char *p, unsigned v)
{
    store8(p, digits8(v) + 0x3030303030303030ull);
    return p + 8;
}

// `v` in decimal: eight digits per step from the right, at most three steps.
inline char *decimal(char *p, unsigned long long v)
{
    constexpr unsigned long long E8 = 100000000;
    if (v < E8)
        return short_decimal(p, static_cast<unsigned>(v));
    unsigned long long high = v / E8;
    auto low = static_cast<unsigned>(v - high * E8);
    if (high < 100) { // the 9- and 10-digit values of 32-bit arguments and timestamps
        auto h = static_cast<unsigned>(high);
        if (h >= 10) *p++ = static_cast<char>('0' + h / 10);
        *p++ = static_cast<char>('0' + h % 10);
    } else if (high < E8) {
        p = short_decimal(p, static_cast<unsigned>(high));
    } else {
        unsigned long long top = high / E8; // < 1845
        p = short_decimal(p, static_cast<unsigned>(top));
        p = eight_digits(p, static_cast<unsigned>(high - top * E8));
    }
    return eight_digits(p, low);
}

// Right-aligned in `width` characters, padded with `pad` (the report's columns, the digits after a point).
inline char *decimal(char *p, unsigned long long v, unsigned width, char pad)
{
    for (unsigned n = decimal_length(v); n < width; ++n) *p++ = pad;
    return decimal(p, v);
}

inline char *signed_decimal(char *p, long long v)
{
    if (v < 0) { *p++ = '-'; return decimal(p, 0ull - static_cast<unsigned long long>(v)); }
    return decimal(p, static_cast<unsigned long long>(v));
}

// Exactly nine digits (a timestamp's nanoseconds, v < 10^9).
inline char *nine_digits(char *p, unsigned v)
{
    unsigned first = v / 100000000;
    *p = static_cast<char>('0' + first);
    return eight_digits(p + 1, v - first * 100000000);
}

// 0x and lowercase hex digits, no leading zeros (a pointer).
inline char *hex(char *p, unsigned long long v)
{
    *p++ = '0';
    *p++ = 'x';
    unsigned n = (64 - __builtin_clzll(v | 1) + 3) / 4;
    char *end = p + n;
    for (char *q = end; v >= 16; v >>= 8) {
        q -= 2;
        *reinterpret_cast<u16_any *>(q) = *reinterpret_cast<const u16_any *>(&hex_pairs.at[2 * (v & 255)]);
    }
    if (n & 1) *p = hex_pairs.at[2 * v + 1];
    return end;
}

// A string argument, quoted and escaped: at most STRING_CAP bytes are read, `...` after it if it went on.
inline char *quoted(char *p, const char *s)
{
    *p++ = '"';
    unsigned i = 0;
    for (; i < STRING_CAP && s[i]; ++i) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') { *p++ = static_cast<char>(c); continue; }
        *p++ = '\\';
        if (c == '"' || c == '\\') *p++ = static_cast<char>(c);
        else if (c == '\n') *p++ = 'n';
        else if (c == '\t') *p++ = 't';
        else { *p++ = 'x'; p[0] = hex_pairs.at[2 * c]; p[1] = hex_pairs.at[2 * c + 1]; p += 2; }
    }
    *p++ = '"';
    if (i == STRING_CAP) p = put(p, "...");
    return p;
}

// A floating-point value without libc: up to 6 decimals, scientific outside [1e-4, 1e12).
inline char *real_number(char *p, double v)
{
    if (v != v) return put(p, "nan");
    if (v < 0 || (v == 0 && 1 / v < 0)) { *p++ = '-'; v = -v; }
    if (v > 1.7976931348623157e308) return put(p, "inf");
    int exp10 = 0;
    if (v != 0 && (v >= 1e12 || v < 1e-4)) {
        while (v >= 10) { v /= 10; ++exp10; }
        while (v < 1) { v *= 10; --exp10; }
    }
    // The whole part and the 6 decimals apart: v * 1e6 would lose digits of a v above 2^53 / 1e6
    // (999999999999 printed as 999999999999.000064). Rounding may carry into the whole part, and
    // a mantissa that rounds up to 10 is 1 of the next power (-1e-300, not -10e-301).
    auto whole = static_cast<unsigned long long>(v);
    auto frac = static_cast<unsigned long long>((v - static_cast<double>(whole)) * 1e6 + 0.5);
    if (frac == 1000000) { ++whole; frac = 0; }
    if (exp10 && whole == 10) { whole = 1; ++exp10; }
    p = decimal(p, whole);
    if (frac) {
        unsigned width = 6;
        while (frac % 10 == 0) { frac /= 10; --width; }
        *p++ = '.';
        p = decimal(p, frac, width, '0');
    }
    if (exp10) {
        p = put(p, exp10 < 0 ? "e-" : "e+");
        p = decimal(p, static_cast<unsigned long long>(exp10 < 0 ? -exp10 : exp10));
    }
    return p;
}

inline char *argument(char *p, const Arg &a)
{
    switch (a.kind) {
    case Arg::Signed: return signed_decimal(p, a.i);
    case Arg::Unsigned: return decimal(p, a.u);
    case Arg::Pointer: return a.p ? hex(p, reinterpret_cast<unsigned long long>(a.p)) : put(p, "NULL");
    case Arg::String: return a.p ? quoted(p, static_cast<const char *>(a.p)) : put(p, "NULL");
    case Arg::Real: return real_number(p, a.d);
    }
    return p;
}

// A buffer being filled (the report, error messages): the writers above, counting its length.
struct Text {
    char *data;
    unsigned long len;
    void add(const char *s) { len = static_cast<unsigned long>(put(data + len, s) - data); }
    void add(const char *s, unsigned long cap) { len = static_cast<unsigned long>(put(data + len, s, cap) - data); }
    void number(unsigned long v, unsigned width = 0, char pad = ' ') { len = static_cast<unsigned long>(decimal(data + len, v, width, pad) - data); }
};

} // namespace icc_shim
#pragma GCC visibility pop
