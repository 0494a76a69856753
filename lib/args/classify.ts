// argv → a typed plan: every word classified once, in order, the way clang 14's driver reads
// it. Pure: no file system, no environment. Expand @files first (response-files.ts).
import { lookupFamily, lookupOption, type ClangOption, type Phase, type Role } from './options.js';

export type { Phase, Role } from './options.js';
export type Stage = 'E' | 'fsyntax-only' | 'S' | 'c' | 'link';

export interface OptionItem {
  kind: 'option';
  /** Index of its first word in plan.argv. */
  index: number;
  /** The words this occurrence took: 1, 2 for a separate value, more for multi-arg. */
  words: string[];
  /** The table spelling matched, or the word itself when no row matched. */
  name: string;
  /** The spelling `name` stands for (--output → -o, -target → --target=); else `name`. */
  canonical: string;
  /** The value: joined text, the next word, or the first of several (-Xarch_x86_64 → x86_64). */
  value?: string;
  /** Every value: comma-joined split at commas, multi-arg and joined-and-separate in order. */
  values: string[];
  phases: ReadonlySet<Phase>;
  roles: ReadonlySet<Role>;
  /** In clang 14's table (false for family matches like an unknown -fnew-thing, and unknowns). */
  known: boolean;
  /** The option needs a following word and argv ended: clang will report it. */
  missingValue: boolean;
}

export interface InputItem {
  kind: 'input';
  index: number;
  /** As written; '-' is stdin. */
  word: string;
  /** The language clang gives it (its -x type names), 'object' for linker inputs. */
  lang: string;
  /** Came after `--`: it must follow `--` on any command line, it may start with '-'. */
  afterDoubleDash: boolean;
}

export type Item = OptionItem | InputItem;

export interface Plan {
  /** The words classified (after @file expansion). */
  argv: string[];
  /** Every word, in order, exactly once (an option with a separate value is one item). */
  items: Item[];
  stage: Stage;
  /** The option that decided the stage (the last of the winning kind), if any. */
  stageOption?: OptionItem;
  /** Value of the last -o (may be '-'). */
  output?: string;
  inputs: InputItem[];
  /** An option that makes clang only print (--version, -###, -print-*): forward argv as is. */
  info: boolean;
  /** Options that write dependency output, including -Wp,-MD,<file> and -Wp,-MMD,<file>. */
  depFlags: OptionItem[];
  /** From the last --target=X / -target X. */
  target?: string;
  languageOf(item: InputItem): string;
}

// clang's Driver::getFinalPhase, highest priority first. --precompile (a .pcm per input, no
// link) has no Stage of its own: it counts as 'c' but outranks -fsyntax-only, as in clang.
const STAGE_RANKS: ReadonlyArray<{ stage: Stage; options: readonly string[] }> = [
  { stage: 'E', options: ['-E', '-M', '-MM'] },
  { stage: 'c', options: ['--precompile'] },
  {
    stage: 'fsyntax-only',
    options: ['-fsyntax-only', '-print-supported-cpus', '-module-file-info', '-verify-pch', '-rewrite-objc',
      '-rewrite-legacy-objc', '--migrate', '--analyze', '-emit-ast', '-extract-api'],
  },
  { stage: 'S', options: ['-S'] },
  { stage: 'c', options: ['-c'] },
];

/** Reads argv as clang++ 14 would, so each pipeline step can be given the right words. */
export function classifyArgs(argv: string[]): Plan {
  const items: Item[] = [];
  let xLang: string | undefined; // the last -x, none → by extension
  const xLangs = new Map<InputItem, string | undefined>();
  let afterDoubleDash = false;
  for (let index = 0; index < argv.length; ) {
    const word = argv[index]!;
    if (afterDoubleDash || word === '-' || !word.startsWith('-')) {
      const input: InputItem = { kind: 'input', index, word, lang: '', afterDoubleDash };
      xLangs.set(input, xLang);
      items.push(input);
      index += 1;
      continue;
    }
    const item = word === '--' ? endOfOptions(index) : readOption(argv, index);
    if (item.canonical === '--') afterDoubleDash = true;
    if (item.canonical === '-x' && item.value !== undefined) xLang = item.value === 'none' ? undefined : item.value;
    items.push(item);
    index += item.words.length;
  }

  const options = items.filter((item): item is OptionItem => item.kind === 'option');
  markPreprocessorXclang(options);
  const has = (name: string): boolean => options.some((item) => item.canonical === name);
  const objcOverride = has('-ObjC') ? 'objective-c' : has('-ObjC++') ? 'objective-c++' : undefined;
  const inputs = items.filter((item): item is InputItem => item.kind === 'input');
  for (const input of inputs) input.lang = languageFor(input.word, xLangs.get(input), objcOverride);

  const last = (name: string): OptionItem | undefined => options.filter((item) => item.canonical === name).pop();
  const { stage, stageOption } = decideStage(options);
  return {
    argv,
    items,
    stage,
    ...(stageOption && { stageOption }),
    ...definedValue('output', last('-o')?.value),
    inputs,
    info: options.some((item) => item.roles.has('info')),
    depFlags: options.filter((item) => item.roles.has('dep') || isWpDependency(item)),
    ...definedValue('target', last('--target=')?.value),
    languageOf: (item) => item.lang,
  };
}

