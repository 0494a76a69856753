// The prelude's support for interceptors that read their parameters
// (lib/rewrite/params.ts): the stack bound of a signature, whether the
// trampoline can call the body directly (every parameter in a register), the
// return type __params_X is declared with, the thread-local hand-off of the target, the
// replay call, the va_start fix-up and the symbol's names. Inside namespace
// __icc (prelude.ts); included only in a TU that has such an interceptor.

import { REPLAY_THUNK, type Abi } from '../trampoline.js';

/** The low bits of the replay thunk's `count` (a multiple of 8 otherwise), asm/x86_64-replay.S: a
 *  parameter (or the variadic tail) may travel in a vector register, so load them; the return
 *  type may come back on the x87 stack, so empty it; __params_X is not in the thunk's convention.
 *  Only the C++ side knows (from the types). A count of 0 (no flag, no stack argument) takes the
 *  thunk's fast path: the argument registers loaded, a tail call. */
const REPLAY_VECTORS = 1;
const REPLAY_X87 = 2;
const REPLAY_OTHER = 4;

/** The ABIs with a replay thunk (lib/arch/: Arch.params); the rewriter refuses the others. */
type X64 = 'sysv' | 'ms';

/** Whether a register-only reader's body can be the core itself (`direct`): its trampoline must leave
 *  every argument register as the caller had it, which the System V one does (the core finds the frame
 *  as its caller's frame pointer); the Microsoft one passes the frame in rcx, the first argument
 *  (Win64 frame pointers don't chain: __builtin_frame_address(1) is not the caller's rbp there). */
const DIRECT: Record<X64, boolean> = { sysv: true, ms: false };

/** The replay thunk's convention: the cores' (lib/rewrite/emit.ts), spelled out so an ms_abi
 *  default never applies: System V on ELF, Microsoft on COFF (asm/x86_64-replay.S). */
const THUNK_CONVENTION: Record<X64, string> = { sysv: '__attribute__((sysv_abi)) ', ms: '__attribute__((ms_abi)) ' };

/** Where the stub's record keeps the mangled name, per ABI (asm/x86_64-sysv.S, x86_64-ms.S). */
const NAME_IN_RECORD: Record<X64, number> = { sysv: 16, ms: 4 };

/** How `__icc_symbol` reaches __cxa_demangle: weak (ELF: found in the shared C++ library), strong
 *  (mingw, cygwin: a COFF weak reference resolves to 0 unless something else links it in, and makes
 *  every reference in its file weak), or none (MSVC names: the mangled name). lib/pipeline.ts picks. */
export type Demangler = 'weak' | 'strong' | 'none';

const demanglers: Record<Demangler, string> = {
  weak: 'demangle',
  strong: 'strong_demangle',
  none: 'static_cast<char *(*)(const char *, char *, __SIZE_TYPE__ *, int *)>(nullptr)',
};

