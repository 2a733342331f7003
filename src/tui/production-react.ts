/**
 * React picks its build from NODE_ENV when first loaded, and its development build (checks, performance
 * tracks) costs the launcher several times more CPU per frame, CPU the ranks would miss. So the dashboard's
 * modules load with NODE_ENV=production, restored at once: ranks and the user's script never see the change.
 */
export async function importWithProductionReact<T>(load: () => Promise<T>): Promise<T> {
  const previous = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    return await load();
  } finally {
    if (previous === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = previous;
  }
}