/** `-Xclang -include[-pch|-pth] -Xclang FILE`: cc1 options of the preprocessor, so both pairs
 *  affect preprocessing only (repeated on preprocessed text they would include the header twice). */
function markPreprocessorXclang(options: OptionItem[]): void {
  const pp: ReadonlySet<Phase> = new Set<Phase>(['pp']);
  options.forEach((o, k) => {
    const next = options[k + 1];
    if (o.canonical === '-Xclang' && /^-include(-pch|-pth)?$/.test(o.value ?? '') && next?.canonical === '-Xclang') {
      o.phases = pp;
      next.phases = pp;
    }
  });
}

/** Option words of a plan, in order, filtered; with `inputWords`, inputs too, in place (link lines). */
export function wordsFor(
  plan: Plan,
  keep: (item: OptionItem) => boolean,
  inputWords?: (item: InputItem) => readonly string[],
): string[] {
  return plan.items.flatMap((item) => {
    if (item.kind === 'input') return inputWords ? [...inputWords(item)] : [];
    return keep(item) ? item.words : [];
  });
}

function readOption(argv: readonly string[], index: number): OptionItem {
  const word = argv[index]!;
  const match = lookupOption(word);
  if (!match) {
    const family = lookupFamily(word);
    return family ? item(index, [word], word, family, false, []) : unknown(index, word);
  }
  const { option, rest } = match;
  const following = (count: number): string[] => argv.slice(index + 1, index + 1 + count);
  switch (option.kind) {
    case 'flag':
      return item(index, [word], option.name, option, true, []);
    case 'joined':
      return item(index, [word], option.name, option, true, [rest]);
    case 'comma-joined':
      return item(index, [word], option.name, option, true, rest.split(','));
    case 'joined-or-separate':
      if (rest !== '') return item(index, [word], option.name, option, true, [rest]);
      return withFollowing(index, word, option, [], following(1), 1);
    case 'separate':
      return withFollowing(index, word, option, [], following(1), 1);
    case 'multi-arg':
      return withFollowing(index, word, option, [], following(option.count ?? 1), option.count ?? 1);
    case 'joined-and-separate':
      return withFollowing(index, word, option, [rest], following(1), 1);
  }
}

function withFollowing(
  index: number,
  word: string,
  option: ClangOption,
  joined: string[],
  next: string[],
  wanted: number,
): OptionItem {
  const result = item(index, [word, ...next], option.name, option, true, [...joined, ...next]);
  result.missingValue = next.length < wanted;
  return result;
}

function item(
  index: number,
  words: string[],
  name: string,
  option: ClangOption,
  known: boolean,
  values: string[],
): OptionItem {
  return {
    kind: 'option',
    index,
    words,
    name,
    canonical: option.alias ?? option.name,
    ...definedValue('value', values[0]),
    values,
    phases: option.phases,
    roles: option.roles,
    known,
    missingValue: false,
  };
}

const ALL_PHASES: ReadonlySet<Phase> = new Set<Phase>(['pp', 'cc', 'ld']);
const NO_PHASES: ReadonlySet<Phase> = new Set<Phase>();
const NO_ROLES: ReadonlySet<Role> = new Set<Role>();

// clang would reject it ("unknown argument"); keep it in place so clang still says so.
function unknown(index: number, word: string): OptionItem {
  const option: ClangOption = { name: word, kind: 'flag', phases: ALL_PHASES, roles: NO_ROLES };
  return item(index, [word], word, option, false, []);
}

