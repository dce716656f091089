/**
 * Reads kubectl's column output (`get`, `api-resources`) into rows keyed by header. kubectl
 * aligns every cell to its header's first character, so columns are cut at header positions
 * (headers may contain single spaces, e.g. `NOMINATED NODE`; columns are 2+ spaces apart).
 */
export type Row = Record<string, string>;

export function parseTable(text: string): Row[] {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const header = lines[0];
  if (header === undefined) return [];
  const columns: { name: string; start: number }[] = [];
  for (const m of header.matchAll(/\S+(?: \S+)*/g)) columns.push({ name: m[0], start: m.index });
  return lines.slice(1).map((line) => {
    const row: Row = {};
    columns.forEach((c, i) => {
      const end = columns[i + 1]?.start ?? line.length;
      row[c.name] = line.slice(c.start, end).trim();
    });
    return row;
  });
}
