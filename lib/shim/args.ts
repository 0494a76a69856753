// icc-shim --log --header: how an interceptor is declared so that its body reads
// the arguments of a call, and how each one is handed to the runtime's printer.
//
// The interceptor takes the header's parameters under builtin stand-in types
// (header.ts `carrier`: same register class and size), named a0, a1, ... so no
// header name can clash with C++. icc++ compiles a body that names them with
// that parameter list (README "Reading parameters"); the target still gets the
// caller's registers and stack untouched.

import type { Prototype } from './header.js';

/** What the generated interceptor of one function declares and passes to the printer. */
export interface LoggedSignature {
  /** The parameter list, as declared: `const void *a0, int a1, ...`. */
  params: string;
  /** One `icc_shim::X(aN)` per printed argument. */
  args: string[];
  /** After the printed arguments: 0 nothing, 1 `...` (variadic), 2 `?` (the rest have no stand-in type). */
  tail: 0 | 1 | 2;
}

// A printer per stand-in type (shim/icc-shim-gen.h): signed, unsigned, pointer, string, floating point.
const PRINTER: Record<string, string> = { pointer: 'P', string: 'S', int: 'I', uint: 'U', float: 'D', double: 'D', 'long double': 'D' };

/** The signature --log gives an interceptor, or undefined when its arguments cannot be read: no prototype,
 *  or a return type that may come back through a hidden pointer (a struct), which shifts every argument. */
export function loggedSignature(p: Prototype): LoggedSignature | undefined {
  if (!p.prototyped || !p.returns.carrier) return undefined;
  const params: string[] = [];
  const args: string[] = [];
  for (const [i, param] of p.params.entries()) {
    // A parameter without a stand-in (a struct by value) moves the ones after it: print those before it.
    if (!param.carrier) return { params: params.join(', '), args, tail: 2 };
    params.push(`${param.carrier} a${i}`);
    args.push(`icc_shim::${PRINTER[param.kind]}(a${i})`);
  }
  if (p.variadic) params.push('...');
  return { params: params.join(', '), args, tail: p.variadic ? 1 : 0 };
}
