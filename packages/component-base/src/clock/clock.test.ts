import { describe, expect, it } from 'vitest';
import { systemClock } from './clock.js';

describe('systemClock', () => {
  it('sleep resolves on a real timer', async () => {
    await expect(systemClock.sleep(1)).resolves.toBeUndefined();
  });

  it('sleep rejects with the abort reason when aborted first', async () => {
    const controller = new AbortController();
    const sleeping = systemClock.sleep(60_000, controller.signal);
    controller.abort(new Error('stop'));
    await expect(sleeping).rejects.toThrow('stop');
  });
});
