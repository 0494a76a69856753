// Template interceptors: every specialization the program uses needs its own
// public symbol, but a visible template definition would be inlined or
// rewritten by the optimizer. So a first compile of the rewritten text (which
// only declares the template) tells, through its undefined symbols, which
// specializations are used; explicit instantiations of their emitters are then
// appended to the text.

import type { TemplateInterceptor } from './rewrite/interceptors.js';

/** `template struct <emitter><args>;` for each used specialization found in `nm -u -C` output. */
export function instantiationsFor(templates: TemplateInterceptor[], undefinedSymbols: string): string[] {
  const lines = new Set<string>();
  for (const symbol of undefinedSymbols.split('\n')) {
    for (const t of templates) {
      for (let at = symbol.indexOf(t.demangledName + '<'); at >= 0; at = symbol.indexOf(t.demangledName + '<', at + 1)) {
        const before = at === 0 ? ' ' : symbol[at - 1];
        if (before !== ' ' && before !== '(' && before !== ',') continue;
        const open = at + t.demangledName.length;
        const close = matchingAngle(symbol, open);
        if (close < 0 || symbol[close + 1] !== '(') continue;
        lines.add(`template struct ${t.emitter}<${symbol.slice(open + 1, close)}>;`);
      }
    }
  }
  return [...lines];
}

function matchingAngle(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '<') depth++;
    else if (c === '>') {
      depth--;
      if (depth === 0) return i;
    } else if (c === '(') {
      let parens = 1;
      while (parens > 0 && ++i < text.length) {
        if (text[i] === '(') parens++;
        else if (text[i] === ')') parens--;
      }
    }
  }
  return -1;
}
