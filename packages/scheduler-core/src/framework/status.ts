/** Status values (upstream framework.Status): plugins return them, never throw. */
import type { Code, PluginStatus } from '../types.js';

/** Upstream `framework.MaxNodeScore`. */
export const MAX_NODE_SCORE = 100;

export function newStatus(code: Code, reasons: string[], plugin?: string): PluginStatus {
  return plugin === undefined ? { code, reasons } : { code, reasons, plugin };
}

/** A shared, frozen status for the hot path: filters return it without allocating. */
export function constStatus(code: Code, reason: string, plugin: string): PluginStatus {
  return Object.freeze({ code, reasons: Object.freeze([reason]) as string[], plugin });
}

export const SKIP: PluginStatus = Object.freeze({ code: 'Skip', reasons: Object.freeze([] as string[]) as string[] });

/** True for null (upstream's nil status) and an explicit Success. */
export function isSuccess(status: PluginStatus | null | undefined | void): boolean {
  return !status || status.code === 'Success';
}

/**
 * Upstream `helper.DefaultNormalizeScore`: scales scores to 0..maxPriority by the highest one;
 * `reverse` flips them (fewer is better). All zero → 0 (or maxPriority when reversed).
 */
export function defaultNormalizeScore(maxPriority: number, reverse: boolean, scores: Map<string, number>): void {
  let max = 0;
  for (const s of scores.values()) if (s > max) max = s;
  for (const [name, s] of scores) {
    if (max === 0) {
      scores.set(name, reverse ? maxPriority : 0);
      continue;
    }
    const v = Math.trunc((maxPriority * s) / max);
    scores.set(name, reverse ? maxPriority - v : v);
  }
}
