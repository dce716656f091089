// tskubelet: runKubelet(config, {signal, logger}) for embedding; main.ts is the bin.
