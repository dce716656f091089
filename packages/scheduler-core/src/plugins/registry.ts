/**
 * Plugin registry (upstream default_registry.go): name → factory, and the default profile.
 * Filters run in upstream's order, so a node failing several reports the same first reason.
 * Default score weights follow upstream's default profile: TaintToleration 3,
 * NodeResourcesLeastAllocated 1, NodeResourcesBalancedAllocation 1, and SelectorSpread 1.
 */
import type { FilterPlugin, ScorePlugin } from '../types.js';
import * as nodeAffinity from './node-affinity/node-affinity.js';
import * as nodeName from './node-name/node-name.js';
import * as nodePorts from './node-ports/node-ports.js';
import * as nodeReady from './node-ready/node-ready.js';
import * as balanced from './node-resources-balanced-allocation/node-resources-balanced-allocation.js';
import * as fit from './node-resources-fit/node-resources-fit.js';
import * as least from './node-resources-least-allocated/node-resources-least-allocated.js';
import * as nodeUnschedulable from './node-unschedulable/node-unschedulable.js';
import * as selectorSpread from './selector-spread/selector-spread.js';
import type { SpreadSelectors } from './selector-spread/selector-spread.js';
import * as taintToleration from './taint-toleration/taint-toleration.js';
import * as volumeRestrictions from './volume-restrictions/volume-restrictions.js';

export interface PluginArgs {
  weight?: number;
  spreadSelectors?: SpreadSelectors;
}

export type PluginFactory = (args?: PluginArgs) => FilterPlugin | ScorePlugin | (FilterPlugin & ScorePlugin);

export const filterRegistry: Readonly<Record<string, () => FilterPlugin>> = {
  [nodeUnschedulable.NAME]: nodeUnschedulable.newNodeUnschedulable,
  [nodeName.NAME]: nodeName.newNodeName,
  [nodeReady.NAME]: nodeReady.newNodeReady,
  [taintToleration.NAME]: () => taintToleration.newTaintToleration(),
  [nodeAffinity.NAME]: nodeAffinity.newNodeAffinity,
  [nodePorts.NAME]: nodePorts.newNodePorts,
  [fit.NAME]: fit.newNodeResourcesFit,
  [volumeRestrictions.NAME]: volumeRestrictions.newVolumeRestrictions,
};

export const scoreRegistry: Readonly<Record<string, (args?: PluginArgs) => ScorePlugin>> = {
  [taintToleration.NAME]: (a) => taintToleration.newTaintToleration(a),
  [least.NAME]: (a) => least.newNodeResourcesLeastAllocated(a),
  [balanced.NAME]: (a) => balanced.newNodeResourcesBalancedAllocation(a),
  [selectorSpread.NAME]: (a) => selectorSpread.newSelectorSpread(a),
};

/** Every filter, in registry (= upstream) order. */
export function defaultFilterPlugins(): FilterPlugin[] {
  return Object.values(filterRegistry).map((f) => f());
}

/** Every score plugin with its default weight; SelectorSpread lists selectors from `spreadSelectors`. */
export function defaultScorePlugins(opts: { spreadSelectors?: SpreadSelectors } = {}): ScorePlugin[] {
  return Object.entries(scoreRegistry).map(([name, f]) =>
    name === selectorSpread.NAME && opts.spreadSelectors ? f({ spreadSelectors: opts.spreadSelectors }) : f(),
  );
}
