import type { FlagSpec } from './flags.js';
import { describeDefault, flagEnv } from './flags.js';

// pflag's type words, so `--help` reads like an upstream component's.
const TYPE_WORD = { string: 'string', boolean: '', int: 'int', duration: 'duration', list: 'strings' } as const;

/** `--help` text in pflag's layout: `--name type   help (default x) [$TSKUBE_NAME]`, sorted by name. */
export function flagsHelp(spec: FlagSpec, options: { usage?: string } = {}): string {
  const rows = Object.entries(spec)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, def]) => {
      const left = `      --${name}${TYPE_WORD[def.type] ? ` ${TYPE_WORD[def.type]}` : ''}`;
      const notes: string[] = [];
      if (def.type === 'string' && def.choices) notes.push(`one of: ${def.choices.join(', ')}`);
      if ('required' in def && def.required) notes.push('required');
      const shownDefault = describeDefault(def);
      if (shownDefault !== undefined) notes.push(`default ${shownDefault}`);
      const env = flagEnv(name, def);
      const right = `${def.help}${notes.length ? ` (${notes.join('; ')})` : ''}${env ? ` [$${env}]` : ''}`;
      return { left, right };
    });
  const width = Math.max(0, ...rows.map((r) => r.left.length)) + 3;
  const lines = rows.map((r) => r.left.padEnd(width) + r.right);
  return [...(options.usage ? [options.usage, ''] : []), 'Flags:', ...lines, ''].join('\n');
}
