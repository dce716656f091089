import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';

// Daemons use these through component-base so prom-client stays one dependency of one package.
export { Counter, Gauge, Histogram, Registry, Summary } from 'prom-client';
export type { CounterConfiguration, GaugeConfiguration, HistogramConfiguration, SummaryConfiguration } from 'prom-client';

export interface MetricsRegistryOptions {
  /** Daemon name, reported as the `component` label of `tskube_build_info`. */
  component: string;
  /** Reported as the `version` label of `tskube_build_info`. */
  version?: string;
  /** Collect process and Node.js runtime metrics (default true). */
  defaultMetrics?: boolean;
}

/**
 * A registry of one daemon instance's own, never prom-client's global one, so several daemons
 * in one process (tests, the all-in-one `up`) each serve their own metrics without name clashes.
 */
export function createMetricsRegistry(options: MetricsRegistryOptions): Registry {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  // Upstream's kubernetes_build_info: a constant 1 whose labels say what is running.
  new Gauge({
    name: 'tskube_build_info',
    help: 'A metric with a constant 1 value labeled by the component and version it runs.',
    labelNames: ['component', 'version'],
    registers: [registry],
  }).set({ component: options.component, version: options.version ?? 'unknown' }, 1);
  return registry;
}
