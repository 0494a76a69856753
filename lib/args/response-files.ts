// `@file` expansion, as clang 14's driver does it (llvm::cl::ExpandResponseFiles) before it looks
// at any option:
// * every word that starts with '@' is expanded, wherever it stands (even as the value of -o);
// * a file that can't be read (missing, a directory) leaves the word as it is, and clang then
//   reports it as a missing input;
// * '@' words inside a response file are expanded too, relative to the current directory (not
//   to the response file's directory: clang's driver does not ask for relative names);
// * a file that includes itself, directly or through others, is an error here. (clang 14 leaves
//   such a word unexpanded and then fails with "no such file or directory: '@file'".)
import fs from 'node:fs';
import path from 'node:path';

export type Quoting = 'gnu' | 'windows';

/** A response file icc++ cannot expand the way clang would; the message says which and why. */
export class ResponseFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResponseFileError';
  }
}

/** Replaces every `@file` word with the file's words, so classification sees what clang sees. */
export function expandResponseFiles(argv: string[], cwd: string, quoting: Quoting): string[] {
  return expand(argv, cwd, quoting, []);
}

/** Picks the tokenizer clang's driver would: --rsp-quoting= wins, else Windows rules in cl mode. */
export function responseFileQuoting(argv: readonly string[]): Quoting {
  let quoting: Quoting | undefined;
  let clMode = false;
  for (const word of argv) {
    if (word === '--rsp-quoting=posix') quoting = 'gnu';
    else if (word === '--rsp-quoting=windows') quoting = 'windows';
    else if (word.startsWith('--driver-mode=')) clMode = word === '--driver-mode=cl';
  }
  return quoting ?? (clMode ? 'windows' : 'gnu');
}

function expand(argv: readonly string[], cwd: string, quoting: Quoting, open: readonly string[]): string[] {
  const out: string[] = [];
  for (const word of argv) {
    const text = word.startsWith('@') ? readResponseFile(path.resolve(cwd, word.slice(1))) : undefined;
    if (text === undefined) {
      out.push(word);
      continue;
    }
    const file = canonicalPath(path.resolve(cwd, word.slice(1)));
    if (open.includes(file)) {
      const chain = [...open.slice(open.indexOf(file)), file].join(' -> ');
      throw new ResponseFileError(`response file includes itself: ${chain}`);
    }
    const words = quoting === 'windows' ? tokenizeWindows(text) : tokenizeGnu(text);
    out.push(...expand(words, cwd, quoting, [...open, file]));
  }
  return out;
}

function readResponseFile(file: string): string | undefined {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch {
    return undefined;
  }
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return bytes.subarray(2).toString('utf16le');
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return Buffer.from(bytes.subarray(2)).swap16().toString('utf16le');
  const text = bytes.toString('utf8');
  return text.startsWith('\uFEFF') ? text.slice(1) : text;
}

function canonicalPath(file: string): string {
  try {
    return fs.realpathSync(file);
  } catch {
    return file;
  }
}

const isGnuSpace = (c: string): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';

/**
 * GNU rules as LLVM implements them: whitespace separates words; a backslash takes the next
 * character literally, inside or outside quotes, single or double (so '\n' inside '...' is 'n',
 * unlike a POSIX shell); quotes group; a word of only quotes ('' or "") is dropped.
 */
export function tokenizeGnu(text: string): string[] {
  const words: string[] = [];
  let word = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && i + 1 < text.length) {
      word += text[++i];
    } else if (c === '"' || c === "'") {
      for (i++; i < text.length && text[i] !== c; i++) {
        if (text[i] === '\\' && i + 1 < text.length) i++;
        word += text[i];
      }
    } else if (isGnuSpace(c)) {
      if (word !== '') words.push(word);
      word = '';
    } else {
      word += c;
    }
  }
  if (word !== '') words.push(word);
  return words;
}

const isWindowsSpace = (c: string): boolean => isGnuSpace(c) || c === '\0';

/**
 * Microsoft's rules (CommandLineToArgvW, as LLVM implements them): whitespace separates words
 * outside quotes; "..." groups and "" inside quotes is a literal quote; 2n backslashes before a
 * quote give n backslashes and the quote still delimits, 2n+1 give n and a literal quote;
 * other backslashes are literal. `""` is an empty word. A word whose quote never closes is
 * dropped (clang 14 does so; checked with `clang++ --rsp-quoting=windows -###`).
 */
export function tokenizeWindows(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\') {
      let count = 0;
      while (text[i] === '\\') {
        count++;
        i++;
      }
      if (text[i] === '"') {
        word += '\\'.repeat(Math.floor(count / 2));
        if (count % 2 === 1) word += '"';
        else i--; // the quote delimits: read it again
      } else {
        word += '\\'.repeat(count);
        i--;
      }
      inWord = true;
    } else if (c === '"') {
      if (quoted && text[i + 1] === '"') {
        word += '"';
        i++;
      } else {
        quoted = !quoted;
      }
      inWord = true;
    } else if (isWindowsSpace(c) && !quoted) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord && !quoted) words.push(word); // clang 14 drops a word whose quote never closes
  return words;
}
