import { it, expect } from 'vitest';
import { Fabric } from '../../src/fabric.js';
it('smoke', async () => {
  const f = new Fabric({ accelerator: 'cpu' });
  await f.launch();
  console.log(f.device, typeof process.send, process.connected, Object.keys(process.env).filter(k => k.startsWith('FABRIC') || k.startsWith('VITEST')));
  expect(1).toBe(1);
});