/** The C++ text, one declaration a line (prelude.ts joins them). */
export function paramsSupport(target: Abi, demangler: Demangler): string {
  if (target !== 'sysv' && target !== 'ms') throw new Error(`no replay thunk for ${target}`);
  const abi: X64 = target;
  const demangle = demanglers[demangler];
  // The trampoline's frame (asm/x86_64-common.S): r11, the stub's record, at -56 from its rbp.
  const tls = abi === 'sysv' ? ' __attribute__((tls_model("initial-exec")))' : '';
  // A function type without an attribute has the target's default convention.
  const [plain, other, otherAttr] = abi === 'sysv' ? ['sysv_sig', 'ms_sig', 'ms_abi'] : ['ms_sig', 'sysv_sig', 'sysv_abi'];
  return `
template <class T> struct slot_of { enum : unsigned long { size = (sizeof(T) + 7) & ~7ul, align = alignof(T) > 8 ? alignof(T) : 8 }; };
template <class T> struct slot_of<T &> { enum : unsigned long { size = 8, align = 8 }; };
template <class T> struct slot_of<T &&> { enum : unsigned long { size = 8, align = 8 }; };
template <class T> struct in_gprs { enum : unsigned long { value = __is_integral(T) || __is_pointer(T) || __is_enum(T) || __is_reference(T) || __is_member_pointer(T) || __is_same(T, decltype(nullptr)) }; };
template <class R> struct plain_return { enum : unsigned long { value = in_gprs<R>::value || __is_void(R) || __is_same(R, float) || __is_same(R, double) }; };
template <unsigned long O, unsigned long G, class... A> struct sysv_stack { enum : unsigned long { value = O }; };
template <unsigned long O, unsigned long G, class T, class... A> struct sysv_stack<O, G, T, A...> { enum : unsigned long { need = slot_of<T>::size / 8, reg = in_gprs<T>::value && G + need <= 6, at = (O + slot_of<T>::align - 1) & ~(slot_of<T>::align - 1), value = sysv_stack<reg ? O : at + slot_of<T>::size, reg ? G + need : in_gprs<T>::value ? G : G + (need < 2 ? need : 2), A...>::value }; };
template <class... A> struct vectors { enum : unsigned long { value = 0 }; };
template <class T, class... A> struct vectors<T, A...> { enum : unsigned long { value = !in_gprs<T>::value || vectors<A...>::value }; };
template <class R, bool V, bool Other, class... A> struct replay_flags { enum : unsigned long { value = (V || vectors<A...>::value ? ${REPLAY_VECTORS} : 0) | (plain_return<R>::value ? 0 : ${REPLAY_X87}) | (Other ? ${REPLAY_OTHER} : 0) }; };
template <unsigned long Bytes, unsigned long Flags, bool Registers> struct replay_count { enum : unsigned long { value = Registers && Flags == 0 ? 0 : Bytes | Flags }; };
template <class T, class = void> struct vector_type { enum : unsigned long { value = 0 }; };
template <class T> struct vector_type<T, decltype(void((*static_cast<T *>(nullptr))[0]))> { enum : unsigned long { value = !__is_class(T) && !__is_union(T) && !__is_pointer(T) && !__is_array(T) }; };
template <class T> struct in_xmm { enum : unsigned long { value = __is_same(T, float) || __is_same(T, double) || (vector_type<T>::value && sizeof(T) == 16) }; };
template <class R> struct direct_return { enum : unsigned long { value = __is_same(R, float) || __is_same(R, double) || (in_gprs<R>::value && sizeof(R) <= 8) }; };
template <> struct direct_return<void> { enum : unsigned long { value = 1 }; };
template <class R> struct direct_return<R &> { enum : unsigned long { value = 1 }; };
template <class R> struct direct_return<R &&> { enum : unsigned long { value = 1 }; };
template <unsigned long G, unsigned long X, class... A> struct sysv_regs { enum : unsigned long { value = 1 }; };
template <unsigned long G, unsigned long X, class T, class... A> struct sysv_regs<G, X, T, A...> { enum : unsigned long { need = slot_of<T>::size / 8, value = in_gprs<T>::value ? G + need <= 6 && sysv_regs<G + need, X, A...>::value : in_xmm<T>::value && X < 8 && sysv_regs<G, X + 1, A...>::value }; };
template <class... A> struct ms_regs { enum : unsigned long { value = 1 }; };
template <class T, class... A> struct ms_regs<T, A...> { enum : unsigned long { value = (in_gprs<T>::value || in_xmm<T>::value) && ms_regs<A...>::value }; };
template <class R, bool V, bool Other, class... A> struct sysv_sig { typedef R ret; enum : unsigned long { bytes = sysv_stack<0, plain_return<R>::value ? 0 : 1, A...>::value, count = replay_count<bytes, replay_flags<R, V, Other, A...>::value, bytes == 0>::value, direct = ${+DIRECT[abi]} && !V && !Other && direct_return<R>::value && sysv_regs<0, 0, A...>::value }; };
template <class R, bool V, bool Other, class... A> struct ms_sig { typedef R ret; enum : unsigned long { slots = sizeof...(A) + (plain_return<R>::value ? 0 : 1), count = replay_count<32 + 8 * slots, replay_flags<R, V, Other, A...>::value, slots <= 4>::value, direct = ${+DIRECT[abi]} && !V && direct_return<R>::value && sizeof...(A) <= 4 && ms_regs<A...>::value }; };
template <class R, class... A> ${plain}<R, false, false, A...> sig(R (*)(A...));
template <class R, class... A> ${plain}<R, true, false, A...> sig(R (*)(A..., ...));
template <class R, class... A> ${other}<R, false, true, A...> sig(R (__attribute__((${otherAttr})) *)(A...));
template <class R, class... A> ${other}<R, true, true, A...> sig(R (__attribute__((${otherAttr})) *)(A..., ...));
template <class R, class... A> ms_sig<R, false, true, A...> sig(R (__attribute__((vectorcall)) *)(A...));
template <class = void> struct state { static thread_local target_t target${tls}; static thread_local void *frame${tls}; static thread_local char *copy${tls}; };
template <class T> thread_local target_t state<T>::target;
template <class T> thread_local void *state<T>::frame;
template <class T> thread_local char *state<T>::copy;
struct indirect { indirect() noexcept {} indirect(const indirect &) noexcept {} ~indirect() {} };
struct nothing { char c; };
template <class R> struct kind { enum { value = __is_trivially_constructible(R, const R &) && __is_trivially_constructible(R, R &&) && __is_trivially_destructible(R) ? 1 : 0 }; };
template <class R> struct kind<R &> { enum { value = 2 }; };
template <class R> struct kind<R &&> { enum { value = 2 }; };
template <> struct kind<void> { enum { value = 3 }; };
template <class R, int = kind<R>::value> struct result { typedef indirect type; static indirect leave() noexcept { return indirect(); } };
template <class R> struct result<R, 1> { typedef R type; static R leave() noexcept { union U { char c; R r; U() : c() {} } u; return u.r; } };
template <class R> struct result<R &, 2> { typedef R &type; static R &leave() noexcept { return *reinterpret_cast<R *>(&state<>::target); } };
template <class R> struct result<R &&, 2> { typedef R &&type; static R &&leave() noexcept { return static_cast<R &&>(*reinterpret_cast<R *>(&state<>::target)); } };
template <> struct result<void, 3> { typedef nothing type; static nothing leave() noexcept { return nothing(); } };
template <bool Direct, class R> struct exit_with { typedef typename result<R>::type type; static type leave(target_t t) noexcept { state<>::target = t; return result<R>::leave(); } };
template <class R> struct exit_with<true, R> { typedef target_t type; static target_t leave(target_t t) noexcept { return t; } };
template <class S> using params_ret = typename exit_with<S::direct != 0, typename S::ret>::type;
template <class S> __attribute__((always_inline)) inline params_ret<S> leave(target_t t) noexcept { return exit_with<S::direct != 0, typename S::ret>::leave(t); }
extern "C" ${THUNK_CONVENTION[abi]}void ${REPLAY_THUNK[abi]}(void *, __SIZE_TYPE__, void *, char **);
template <bool Direct> struct replayer { template <bool Frame> __attribute__((always_inline)) static target_t run(void *frame, __SIZE_TYPE__ count, void *fn) { if (Frame) state<>::frame = frame; ${REPLAY_THUNK[abi]}(frame, count, fn, Frame ? &state<>::copy : nullptr); return state<>::target; } };
template <> struct replayer<true> { template <bool Frame> static target_t run(void *, __SIZE_TYPE__, void *) { return nullptr; } };
template <bool Frame, class S> __attribute__((always_inline)) inline target_t replay(void *frame, void *fn) { return replayer<S::direct != 0>::template run<Frame>(frame, S::count, fn); }
inline void *frame_of(void *passed, void *caller) noexcept { return ${abi === 'sysv' ? 'caller' : 'passed'}; }
template <class S> inline void *body_frame(void *caller) noexcept { return S::direct ? caller : state<>::frame; }
inline const char *mangled(void *frame) noexcept { return *reinterpret_cast<const char *const *>(static_cast<char *>(frame) - 56) + ${NAME_IN_RECORD[abi]}; }
${demangler === 'strong' ? 'char *strong_demangle(const char *, char *, __SIZE_TYPE__ *, int *) __asm__("__cxa_demangle") __attribute__((visibility("default")));' : ''}
inline const char *symbol(void *frame) noexcept { static thread_local char *buffer; static thread_local __SIZE_TYPE__ size; int status = -1; const char *m = mangled(frame), *at = __builtin_strstr(m, "@@"); char *plain = at ? static_cast<char *>(__builtin_alloca(at - m + 1)) : nullptr; if (plain) { __builtin_memcpy(plain, m, at - m); plain[at - m] = 0; } char *name = ${demangle} ? ${demangle}(plain ? plain : m, buffer, &size, &status) : nullptr; if (status != 0 || !name) return m; buffer = name; return name; }
${vaFix[abi]}
`;
}

