/**
 * `fabric.call(hook, ...args)`: runs the hook on every callback that has it, in registration order,
 * waiting for each (hooks may be async). Callbacks without the hook are skipped.
 */
export async function callHook(callbacks: readonly object[], hook: string, args: unknown[]): Promise<void> {
  for (const callback of callbacks) {
    const method = (callback as Record<string, unknown>)[hook];
    if (typeof method === 'function') await method.apply(callback, args);
  }
}
