/** The kubelet's Prometheus metrics (names as upstream's). */
import { Gauge, Histogram, type Registry } from '@tskube/component-base';

export interface KubeletMetrics {
  runningPods: Gauge;
  runningContainers: Gauge;
  podStartDuration: Histogram;
  podWorkerDuration: Histogram;
}

export function createKubeletMetrics(registry: Registry): KubeletMetrics {
  const registers = [registry];
  return {
    runningPods: new Gauge({ name: 'kubelet_running_pods', help: 'Number of pods that have a running pod sandbox', registers }),
    runningContainers: new Gauge({ name: 'kubelet_running_containers', help: 'Number of containers currently running', labelNames: ['container_state'], registers }),
    podStartDuration: new Histogram({
      name: 'kubelet_pod_start_duration_seconds',
      help: 'Duration in seconds from the kubelet seeing a pod for the first time to the pod starting to run',
      buckets: [0.5, 1, 2, 3, 4, 5, 6, 8, 10, 20, 30, 45, 60, 120, 180, 240, 300, 360, 480, 600, 900, 1200, 1800, 2700, 3600],
      registers,
    }),
    podWorkerDuration: new Histogram({
      name: 'kubelet_pod_worker_duration_seconds',
      help: 'Duration in seconds to sync a single pod. Broken down by operation type: create, update, or sync',
      labelNames: ['operation'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
  };
}
