#!/usr/bin/env node
// Fails unless every Nx project carries exactly one scope:* and one type:* tag, and every tag the
// lint config constrains matches at least one project. The module-boundary rule cannot see an
// untagged project (it simply has no constraints), so this closes that hole.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'tskube-graph-'));
const file = join(dir, 'graph.json');
try {
  execFileSync('npx', ['nx', 'graph', `--file=${file}`], { stdio: ['ignore', 'ignore', 'inherit'] });
  const { graph } = JSON.parse(readFileSync(file, 'utf8'));
  const problems = [];
  const seen = new Set();
  for (const [name, node] of Object.entries(graph.nodes)) {
    const tags = (node.data.tags ?? []).filter((t) => !t.startsWith('npm:'));
    tags.forEach((t) => seen.add(t));
    for (const dim of ['scope', 'type']) {
      const n = tags.filter((t) => t.startsWith(`${dim}:`)).length;
      if (n !== 1) problems.push(`${name}: needs exactly one ${dim}:* tag, has ${n} (${tags.join(', ') || 'none'})`);
    }
  }
  const config = readFileSync(new URL('../../eslint.config.mjs', import.meta.url), 'utf8');
  const constrained = new Set(config.match(/'(scope|type):[a-z-]+'/g)?.map((s) => s.slice(1, -1)) ?? []);
  const used = [...seen];
  for (const tag of constrained) {
    // A constraint row whose tag matches no project silently allows everything it should forbid;
    // tags reserved for projects that arrive with later issues are listed here on purpose.
    const later = ['scope:node', 'scope:cli', 'type:domain'];
    if (!used.includes(tag) && !later.includes(tag)) problems.push(`eslint.config.mjs constrains ${tag}, which no project has`);
  }
  if (problems.length) {
    console.error(`check-tags: ${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
    process.exitCode = 1;
  } else {
    console.log(`check-tags: ${Object.keys(graph.nodes).length} projects tagged correctly`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