// After va_start in __params_X: arguments beyond the copied area are read from the caller's own
// stack. `frame` is the trampoline's (its rbp: the caller's stack arguments at +16), `copy` where
// the replay thunk copied them. SysV: va_list's overflow_arg_area points into the copy; move it to
// the same offset in the caller's area. Microsoft x64: va_list points into the copy's home area;
// spill the four argument registers into the caller's own home area (the callee's to use) and
// point it there.
const SYSV_VA_FIX = 'struct va_tag { unsigned gp, fp; char *overflow; char *save; };\n' +
  'inline void va_fix(__builtin_va_list ap, void *frame, char *copy) noexcept { reinterpret_cast<va_tag *>(ap)->overflow += static_cast<char *>(frame) + 16 - copy; }';
const msVaFix = (list: string): string =>
  `inline void va_fix(${list} &ap, void *frame, char *copy) noexcept { char *f = static_cast<char *>(frame); long long *home = reinterpret_cast<long long *>(f + 16); ` +
  'const long long *saved = reinterpret_cast<const long long *>(f); home[0] = saved[-2]; home[1] = saved[-1]; home[2] = saved[-3]; home[3] = saved[-4]; ap += f + 16 - copy; }';
const vaFix: Record<X64, string> = {
  sysv: SYSV_VA_FIX + '\n' + msVaFix('__builtin_ms_va_list'),
  ms: msVaFix('__builtin_va_list'),
};
