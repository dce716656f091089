/**
 * What JSON.parse and our YAML reader hide: keys repeated in one object (the last one wins), and
 * where each field sits in the text. Upstream's strict decoder (sigs.k8s.io/json) reports
 * repeats as `duplicate field "metadata.name"` for fieldValidation=Strict/Warn, in document
 * order mixed with the unknown fields, and reports a field that is both unknown and repeated
 * only as unknown.
 */
import { isMap, isScalar, isSeq, type Node as YamlNode, type Document as YamlDocument } from 'yaml';

export interface FieldScan {
  /** Repeated keys (`spec.containers[0].imagePullPolicy`) and the offset of each repeat, in document order. */
  duplicates: { path: string; offset: number }[];
  /** Text offset of the first occurrence of each key path, to order messages as Go would. */
  offsets: Map<string, number>;
}

const join = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`);

/**
 * Scans a JSON text that JSON.parse already accepted (so it is well formed): a single pass over
 * the characters with a stack of open containers, no values built.
 */
export function scanJsonFields(text: string): FieldScan {
  const duplicates: FieldScan['duplicates'] = [];
  const offsets = new Map<string, number>();
  type Frame = { kind: 'object'; path: string; keys: Set<string>; key?: string } | { kind: 'array'; path: string; index: number };
  const stack: Frame[] = [];
  /** The path of the value about to start, in the innermost container. */
  const valuePath = (): string => {
    const top = stack[stack.length - 1];
    if (!top) return '';
    return top.kind === 'object' ? join(top.path, top.key ?? '') : `${top.path}[${top.index}]`;
  };
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    switch (c) {
      case '{':
        stack.push({ kind: 'object', path: valuePath(), keys: new Set() });
        expectKey = true;
        break;
      case '[':
        stack.push({ kind: 'array', path: valuePath(), index: 0 });
        break;
      case '}':
      case ']':
        stack.pop();
        expectKey = false;
        break;
      case ',': {
        const top = stack[stack.length - 1];
        if (top?.kind === 'array') top.index++;
        else expectKey = true;
        break;
      }
      case '"': {
        const start = i;
        let escaped = false;
        for (i++; i < text.length; i++) {
          const d = text[i];
          if (d === '\\') {
            escaped = true;
            i++;
          } else if (d === '"') break;
        }
        const top = stack[stack.length - 1];
        if (expectKey && top?.kind === 'object') {
          const raw = text.slice(start + 1, i);
          const key = escaped ? (JSON.parse(text.slice(start, i + 1)) as string) : raw;
          const path = join(top.path, key);
          if (top.keys.has(key)) duplicates.push({ path, offset: start });
          else {
            top.keys.add(key);
            offsets.set(path, start);
          }
          top.key = key;
          expectKey = false;
        }
        break;
      }
      default:
        break;
    }
  }
  return { duplicates, offsets };
}

/** A repeated key in a YAML body, reported as go-yaml words it (`line 5: key "name" already set in map`). */
export interface YamlDuplicate {
  line: number;
  key: string;
}

/** The repeated keys of a YAML document parsed with `uniqueKeys: false`, in document order. */
export function yamlDuplicates(doc: YamlDocument, lineOf: (offset: number) => number): YamlDuplicate[] {
  const out: YamlDuplicate[] = [];
  const walk = (node: unknown): void => {
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        if (seen.has(key)) out.push({ line: lineOf((pair.key as YamlNode | null)?.range?.[0] ?? 0), key });
        seen.add(key);
        walk(pair.value);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) walk(item);
    }
  };
  walk(doc.contents);
  return out;
}
