import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import { DURATION_HINT, formatDuration, parseDuration } from './duration.js';

/** What a `validate` hook returns: nothing when fine, else one problem or several. */
export type Problems = string | readonly string[] | undefined | void;

interface FlagBase<T> {
  /** One-line help text shown by `flagsHelp`. */
  help: string;
  /** Environment variable read when the flag is not given; defaults to `TSKUBE_<FLAG_IN_SNAKE>`. `false` for none. */
  env?: string | false;
  /** Extra checks on the final value (flag, env or default); return every problem found. */
  validate?: (value: T) => Problems;
}

export interface StringFlag extends FlagBase<string> {
  type: 'string';
  default?: string;
  /** Allowed values; the parsed value is typed as their union. */
  choices?: readonly string[];
  required?: boolean;
}
export interface BooleanFlag extends FlagBase<boolean> {
  type: 'boolean';
  /** Defaults to `false`. */
  default?: boolean;
}
export interface IntFlag extends FlagBase<number> {
  type: 'int';
  default?: number;
  required?: boolean;
}
export interface DurationFlag extends FlagBase<number> {
  type: 'duration';
  /** A duration string (`'10s'`) or milliseconds; the parsed value is always milliseconds. */
  default?: string | number;
  required?: boolean;
}
export interface ListFlag extends FlagBase<string[]> {
  type: 'list';
  /** Defaults to `[]`. */
  default?: readonly string[];
}

export type FlagDef = StringFlag | BooleanFlag | IntFlag | DurationFlag | ListFlag;
export type FlagType = FlagDef['type'];
/** Flags by their kebab-case name (`'etcd-servers'`), which is also their key in the parsed values. */
export type FlagSpec = Readonly<Record<string, FlagDef>>;

type BaseValue<D> = D extends { type: 'string' }
  ? D extends { choices: readonly (infer C extends string)[] }
    ? C
    : string
  : D extends { type: 'boolean' }
    ? boolean
    : D extends { type: 'list' }
      ? string[]
      : number;
type MaybeMissing<D> = D extends { type: 'boolean' | 'list' }
  ? never
  : D extends { default: string | number }
    ? never
    : D extends { required: true }
      ? never
      : undefined;
export type FlagValue<D> = BaseValue<D> | MaybeMissing<D>;
/** Parsed values keyed by flag name: durations in ms, lists as string[], optional flags may be undefined. */
export type FlagValues<S extends FlagSpec> = { -readonly [K in keyof S]: FlagValue<S[K]> };

/** Thrown by `parseFlags`; `problems` lists every unknown flag and bad value, each naming its flag. */
export class FlagError extends Error {
  override readonly name = 'FlagError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid flags:\n  ${problems.join('\n  ')}`);
  }
}

const FLAG_NAME = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** `etcd-servers` → `TSKUBE_ETCD_SERVERS`. */
export function envNameFor(flag: string): string {
  return `TSKUBE_${flag.toUpperCase().replaceAll('-', '_')}`;
}

/** The environment variable a flag reads, or undefined when it reads none. */
export function flagEnv(name: string, def: FlagDef): string | undefined {
  if (def.env === false) return undefined;
  return def.env ?? envNameFor(name);
}

/**
 * Declares a daemon's flags. Returns the spec unchanged (typed precisely), after checking it, so
 * a mistake in a spec fails when the module loads rather than when a user passes the flag.
 */
export function defineFlags<const S extends FlagSpec>(spec: S): S {
  for (const [name, def] of Object.entries(spec)) {
    if (!FLAG_NAME.test(name)) throw new Error(`flag name "${name}" must be kebab-case (e.g. etcd-servers)`);
    if (def.type === 'duration' && typeof def.default === 'string') parseDuration(def.default);
    if (def.type === 'string' && def.choices && def.default !== undefined && !def.choices.includes(def.default)) {
      throw new Error(`--${name}: default "${def.default}" is not one of ${def.choices.join(', ')}`);
    }
  }
  return spec;
}

export interface ParseFlagsOptions<S extends FlagSpec> {
  /** Checks across flags, run after each flag's own checks; its problems join the same FlagError. */
  validate?: (values: FlagValues<S>) => Problems;
}

/**
 * Parses `argv` (without the node and script entries) against `spec`, with precedence
 * flag > env > default. Accepts `--name=value`, `--name value`, `--snake_case` spellings,
 * `--bool`, `--bool=false`; repeated list flags append, other repeats take the last value.
 * An empty environment variable counts as unset. Throws one `FlagError` listing every problem.
 */
