// The relocations in a byte range of a section (a core's code). A TU's cores share one .text on
// AArch64, i386 and COFF: each core's check scanned all of the section's relocations, which made
// checking a 5,000-interceptor AArch64 object take 50 s of Node. Sorted once per list, then a
// binary search per core.

const byOffset = new WeakMap<readonly { offset: number }[], readonly { offset: number }[]>();

/** Those of `all` (a file's list for one section, read once and kept) with offsets in [start, end). */
export function relocationsWithin<R extends { offset: number }>(all: readonly R[], start: number, end: number): R[] {
  let sorted = byOffset.get(all) as readonly R[] | undefined;
  if (!sorted) {
    sorted = [...all].sort((a, b) => a.offset - b.offset);
    byOffset.set(all, sorted);
  }
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid].offset < start) lo = mid + 1;
    else hi = mid;
  }
  const out: R[] = [];
  for (let i = lo; i < sorted.length && sorted[i].offset < end; i++) out.push(sorted[i]);
  return out;
}
