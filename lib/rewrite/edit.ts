// Edits addressed by offsets in the original text, applied in one pass.
// A replaced range keeps its newlines (appended after the replacement), so
// the rewritten text has exactly as many lines as the original and clang's
// line markers keep pointing at the user's lines.

export interface Edit {
  start: number;
  end: number;
  text: string;
}

/** Collects edits against one source text; later insertions at one offset come after earlier ones. */
export class EditList {
  private readonly edits: (Edit & { seq: number })[] = [];

  replace(start: number, end: number, text: string): void {
    if (text.includes('\n')) throw new Error('edit text must not contain newlines');
    if (start > end) throw new Error(`bad edit range ${start}..${end}`);
    this.edits.push({ start, end, text, seq: this.edits.length });
  }

  insert(at: number, text: string): void {
    this.replace(at, at, text);
  }

  remove(start: number, end: number): void {
    this.replace(start, end, '');
  }

  /** The edits in the order they will be applied. */
  list(): readonly Edit[] {
    return [...this.edits].sort((a, b) => a.start - b.start || a.end - b.end || a.seq - b.seq);
  }

  get size(): number {
    return this.edits.length;
  }

  /** The text with every edit applied; throws on overlapping ranges (a rewriter bug). */
  apply(src: string): string {
    const sorted = this.list();
    const out: string[] = [];
    let pos = 0;
    for (const e of sorted) {
      if (e.start < pos) throw new Error(`overlapping edits at offset ${e.start}`);
      out.push(src.slice(pos, e.start), e.text);
      const removed = src.slice(e.start, e.end);
      for (let i = removed.indexOf('\n'); i >= 0; i = removed.indexOf('\n', i + 1)) out.push('\n');
      pos = e.end;
    }
    out.push(src.slice(pos));
    return out.join('');
  }
}