export function parseFlags<S extends FlagSpec>(
  spec: S,
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
  options: ParseFlagsOptions<S> = {},
): FlagValues<S> {
  const problems = new Set<string>();
  const given = new Map<string, string[]>();

  const terminator = argv.indexOf('--');
  const args = argv.map((arg, i) => (terminator >= 0 && i >= terminator ? arg : normaliseFlagName(arg)));
  const config: ParseArgsConfig['options'] = {};
  for (const [name, def] of Object.entries(spec)) {
    config[name] = { type: def.type === 'boolean' ? 'boolean' : 'string', multiple: true };
  }
  // strict: false so that every problem is collected here instead of parseArgs throwing the first.
  const { tokens } = parseArgs({ args, options: config, strict: false, allowPositionals: true, tokens: true });

  let afterUnknownFlag = false;
  for (const token of tokens) {
    if (token.kind === 'option-terminator') continue;
    if (token.kind === 'positional') {
      // `--unknown value`: the value belongs to the flag already reported.
      if (!afterUnknownFlag) problems.add(`unexpected argument "${token.value}"`);
      afterUnknownFlag = false;
      continue;
    }
    afterUnknownFlag = false;
    const typed = (argv[token.index] ?? token.rawName).split('=')[0];
    const def = Object.hasOwn(spec, token.name) ? spec[token.name] : undefined;
    if (!def) {
      problems.add(`unknown flag ${typed}`);
      afterUnknownFlag = !token.inlineValue;
      continue;
    }
    let value: string;
    if (def.type === 'boolean') {
      value = token.inlineValue ? (token.value ?? '') : 'true';
    } else if (token.value === undefined || (!token.inlineValue && token.value.startsWith('--'))) {
      problems.add(`flag needs an argument: ${typed}`);
      continue;
    } else {
      value = token.value;
    }
    given.set(token.name, [...(given.get(token.name) ?? []), value]);
  }

  const values: Record<string, unknown> = {};
  for (const [name, def] of Object.entries(spec)) {
    const envName = flagEnv(name, def);
    const fromArgs = given.get(name);
    const fromEnv = envName === undefined ? undefined : env[envName] || undefined;
    let value: unknown;
    try {
      if (fromArgs) {
        value = def.type === 'list' ? fromArgs.flatMap(splitList) : convert(def, fromArgs[fromArgs.length - 1]!, `--${name}`);
      } else if (fromEnv !== undefined) {
        value = convert(def, fromEnv, `${envName} (--${name})`);
      } else {
        value = defaultOf(def);
      }
    } catch (err) {
      problems.add((err as Error).message);
      continue;
    }
    if (value === undefined) {
      if ('required' in def && def.required) {
        problems.add(`missing required flag --${name}${envName ? ` (or ${envName})` : ''}`);
      }
    } else {
      if (def.type === 'string' && def.choices && !def.choices.includes(value as string)) {
        problems.add(`invalid value "${String(value)}" for --${name}: expected one of ${def.choices.join(', ')}`);
        continue;
      }
      const hook = def.validate as ((v: unknown) => Problems) | undefined;
      for (const problem of asList(hook?.(value))) problems.add(`--${name}: ${problem}`);
    }
    values[name] = value;
  }

  const parsed = values as FlagValues<S>;
  if (problems.size === 0 && options.validate) {
    for (const problem of asList(options.validate(parsed))) problems.add(problem);
  }
  if (problems.size > 0) throw new FlagError([...problems]);
  return parsed;
}

/** True when argv asks for help (`--help` or `-h` before any `--`). */
export function wantsHelp(argv: readonly string[]): boolean {
  for (const arg of argv) {
    if (arg === '--') return false;
    if (arg === '--help' || arg === '-h') return true;
  }
  return false;
}

/** `--etcd_servers=x` → `--etcd-servers=x`: the seed spells flags with underscores. */
function normaliseFlagName(arg: string): string {
  if (!arg.startsWith('--') || arg.length === 2) return arg;
  const eq = arg.indexOf('=');
  const name = eq < 0 ? arg : arg.slice(0, eq);
  return name.replaceAll('_', '-') + (eq < 0 ? '' : arg.slice(eq));
}

function convert(def: FlagDef, raw: string, source: string): unknown {
  const bad = (expected: string): never => {
    throw new Error(`invalid value "${raw}" for ${source}: ${expected}`);
  };
  switch (def.type) {
    case 'string':
      return raw;
    case 'list':
      return splitList(raw);
    case 'boolean':
      // strconv.ParseBool's spellings, as pflag accepts them.
      if (/^(1|t|true)$/i.test(raw)) return true;
      if (/^(0|f|false)$/i.test(raw)) return false;
      return bad('expected true or false');
    case 'int': {
      const n = Number(raw);
      return /^[+-]?\d+$/.test(raw) && Number.isSafeInteger(n) ? n : bad('expected an integer');
    }
    case 'duration':
      try {
        return parseDuration(raw);
      } catch {
        return bad(DURATION_HINT);
      }
  }
}

function defaultOf(def: FlagDef): unknown {
  switch (def.type) {
    case 'boolean':
      return def.default ?? false;
    case 'list':
      return [...(def.default ?? [])];
    case 'duration':
      return typeof def.default === 'string' ? parseDuration(def.default) : def.default;
    default:
      return def.default;
  }
}

function splitList(raw: string): string[] {
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function asList(problems: Problems): readonly string[] {
  if (problems === undefined) return [];
  return typeof problems === 'string' ? [problems] : problems;
}

/** How a flag's default reads in help text, or undefined when it has none worth showing. */
export function describeDefault(def: FlagDef): string | undefined {
  switch (def.type) {
    case 'boolean':
      return def.default ? 'true' : undefined;
    case 'list':
      return def.default?.length ? `[${def.default.join(',')}]` : undefined;
    case 'duration':
      return typeof def.default === 'number' ? formatDuration(def.default) : def.default;
    case 'int':
      return def.default === undefined ? undefined : String(def.default);
    case 'string':
      return def.default ? `"${def.default}"` : undefined;
  }
}