// `--`: everything after it is an input. It goes on no step's command line by itself.
function endOfOptions(index: number): OptionItem {
  const option: ClangOption = { name: '--', kind: 'flag', phases: NO_PHASES, roles: NO_ROLES };
  return item(index, ['--'], '--', option, true, []);
}

function decideStage(options: readonly OptionItem[]): { stage: Stage; stageOption?: OptionItem } {
  for (const rank of STAGE_RANKS) {
    const chosen = options.filter((item) => rank.options.includes(item.canonical)).pop();
    if (chosen) return { stage: rank.stage, stageOption: chosen };
  }
  return { stage: 'link' };
}

// clang's driver rewrites -Wp,-MD,<file> into -MD -MF <file> (likewise -MMD), for old Makefiles.
function isWpDependency(item: OptionItem): boolean {
  return item.canonical === '-Wp,' && (item.values[0] === '-MD' || item.values[0] === '-MMD');
}

// clang 14's types::lookupTypeForExtension, for the extensions it knows.
const TYPE_BY_EXTENSION: Readonly<Record<string, string>> = {
  c: 'c', C: 'c++', F: 'f95-cpp-input', f: 'f95', h: 'c-header', H: 'c++-header', i: 'cpp-output',
  m: 'objective-c', M: 'objective-c++', o: 'object', S: 'assembler-with-cpp', s: 'assembler',
  bc: 'ir', cc: 'c++', CC: 'c++', cl: 'cl', clcpp: 'clcpp', cp: 'c++', cu: 'cuda', hh: 'c++-header',
  ii: 'c++-cpp-output', ll: 'ir', mi: 'objective-c-cpp-output', mm: 'objective-c++', rs: 'renderscript',
  adb: 'ada', ads: 'ada', asm: 'assembler', ast: 'ast', ccm: 'c++-module', cpp: 'c++', CPP: 'c++',
  'c++': 'c++', 'C++': 'c++', cui: 'cuda-cpp-output', cxx: 'c++', CXX: 'c++', F90: 'f95-cpp-input',
  f90: 'f95', F95: 'f95-cpp-input', f95: 'f95', for: 'f95', FOR: 'f95', fpp: 'f95-cpp-input',
  FPP: 'f95-cpp-input', gch: 'precompiled-header', hip: 'hip', hpp: 'c++-header', hxx: 'c++-header',
  iim: 'c++-module-cpp-output', lib: 'object', mii: 'objective-c++-cpp-output', obj: 'object',
  ifs: 'ifs', pch: 'precompiled-header', pcm: 'pcm', 'c++m': 'c++-module', cppm: 'c++-module',
  cxxm: 'c++-module',
};

// clang++ (not clang) reads C files as C++, with a deprecation warning: types::lookupCXXTypeForCType.
const CXX_FOR_C: Readonly<Record<string, string>> = {
  c: 'c++',
  'cpp-output': 'c++-cpp-output',
  'c-header': 'c++-header',
  'c-header-cpp-output': 'c++-header-cpp-output',
};

// Driver::BuildInputs: -x wins; stdin is C (clang requires -x or -E for it, and does not make it
// C++); otherwise by extension, C→C++, unknown → object; -ObjC/-ObjC++ (anywhere) turn every
// non-object input Objective-C.
function languageFor(word: string, xLang: string | undefined, objcOverride: string | undefined): string {
  if (xLang !== undefined) return xLang;
  let lang: string;
  if (word === '-') {
    lang = 'c';
  } else {
    const dot = word.lastIndexOf('.'); // of the whole word, as clang does: 'a.d/x' has no known type
    const extension = dot >= 0 ? word.slice(dot + 1) : '';
    const byExtension = Object.hasOwn(TYPE_BY_EXTENSION, extension) ? TYPE_BY_EXTENSION[extension] : undefined;
    lang = byExtension === undefined ? 'object' : (CXX_FOR_C[byExtension] ?? byExtension);
  }
  return objcOverride !== undefined && lang !== 'object' ? objcOverride : lang;
}

/** The file extensions clang++ reads as one of `languages` (for bin/launcher.c's generated table). */
export function extensionsFor(languages: ReadonlySet<string>): string[] {
  return Object.keys(TYPE_BY_EXTENSION).filter((e) => languages.has(languageFor(`a.${e}`, undefined, undefined)));
}

// Spreads `{ key: value }` only when value is defined, so optional fields stay absent.
function definedValue<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}
